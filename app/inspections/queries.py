"""Reads for the inspection pages, each a fixed number of statements whatever the data's size."""
from datetime import date

from flask import abort
from sqlalchemy import and_, case, distinct, false, func, literal, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from ..access import authorize, in_scope, scope_paths, subtree
from ..activities.models import PersonStanding
from ..auth.models import RoleGrant, User
from ..classes.models import TrainingClass
from ..dates import year_bounds
from ..extensions import db
from ..members.models import ON_ROLL, Person
from ..text import nfc
from ..units.models import Unit
from . import permissions as perm
from .builtin import RECORD_SOURCES
from .models import (
    ActionEvent,
    Answer,
    ChecklistTemplate,
    CorrectiveAction,
    Inspection,
    Photo,
    Plan,
    PlanMember,
    TemplateItem,
    TemplateSection,
    TemplateVersion,
)


def _load(model, ident, options=()):
    obj = db.session.get(model, ident, options=list(options))
    if obj is None:
        abort(404)
    return obj


# ---- load, then authorise -------------------------------------------------------------------------------
TEMPLATE_ACTIONS = {"view": perm.can_view_template, "manage": perm.can_manage_template}


def get_template_for(user, template_id, action="view"):
    template = _load(ChecklistTemplate, template_id, [joinedload(ChecklistTemplate.owner_unit)])
    authorize(TEMPLATE_ACTIONS[action](user, template))
    return template


def get_version_for(user, version_id):
    version = _load(TemplateVersion, version_id)
    authorize(perm.can_view_template(user, version.template))
    return version


def get_any_version_item(template, item_id):
    """An item of any version of the template (a form drawn before a copy-on-write names the older copy)."""
    item = _load(TemplateItem, item_id)
    if db.session.get(TemplateVersion, item.version_id).template_id != template.id:
        abort(404)
    return item


def get_unit_to_manage_templates(user, unit_id):
    unit = _load(Unit, unit_id or 0)
    authorize(perm.can_manage_templates_at(user, unit))
    return unit


def get_section_for(user, template, section_id):
    section = _load(TemplateSection, section_id)
    if section.version_id != template.current_version_id:
        abort(404)
    return section


def get_item_in(template, item_id):
    item = _load(TemplateItem, item_id)
    if item.version_id != template.current_version_id or item.retired:
        abort(404)
    return item


def get_plan_for(user, plan_id):
    plan = _load(Plan, plan_id, [selectinload(Plan.members).joinedload(PlanMember.user),
                                 selectinload(Plan.inspections).joinedload(Inspection.unit),
                                 joinedload(Plan.inspecting_unit), joinedload(Plan.template_version)])
    authorize(perm.can_view_plan(user, plan))
    return plan


INSPECTION_ACTIONS = {"view": perm.can_view_inspection, "record": perm.can_record, "close": perm.can_close,
                      "acknowledge": perm.can_acknowledge}


def get_inspection_for(user, inspection_id, action="view"):
    inspection = _load(Inspection, inspection_id, [
        joinedload(Inspection.unit), joinedload(Inspection.plan).joinedload(Plan.inspecting_unit),
        joinedload(Inspection.plan).selectinload(Plan.members).joinedload(PlanMember.user),
        joinedload(Inspection.template_version)])
    authorize(INSPECTION_ACTIONS[action](user, inspection))
    return inspection


def get_item_of(inspection, item_id):
    item = _load(TemplateItem, item_id)
    if item.version_id != inspection.template_version_id or item.retired:
        abort(404)
    return item


ACTION_ACTIONS = {"view": perm.can_view_action, "complete": perm.can_complete_action,
                  "verify": perm.can_verify_action, "reopen": perm.can_reopen_action}


def get_action_for(user, action_id, action="view"):
    obj = _load(CorrectiveAction, action_id, [
        joinedload(CorrectiveAction.owner_unit), joinedload(CorrectiveAction.verifier_unit),
        joinedload(CorrectiveAction.inspection).joinedload(Inspection.unit),
        joinedload(CorrectiveAction.inspection).joinedload(Inspection.plan).joinedload(Plan.inspecting_unit),
        selectinload(CorrectiveAction.events).joinedload(ActionEvent.by)])
    authorize(ACTION_ACTIONS[action](user, obj))
    return obj


