"""Calendar arithmetic, one copy for every domain."""
from datetime import datetime, timezone


def utcnow():
    """Now, as stored: naive UTC (shown in Vietnam's time by the formatting filters)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
