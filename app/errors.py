class ConflictError(Exception):
    """The record changed since the form was opened: show a conflict page, never overwrite silently."""

    def __init__(self, obj):
        super().__init__(f"stale {obj!r}")
        self.obj = obj