def get_photo_for(user, photo_id):
    photo = _load(Photo, photo_id)
    get_inspection_for(user, photo.inspection_id, "view")
    if photo.rejected:
        abort(404)
    return photo


# ---- templates ------------------------------------------------------------------------------------------
def _visible_owner(user, roles=None):
    """Owner units a user sees checklists of: inside their subtrees, or above them."""
    paths = scope_paths(user, roles)
    if not paths:
        return false()
    return or_(in_scope(Unit.path, user, roles), *[literal(p).like(Unit.path + "%") for p in paths])


def list_templates(user, roles=None):
    """[(template, version, owner, n_items)] — one statement."""
    n_items = (select(func.count(TemplateItem.id))
               .where(TemplateItem.version_id == TemplateVersion.id, TemplateItem.retired.is_(False))
               .correlate(TemplateVersion).scalar_subquery())
    stmt = (select(ChecklistTemplate, TemplateVersion, Unit, n_items)
            .join(TemplateVersion, TemplateVersion.id == ChecklistTemplate.current_version_id)
            .join(Unit, Unit.id == ChecklistTemplate.owner_unit_id)
            .where(_visible_owner(user, roles))
            .order_by(Unit.depth, Unit.name, TemplateVersion.title))
    return db.session.execute(stmt).all()


def template_has(template, *, title=None, section_title=None, text=None, item_id=None, gone_item_id=None):
    """Is the change a stale form asks for already in the current version? (the same form sent twice over a flaky
    network): the title, a section of that title, an item of that text — or, for `gone_item_id`, no item left with
    the text of that item. `item_id`/`gone_item_id` name an item of any version of this checklist (else 404)."""
    if item_id is not None or gone_item_id is not None:
        item = get_any_version_item(template, item_id if item_id is not None else gone_item_id)
    cur = template.current_version_id
    if title is not None:
        return template.current.title == nfc(title)
    if section_title is not None:
        return db.session.scalar(select(TemplateSection.id).where(
            TemplateSection.version_id == cur, TemplateSection.title == nfc(section_title)).limit(1)) is not None
    found = db.session.scalar(select(TemplateItem.id).where(
        TemplateItem.version_id == cur, TemplateItem.retired.is_(False),
        TemplateItem.text == nfc(text if gone_item_id is None else item.text)).limit(1))
    return (found is not None) if gone_item_id is None else (found is None)


def template_title_taken(owner_unit_id, title):
    """Has the unit a checklist whose current title is this one already?"""
    return db.session.scalar(
        select(ChecklistTemplate.id).join(TemplateVersion, TemplateVersion.id == ChecklistTemplate.current_version_id)
        .where(ChecklistTemplate.owner_unit_id == owner_unit_id, TemplateVersion.title == nfc(title))) is not None


def get_template(template_id):
    return db.session.get(ChecklistTemplate, template_id or 0)


def version_sections(version_id):
    """Sections with their items (retired left out) — two statements."""
    return db.session.scalars(select(TemplateSection).where(TemplateSection.version_id == version_id)
                              .options(selectinload(TemplateSection.items))
                              .order_by(TemplateSection.position)).all()


def template_versions(template):
    return db.session.scalars(select(TemplateVersion).where(TemplateVersion.template_id == template.id)
                              .order_by(TemplateVersion.number.desc())).all()


def version_use_count(version_id):
    return db.session.scalar(select(func.count(Inspection.id)).where(Inspection.template_version_id == version_id))


# ---- inspections ---------------------------------------------------------------------------------------
def _inspection_scope(user):
    return or_(in_scope(Inspection.unit_path, user), in_scope(Plan.inspecting_unit_path, user))


VISIT_DATE = func.coalesce(Inspection.inspected_on, Inspection.planned_on)


def inspections_stmt(user, *, unit=None, status=None, year=None, level=None, plan_id=None, mine=False):
    inspected = aliased(Unit)
    stmt = (select(Inspection).join(Plan, Plan.id == Inspection.plan_id)
            .join(inspected, inspected.id == Inspection.unit_id)
            .where(_inspection_scope(user))
            .options(joinedload(Inspection.unit), joinedload(Inspection.plan).joinedload(Plan.inspecting_unit)))
    if unit is not None:
        stmt = stmt.where(Inspection.unit_path.like(unit.path + "%"))
    if status in ("planned", "in_progress", "closed"):
        stmt = stmt.where(Inspection.status == status)
    elif status == "open":
        stmt = stmt.where(Inspection.status != "closed")
    if year:
        lo, hi = year_bounds(year)
        stmt = stmt.where(VISIT_DATE >= lo, VISIT_DATE <= hi)
    if level:
        stmt = stmt.where(inspected.level == level)
    if plan_id:
        stmt = stmt.where(Inspection.plan_id == plan_id)
    if mine:
        stmt = stmt.where(Inspection.plan_id.in_(select(PlanMember.plan_id).where(PlanMember.user_id == user.id)))
    return stmt.order_by(Inspection.status == "closed", VISIT_DATE.desc(), Inspection.id.desc())


