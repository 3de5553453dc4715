"""Reads for the registry pages, each a fixed number of SQL statements whatever the data size."""
from dataclasses import dataclass, field
from datetime import date

from flask import abort
from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from ..access import authorize, has_role, in_scope, subtree
from ..extensions import db
from ..text import fold
from ..units.models import Unit
from ..units.queries import list_root_units
from ..web import arg_int
from . import permissions
from .models import (
    MEMBER_TYPES,
    ON_ROLL,
    STATUSES,
    ImportBatch,
    Person,
    PersonEvent,
    PickSynonym,
    Transfer,
    over_union_age_born_by,
)

PERSON_ACTIONS = {
    "view": permissions.can_view_person,
    "edit": permissions.can_edit_person,
    "event": permissions.can_record_event,
    "transfer": permissions.can_transfer_person,
}


def criteria_module():
    """The five-criteria helper's module, or None while it is not installed."""
    try:
        from . import criteria
    except ImportError:
        return None
    return criteria


def get_person_for(user, person_id, action="view"):
    """Load, then authorise: 404 when missing, 403 when outside the user's rights."""
    person = db.session.get(Person, person_id, options=[joinedload(Person.unit)])
    if person is None:
        abort(404)
    authorize(PERSON_ACTIONS[action](user, person))
    return person


def get_transfer_for(user, transfer_id, action="view"):
    tr = db.session.get(Transfer, transfer_id, options=[joinedload(Transfer.person), joinedload(Transfer.from_unit),
                                                         joinedload(Transfer.to_commune)])
    if tr is None:
        abort(404)
    check = {"decide": permissions.can_decide_transfer, "withdraw": permissions.can_withdraw_transfer}.get(
        action, permissions.can_view_transfer)
    authorize(check(user, tr))
    return tr


def get_import_for(user, batch_id):
    batch = db.session.get(ImportBatch, batch_id, options=[joinedload(ImportBatch.unit)])
    if batch is None:
        abort(404)
    authorize(permissions.can_view_import(user, batch))
    return batch


def get_synonym_or_404(synonym_id):
    synonym = db.session.get(PickSynonym, synonym_id or 0)
    if synonym is None:
        abort(404)
    return synonym


# ---- the people list ---------------------------------------------------------------------------------------
@dataclass
class Filters:
    q: str = ""
    type: str = ""
    status: str = "roll"
    unit: int | None = None
    workers: bool = False
    age30: bool = False
    verdict: str = ""
    failing: str = ""
    extra: dict = field(default_factory=dict)

    VERDICTS = ("real", "incomplete", "paper")
    FAILING = ("person", "name", "gathered", "dues", "activity")

    @classmethod
    def from_args(cls, args):
        def pick(name, allowed, default=""):
            value = (args.get(name) or "").strip()
            return value if value in allowed else default

        unit = arg_int("unit", source=args)
        return cls(
            q=(args.get("q") or "").strip()[:100],
            type=pick("type", MEMBER_TYPES),
            status=pick("status", tuple(STATUSES) + ("roll", "all"), "roll"),
            unit=unit,
            workers=args.get("workers") == "1",
            age30=args.get("age30") == "1",
            verdict=pick("verdict", cls.VERDICTS),
            failing=pick("failing", cls.FAILING),
        )

    def args(self, **override):
        """The query-string parameters of these filters (for links and exports)."""
        out = {"q": self.q, "type": self.type, "status": "" if self.status == "roll" else self.status, "unit": self.unit,
               "workers": "1" if self.workers else "", "age30": "1" if self.age30 else "", "verdict": self.verdict,
               "failing": self.failing}
        out.update(override)
        return {k: v for k, v in out.items() if v not in ("", None)}


def turning_30_range(year=None):
    year = year or date.today().year
    return date(year - 30, 1, 1), date(year - 30, 12, 31)


def name_condition(q, user=None):
    """Diacritics and case ignored: a folded prefix of the name or of any word in it ("anh" finds "Nguyễn Thị Ánh").
    Digits search the phone (a prefix of at least 4) or the whole 12-digit citizen ID, and only among the people
    whose contact data the user holds unmasked (officers and admins of their unit): for anyone else digits match no
    one, so a masked ID cannot be recovered by trying its hidden digits, nor a person found from a phone number."""
    digits = "".join((q or "").split()).replace(".", "")
    if digits.isdigit() and len(digits) >= 4:
        key = Person.citizen_id == digits if len(digits) == 12 else Person.phone.like(digits + "%")
        return and_(key, in_scope(Person.unit_path, user, permissions.OFFICER))
    key = fold(q)
    if not key:
        return None
    key = key.replace("\\", "").replace("%", "").replace("_", "")
    return or_(Person.name_key.like(key + "%"), Person.name_key.like("% " + key + "%"))


