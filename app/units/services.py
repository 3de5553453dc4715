"""Writes to the unit tree. Keyword-only; they flush, the route commits once."""
from ..audit.services import record, snapshot
from ..errors import check_version
from ..extensions import db
from ..text import nfc
from .models import Unit

FIELDS = ("name", "code", "level", "kind", "org_type", "official_code", "founded_on", "status", "closed_on",
          "close_reason", "parent_id")


def create_unit(*, parent, name, code, level, kind, org_type=None, official_code=None, founded_on=None):
    unit = Unit(
        parent_id=parent.id if parent else None,
        name=nfc(name),
        code=code.strip(),
        level=level,
        kind=kind,
        org_type=org_type if level == "branch" else None,
        official_code=official_code or None,
        founded_on=founded_on,
        depth=(parent.depth + 1) if parent else 0,
    )
    db.session.add(unit)
    db.session.flush()
    unit.path = (parent.path if parent else "/") + f"{unit.id}/"
    db.session.flush()
    record(action="unit.create", obj=unit, unit=unit, after=snapshot(unit, FIELDS), summary=unit.name)
    return unit


def update_unit(*, unit, expected_version, **changes):
    check_version(unit, expected_version)
    before = snapshot(unit, FIELDS)
    for key, value in changes.items():
        if key == "name":
            value = nfc(value)
        if key == "org_type" and unit.level != "branch":
            value = None
        setattr(unit, key, value)
    db.session.flush()
    record(action="unit.update", obj=unit, unit=unit, before=before, after=snapshot(unit, FIELDS), summary=unit.name)
    return unit


def close_unit(*, unit, closed_on, reason, expected_version=None):
    """Close (dissolve) a unit. Never a delete: its members, classes and history stay readable."""
    check_version(unit, expected_version)
    before = snapshot(unit, FIELDS)
    unit.status = "closed"
    unit.closed_on = closed_on
    unit.close_reason = reason
    db.session.flush()
    record(action="unit.close", obj=unit, unit=unit, before=before, after=snapshot(unit, FIELDS), summary=unit.name)
    return unit