def progress_for(inspection_ids):
    """{inspection id: (answered, total)} — two statements."""
    if not inspection_ids:
        return {}
    totals = dict(db.session.execute(
        select(Inspection.id, func.count(TemplateItem.id))
        .join(TemplateItem, and_(TemplateItem.version_id == Inspection.template_version_id, TemplateItem.retired.is_(False)))
        .where(Inspection.id.in_(inspection_ids)).group_by(Inspection.id)).all())
    answered = dict(db.session.execute(
        select(Answer.inspection_id, func.count(Answer.id))
        .join(TemplateItem, and_(TemplateItem.id == Answer.item_id, TemplateItem.retired.is_(False)))
        .where(Answer.inspection_id.in_(inspection_ids), Answer.answered.is_(True))
        .group_by(Answer.inspection_id)).all())
    return {i: (answered.get(i, 0), totals.get(i, 0)) for i in inspection_ids}


def answers_for(inspection):
    return {a.item_id: a for a in db.session.scalars(select(Answer).where(Answer.inspection_id == inspection.id))}


def answer_now(inspection, item):
    """The stored answer of one item as the database holds it now (read again after the answers' lock)."""
    return db.session.scalar(select(Answer).where(Answer.inspection_id == inspection.id, Answer.item_id == item.id)
                             .execution_options(populate_existing=True))


def section_number(inspection, item):
    """The 1-based number of the item's section in the inspection's checklist (the record page's ?s=)."""
    pos = db.session.scalar(select(TemplateSection.position).where(TemplateSection.id == item.section_id))
    return db.session.scalar(select(func.count(TemplateSection.id)).where(
        TemplateSection.version_id == inspection.template_version_id, TemplateSection.position <= pos))


def photos_for(inspection, item_ids=None):
    stmt = select(Photo).where(Photo.inspection_id == inspection.id, Photo.filename != "").order_by(Photo.id)
    if item_ids is not None:
        stmt = stmt.where(Photo.item_id.in_(item_ids))
    out = {}
    for p in db.session.scalars(stmt):
        out.setdefault(p.item_id, []).append(p)
    return out


def actions_of(inspection):
    return db.session.scalars(select(CorrectiveAction).where(CorrectiveAction.inspection_id == inspection.id)
                              .options(joinedload(CorrectiveAction.owner_unit)).order_by(CorrectiveAction.id)).all()


def first_action_due(inspection):
    """The earliest deadline among the inspection's corrective actions (None without any)."""
    return db.session.scalar(select(func.min(CorrectiveAction.due_on))
                             .where(CorrectiveAction.inspection_id == inspection.id))


def previous_open_actions(inspection):
    """Open actions from earlier inspections of this unit (or its children): the next visit starts with them."""
    return db.session.scalars(
        select(CorrectiveAction).join(Inspection, Inspection.id == CorrectiveAction.inspection_id)
        .where(CorrectiveAction.owner_unit_path.like(inspection.unit_path + "%"),
               CorrectiveAction.status.in_(("open", "done")),
               CorrectiveAction.inspection_id != inspection.id)
        .options(joinedload(CorrectiveAction.owner_unit), joinedload(CorrectiveAction.inspection))
        .order_by(CorrectiveAction.due_on)).all()


def child_units(unit):
    """The inspected unit and its open children, for an action's owner."""
    return db.session.scalars(select(Unit).where(or_(Unit.id == unit.id, Unit.parent_id == unit.id),
                                                 Unit.status == "active").order_by(Unit.depth, Unit.name)).all()