def people_stmt(user, filters, unit=None, as_of=None):
    """select(Person) of the user's scope (or of `unit`'s subtree), with the list filters applied in SQL."""
    stmt = select(Person).where(in_scope(Person.unit_path, user))
    if unit is not None:
        stmt = stmt.where(Person.unit_path.like(unit.path + "%"))
    if filters.status == "roll":
        stmt = stmt.where(Person.status.in_(ON_ROLL))
    elif filters.status != "all":
        stmt = stmt.where(Person.status == filters.status)
    if filters.type:
        stmt = stmt.where(Person.member_type == filters.type)
    if filters.workers:
        stmt = stmt.where(Person.occupation == "worker")
    if filters.age30:
        lo, hi = turning_30_range()
        stmt = stmt.where(Person.birth_date.between(lo, hi))
    cond = name_condition(filters.q, user)
    if cond is not None:
        stmt = stmt.where(cond)
    if filters.verdict or filters.failing:
        crit = criteria_module()
        if crit is not None and hasattr(crit, "filter_people"):
            stmt = crit.filter_people(stmt, verdict=filters.verdict or None, failing=filters.failing or None, as_of=as_of)
    return stmt


COUNT_CAP = 10000  # the list's count stops here: "more than 10,000" instead of counting 300,000 rows per page


def ordered(stmt, sort_matches=False):
    key = Person.name_key
    if sort_matches and db.session.get_bind().dialect.name == "postgresql":
        # A name search with few matches: sort the trigram index's matches rather than walk the name index until a
        # page of them turns up ("tran van" sits far down the alphabet: 300 ms → 20 ms at province scale). With
        # many matches ("nguyen") the walk finds a page at once and the sort would be the slow one.
        key = Person.name_key.concat("")
    return stmt.options(joinedload(Person.unit)).order_by(key, Person.id)


def list_choice_units(user, unit):
    """(base, units) for the list's "unit" filter: the base unit's children (a commune → its branches).

    For a branch the base is its commune, so the officer can step sideways to another branch.
    """
    base = unit
    if unit is not None and unit.level == "branch" and unit.parent_id and has_role(user, unit.parent):
        base = unit.parent
    if base is None:
        roots = list_root_units(user)
        if len(roots) != 1:
            return None, roots
        base = roots[0]
    return base, db.session.scalars(
        select(Unit).where(Unit.parent_id == base.id, Unit.status == "active").order_by(Unit.name)
    ).all()


# ---- one person ------------------------------------------------------------------------------------------
def person_history(person):
    """Every history row, newest first, with who recorded it — one statement."""
    return db.session.scalars(
        select(PersonEvent)
        .where(PersonEvent.person_id == person.id)
        .options(joinedload(PersonEvent.recorded_by), joinedload(PersonEvent.unit), joinedload(PersonEvent.other_unit))
        .order_by(PersonEvent.on.desc(), PersonEvent.id.desc())
    ).all()


def current_posts(person_ids=None, unit_path=None):
    """{person_id: {post: started_on}}: post_started rows not followed by a post_ended for the same post.

    Either for the given people or for everyone on roll under `unit_path` (the branch secretaries …).
    """
    later = aliased(PersonEvent)
    ended = exists().where(later.person_id == PersonEvent.person_id, later.kind == "post_ended",
                           later.detail == PersonEvent.detail, later.id > PersonEvent.id)
    stmt = select(PersonEvent.person_id, PersonEvent.detail, PersonEvent.on).where(PersonEvent.kind == "post_started", ~ended)
    if person_ids is not None:
        if not person_ids:
            return {}
        stmt = stmt.where(PersonEvent.person_id.in_(list(person_ids)))
    if unit_path is not None:
        stmt = stmt.join(Person, Person.id == PersonEvent.person_id).where(Person.unit_path.like(unit_path + "%"),
                                                                            Person.status.in_(ON_ROLL))
    out = {}
    for pid, post, on in db.session.execute(stmt.order_by(PersonEvent.id)).all():
        out.setdefault(pid, {})[post] = on
    return out


def person_transfers(person):
    return db.session.scalars(
        select(Transfer).where(Transfer.person_id == person.id)
        .options(joinedload(Transfer.to_commune), joinedload(Transfer.to_unit), joinedload(Transfer.from_unit))
        .order_by(Transfer.id.desc())
    ).all()