# ---- plans ---------------------------------------------------------------------------------------------
def plans_stmt(user, unit=None):
    stmt = (select(Plan).where(in_scope(Plan.inspecting_unit_path, user))
            .options(joinedload(Plan.inspecting_unit), joinedload(Plan.template_version)))
    if unit is not None:
        stmt = stmt.where(Plan.inspecting_unit_path.like(unit.path + "%"))
    return stmt.order_by(Plan.planned_start.desc(), Plan.id.desc())


def plan_counts(plan_ids):
    """{plan id: (inspections, closed)} — one statement."""
    if not plan_ids:
        return {}
    rows = db.session.execute(
        select(Inspection.plan_id, func.count(Inspection.id), func.count(case((Inspection.status == "closed", 1))))
        .where(Inspection.plan_id.in_(plan_ids)).group_by(Inspection.plan_id)).all()
    return {pid: (n, c) for pid, n, c in rows}


def decision_number_taken(inspecting_unit_id, number, *, other_than=None):
    """Has the inspecting unit a plan under this decision number already (another plan than `other_than`)?"""
    stmt = select(Plan.id).where(Plan.inspecting_unit_id == inspecting_unit_id, Plan.decision_number == number.strip())
    if other_than is not None:
        stmt = stmt.where(Plan.id != other_than)
    return db.session.scalar(stmt) is not None


def plan_options(user):
    """What the new-plan form offers: units to plan from, units to inspect, inspectors, checklists, classes."""
    return dict(units=inspector_units(user), targets=inspectable_units(user), people=eligible_inspectors(user),
                templates=list_templates(user, "inspector"), classes=supervisable_classes(user))


def inspector_units(user):
    """Units the user may plan inspections from (holds the inspector role), district and province first."""
    return db.session.scalars(select(Unit).where(in_scope(Unit.path, user, "inspector"), Unit.status == "active",
                                                 Unit.level != "branch")
                              .order_by(Unit.depth, Unit.name).limit(300)).all()


def inspectable_units(user):
    """Units a user may put under inspection: districts and communes below the units they inspect from, and
    branches only below a commune they inspect from (one statement, filtered in SQL)."""
    paths = scope_paths(user, "inspector")
    if not paths:
        return []
    commune_paths = list(db.session.scalars(select(Unit.path).where(Unit.path.in_(paths), Unit.level == "commune")))
    level_ok = Unit.level.in_(("district", "commune"))
    if commune_paths:
        level_ok = or_(level_ok, and_(Unit.level == "branch", or_(*[Unit.path.like(p + "%") for p in commune_paths])))
    return db.session.scalars(
        select(Unit).where(in_scope(Unit.path, user, "inspector"), Unit.status == "active", Unit.path.not_in(paths),
                           level_ok)
        .order_by(Unit.path).limit(1000)).all()


def eligible_inspectors(user):
    """Accounts holding the inspector role on, above or below the units the user inspects from."""
    paths = scope_paths(user, "inspector")
    if not paths:
        return []
    cond = or_(*[Unit.path.like(p + "%") for p in paths], *[literal(p).like(Unit.path + "%") for p in paths])
    return db.session.scalars(
        select(User).where(User.active.is_(True), User.id.in_(
            select(RoleGrant.user_id).join(Unit, Unit.id == RoleGrant.unit_id)
            .where(RoleGrant.role == "inspector", RoleGrant.revoked_at.is_(None), cond)))
        .order_by(User.full_name).limit(300)).all()


def inspectors_on(unit, user_ids):
    """Of user_ids, those who hold the inspector role on `unit` (directly or above)."""
    if not user_ids:
        return set()
    return set(db.session.scalars(
        select(RoleGrant.user_id).join(Unit, Unit.id == RoleGrant.unit_id)
        .where(RoleGrant.user_id.in_(user_ids), RoleGrant.role == "inspector", RoleGrant.revoked_at.is_(None),
               literal(unit.path).like(Unit.path + "%"))))


# ---- actions -------------------------------------------------------------------------------------------
def actions_stmt(user, *, unit=None, status=None, mine=False, inspection_id=None, origin=None, today=None):
    """Follow-up actions the user sees (owned or verified in their subtrees), an inspection's or a consolidation
    plan's alike; origin keeps one kind."""
    today = today or date.today()
    stmt = (select(CorrectiveAction)
            .where(or_(in_scope(CorrectiveAction.owner_unit_path, user), in_scope(CorrectiveAction.verifier_unit_path, user)))
            .options(joinedload(CorrectiveAction.owner_unit),
                     joinedload(CorrectiveAction.inspection).joinedload(Inspection.unit)))
    if unit is not None:
        stmt = stmt.where(CorrectiveAction.owner_unit_path.like(unit.path + "%"))
    if status == "overdue":
        stmt = stmt.where(CorrectiveAction.status == "open", CorrectiveAction.due_on < today)
    elif status == "pending":
        stmt = stmt.where(CorrectiveAction.status.in_(("open", "done")))
    elif status in ("open", "done", "verified"):
        stmt = stmt.where(CorrectiveAction.status == status)
    if mine:
        stmt = stmt.where(in_scope(CorrectiveAction.owner_unit_path, user, "officer"))
    if inspection_id:
        stmt = stmt.where(CorrectiveAction.inspection_id == inspection_id)
    if origin:
        stmt = stmt.where(CorrectiveAction.origin == origin)
    return stmt.order_by(case((CorrectiveAction.status == "verified", 1), else_=0), CorrectiveAction.due_on,
                         CorrectiveAction.id)


# ---- overview ------------------------------------------------------------------------------------------
def first_scope_unit(user):
    """The top unit of the user's first subtree (the overview's unit when none is asked for); None without a role."""
    paths = scope_paths(user)
    if not paths:
        return None
    return db.session.scalar(select(Unit).where(Unit.path == paths[0]))


def overview(unit, year, today=None):
    """Totals for the unit's subtree and one row per direct child — four statements."""
    today = today or date.today()
    lo, hi = year_bounds(year)
    in_year = and_(VISIT_DATE >= lo, VISIT_DATE <= hi)
    inspected = aliased(Unit)

    def insp_cols():
        return (func.count(Inspection.id),
                func.count(case((Inspection.status == "closed", 1))),
                func.count(distinct(case((and_(Inspection.status == "closed", inspected.level == "commune"),
                                          Inspection.unit_id)))),
                func.avg(case((Inspection.status == "closed", Inspection.score))))

    total = db.session.execute(
        select(*insp_cols()).select_from(Inspection).join(inspected, inspected.id == Inspection.unit_id)
        .where(Inspection.unit_path.like(unit.path + "%"), in_year)).one()
    communes = db.session.scalar(select(func.count(Unit.id)).where(
        Unit.path.like(unit.path + "%"), Unit.level == "commune", Unit.status == "active"))
    acts = db.session.execute(
        select(func.count(case((CorrectiveAction.status.in_(("open", "done")), 1))),
               func.count(case((and_(CorrectiveAction.status == "open", CorrectiveAction.due_on < today), 1))),
               func.count(case((CorrectiveAction.status == "done", 1))))
        .where(CorrectiveAction.owner_unit_path.like(unit.path + "%"))).one()
    child = aliased(Unit)
    sub = aliased(Unit)
    child_communes = (select(func.count(sub.id)).where(sub.path.like(child.path + "%"), sub.level == "commune",
                                                       sub.status == "active").correlate(child).scalar_subquery())
    child_insp = (select(*insp_cols()).select_from(Inspection).join(inspected, inspected.id == Inspection.unit_id)
                  .where(Inspection.unit_path.like(child.path + "%"), in_year).correlate(child))
    c_planned, c_done, c_communes_done, c_avg = [child_insp.with_only_columns(c).scalar_subquery() for c in insp_cols()]
    c_open = (select(func.count(CorrectiveAction.id)).where(CorrectiveAction.owner_unit_path.like(child.path + "%"),
                                                            CorrectiveAction.status.in_(("open", "done")))
              .correlate(child).scalar_subquery())
    c_overdue = (select(func.count(CorrectiveAction.id)).where(CorrectiveAction.owner_unit_path.like(child.path + "%"),
                                                               CorrectiveAction.status == "open",
                                                               CorrectiveAction.due_on < today)
                 .correlate(child).scalar_subquery())
    rows = db.session.execute(
        select(child, c_planned, c_done, c_communes_done, child_communes, c_avg, c_open, c_overdue)
        .where(child.parent_id == unit.id, child.status == "active").order_by(child.level, child.name)).all()
    return {
        "planned": total[0], "done": total[1], "communes_done": total[2], "communes": communes,
        "avg": round(total[3], 1) if total[3] is not None else None,
        "open": acts[0], "overdue": acts[1], "awaiting": acts[2],
        "children": [dict(unit=r[0], planned=r[1], done=r[2], communes_done=r[3], communes=r[4],
                          avg=round(r[5], 1) if r[5] is not None else None, open=r[6], overdue=r[7]) for r in rows],
    }