def communes_of_province(unit, exclude_id=None):
    """Open communes in the same province (for a transfer request)."""
    root_id = int(unit.path.strip("/").split("/")[0])
    root = db.session.get(Unit, root_id)
    stmt = select(Unit).where(Unit.path.like(root.path + "%"), Unit.level == "commune", Unit.status == "active")
    if exclude_id:
        stmt = stmt.where(Unit.id != exclude_id)
    return db.session.scalars(stmt.order_by(Unit.name)).all()


# ---- transfers ---------------------------------------------------------------------------------------------
def count_incoming_transfers(unit):
    return db.session.scalar(select(func.count(Transfer.id)).where(subtree(Transfer.to_commune_path, unit.path),
                                                                   Transfer.status == "requested"))


def transfers_for(user, status="requested"):
    """(incoming, outgoing): requests to communes the user is an officer of; requests out of the user's scope."""
    base = select(Transfer).options(joinedload(Transfer.person), joinedload(Transfer.from_unit),
                                    joinedload(Transfer.to_commune), joinedload(Transfer.to_unit))
    if status:
        base = base.where(Transfer.status == status)
    incoming = db.session.scalars(
        base.where(in_scope(Transfer.to_commune_path, user, permissions.OFFICER)).order_by(Transfer.id.desc()).limit(100)
    ).all()
    outgoing = db.session.scalars(
        base.where(in_scope(Transfer.from_unit_path, user)).order_by(Transfer.id.desc()).limit(100)
    ).all()
    return incoming, outgoing


# ---- maturity and removal ------------------------------------------------------------------------------------
def maturity_stmt(user, unit=None, year=None):
    """Union members on the roll who are 30 or turn 30 this year (born in or before year − 30)."""
    _, hi = turning_30_range(year)
    stmt = select(Person).where(in_scope(Person.unit_path, user, permissions.OFFICER), Person.member_type == "union",
                                Person.status.in_(ON_ROLL), Person.birth_date <= hi)
    if unit is not None:
        stmt = stmt.where(Person.unit_path.like(unit.path + "%"))
    return stmt.options(joinedload(Person.unit)).order_by(Person.birth_date, Person.name_key, Person.id)


def removal_stmt(user, unit=None, kept_since=None):
    """People the criteria propose for removal, minus those an officer decided to keep in the last 90 days.

    None when the criteria module is not installed yet.
    """
    crit = criteria_module()
    if crit is None or not hasattr(crit, "proposed_for_removal_stmt"):
        return None
    cond = in_scope(Person.unit_path, user, permissions.OFFICER)
    if unit is not None:
        cond = and_(cond, Person.unit_path.like(unit.path + "%"))
    stmt = crit.proposed_for_removal_stmt(cond)
    kept_since = kept_since or date.fromordinal(date.today().toordinal() - 90)
    kept = exists().where(PersonEvent.person_id == Person.id, PersonEvent.kind == "kept", PersonEvent.on >= kept_since)
    return stmt.where(~kept, Person.status.in_(ON_ROLL)).options(joinedload(Person.unit)).order_by(Person.name_key, Person.id)


# ---- the unit panel ------------------------------------------------------------------------------------------
def count_by_type(unit):
    """{member type: people on roll}; Union members past 30 are counted apart ("union_over_age"), not as members."""
    over = and_(Person.member_type == "union", Person.birth_date <= over_union_age_born_by())
    kind = case((over, literal("union_over_age")), else_=Person.member_type)
    rows = db.session.execute(
        select(kind, func.count())
        .where(subtree(Person.unit_path, unit.path), Person.status.in_(ON_ROLL))
        .group_by(kind)
    ).all()
    return dict(rows)


def people_for_ids(ids):
    if not ids:
        return []
    return db.session.scalars(select(Person).where(Person.id.in_(ids)).options(selectinload(Person.unit))).all()


def people_to_mature(user, ids):
    """Of the people ticked on the maturity list, those the user may record the event for."""
    return [p for p in people_for_ids(ids) if permissions.can_record_event(user, p)]


def twin_in_branch(branch_id, full_name, birth_date):
    return db.session.scalar(select(Person).where(Person.unit_id == branch_id, Person.name_key == fold(full_name),
                                                  Person.birth_date == birth_date).limit(1))


def citizen_id_holder(citizen_id, exclude_id=None):
    """The person already holding this citizen ID (with their unit), or None."""
    if not citizen_id:
        return None
    stmt = select(Person).where(Person.citizen_id == citizen_id).options(joinedload(Person.unit))
    if exclude_id:
        stmt = stmt.where(Person.id != exclude_id)
    return db.session.scalars(stmt.limit(1)).first()