def communes_stmt(unit, year, inspected=None):
    """The open communes of the subtree, each with its last closed inspection date this year (None: not inspected).
    inspected=True/False keeps only those inspected / not yet inspected — the records behind "3/6 communes"."""
    lo, hi = year_bounds(year)
    last = (select(func.max(VISIT_DATE)).where(Inspection.unit_id == Unit.id, Inspection.status == "closed",
                                               VISIT_DATE >= lo, VISIT_DATE <= hi).correlate(Unit).scalar_subquery())
    stmt = select(Unit, last.label("last")).where(subtree(Unit.path, unit.path), Unit.level == "commune",
                                                 Unit.status == "active")
    if inspected is True:
        stmt = stmt.where(last.isnot(None))
    elif inspected is False:
        stmt = stmt.where(last.is_(None))
    return stmt.order_by(Unit.name, Unit.id)


def communes(unit, year, inspected=None, limit=500):
    """→ (rows of communes_stmt, at most `limit`; their total) — two statements."""
    stmt = communes_stmt(unit, year, inspected)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return db.session.execute(stmt.limit(limit)).all(), total


def unit_panel(unit, user, today=None):
    """The unit page panel: visits scheduled for the unit and its actions — two statements."""
    today = today or date.today()
    upcoming = db.session.execute(
        select(Inspection, Plan).join(Plan, Plan.id == Inspection.plan_id)
        .where(Inspection.unit_id == unit.id, Inspection.status != "closed")
        .order_by(Inspection.planned_on).limit(5)).all()
    acts = db.session.execute(
        select(func.count(case((CorrectiveAction.status == "open", 1))),
               func.count(case((and_(CorrectiveAction.status == "open", CorrectiveAction.due_on < today), 1))),
               func.count(case((CorrectiveAction.status == "done", 1))))
        .where(CorrectiveAction.owner_unit_path.like(unit.path + "%"))).one()
    # An inspector's own visits still to do, wherever they are (the home page is the inspector's own unit).
    mine = db.session.execute(
        select(Inspection, Plan, Unit.name).join(Plan, Plan.id == Inspection.plan_id)
        .join(PlanMember, and_(PlanMember.plan_id == Plan.id, PlanMember.user_id == user.id, PlanMember.removed_at.is_(None)))
        .join(Unit, Unit.id == Inspection.unit_id)
        .where(Inspection.status != "closed", Plan.inspecting_unit_path.like(unit.path + "%"))
        .order_by(Inspection.planned_on).limit(5)).all() if user.is_authenticated else []
    return {"upcoming": upcoming, "mine": mine, "open": acts[0], "overdue": acts[1], "awaiting": acts[2]}


# ---- sympathizer classes (read-only: the classes domain owns them) ---------------------------------------
def supervisable_classes(user):
    return db.session.execute(
        select(TrainingClass, Unit.name).join(Unit, Unit.id == TrainingClass.unit_id)
        .where(in_scope(TrainingClass.unit_path, user, "inspector"))
        .order_by(TrainingClass.starts_on.desc(), TrainingClass.id.desc()).limit(100)).all()


def get_class(class_id):
    return db.session.get(TrainingClass, class_id)


def record_values(inspection, items):
    """{item id: the number the records hold} for number items that have a records source — one statement per
    source used (two at most)."""
    wanted = {it.id: RECORD_SOURCES[it.text] for it in items if it.answer_type == "number" and it.text in RECORD_SOURCES}
    if not wanted:
        return {}
    path = inspection.unit.path
    on_roll = and_(subtree(Person.unit_path, path), Person.member_type == "union", Person.status.in_(ON_ROLL))
    values = {}
    for source in set(wanted.values()):
        if source == "members_on_roll":
            values[source] = db.session.scalar(select(func.count(Person.id)).where(on_roll))
        elif source == "members_real":
            values[source] = db.session.scalar(
                select(func.count(Person.id)).join(PersonStanding, PersonStanding.person_id == Person.id)
                .where(on_roll, PersonStanding.verdict == "real"))
    return {item_id: values[source] for item_id, source in wanted.items()}
