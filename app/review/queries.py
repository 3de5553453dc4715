"""Reads of the review. Every number is a COUNT over the subjects and their outcomes, with a link to the rows behind it;
a page runs a fixed number of statements whatever the size of the scope."""
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import abort
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from ..access import authorize, has_role, scope_paths, subtree
from ..activities.models import Activity, Attendance, PersonStanding
from ..auth.models import RoleGrant, User
from ..classes.models import OPEN_STATUSES, Enrolment, TrainingClass
from ..extensions import db
from ..members.models import MEMBER_TYPES, Person
from ..units.models import Unit
from ..web import arg_int
from . import permissions
from .households import household_key
from .models import OUTCOMES, PRESENT, Campaign, Outcome, Reconciliation, Subject, Team, TeamBranch, TeamMember

TYPES = tuple(MEMBER_TYPES)  # union, federation, youth
PAGE_PEOPLE = 25  # a walk-list page holds whole households, about this many people (a 360 px phone, 14 KB)


# ---- loading with the right --------------------------------------------------------------------------------------
def get_campaign_for(user, campaign_id, action="view"):
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    authorize({"view": permissions.can_view_campaign, "manage": permissions.can_manage_campaign}[action](user, campaign))
    return campaign


def get_unit_in(user, campaign, unit_id, roles=None, levels=None):
    """A unit of the campaign's scope the user holds one of `roles` on (404 outside the scope, 403 outside the rights)."""
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None or not unit.path.startswith(campaign.unit_path) or (levels and unit.level not in levels):
        abort(404)
    authorize(has_role(user, unit, roles))
    return unit


def unit_of_args(user, campaign):
    """?unit= inside the campaign's scope and the user's rights (404 / 403); without it, the campaign's unit if the
    user sees it, else the user's own highest unit inside the scope."""
    unit_id = arg_int("unit")
    if unit_id:
        return get_unit_in(user, campaign, unit_id)
    if permissions.can_view_unit(user, campaign, campaign.unit):
        return campaign.unit
    own = own_units_in(user, campaign)
    if not own:
        abort(403)
    return own[0]


def get_subject_for(user, subject_id, roles=None):
    subject = db.session.get(Subject, subject_id, options=[joinedload(Subject.person), joinedload(Subject.campaign),
                                                            joinedload(Subject.branch)])
    if subject is None:
        abort(404)
    authorize(has_role(user, subject.branch, roles))
    return subject


def get_team_for(user, team_id, roles=None):
    team = db.session.get(Team, team_id)
    if team is None:
        abort(404)
    authorize(has_role(user, team.commune, roles))
    return team


def get_member_for(user, member_id):
    member = db.session.get(TeamMember, member_id)
    if member is None:
        abort(404)
    authorize(permissions.can_manage_teams(user, member.team.campaign, member.team.commune))
    return member


# ---- campaigns -----------------------------------------------------------------------------------------------------
def campaigns_for(user):
    """Campaigns whose scope meets one of the user's subtrees (above it or inside it), newest first."""
    paths = scope_paths(user)
    if not paths:
        return []
    conds = [or_(subtree(Campaign.unit_path, p), func.substr(p, 1, func.length(Campaign.unit_path)) == Campaign.unit_path)
             for p in paths]
    return db.session.scalars(select(Campaign).where(or_(*conds)).options(joinedload(Campaign.unit))
                              .order_by(Campaign.year.desc(), Campaign.unit_path).limit(100)).all()


def campaign_of_token(token):
    """The campaign a create form (its hidden token) already made: a resent form is answered with it."""
    if not token:
        return None
    return db.session.scalar(select(Campaign).where(Campaign.form_token == token))


def covering(unit, year=None):
    """The campaign whose scope holds this unit (the unit page's panel): an open one, or this year's closed one."""
    stmt = (select(Campaign).where(or_(Campaign.status == "open",
                                       and_(Campaign.status == "closed", Campaign.year >= (year or date.today().year))),
                                   func.substr(unit.path, 1, func.length(Campaign.unit_path)) == Campaign.unit_path)
            .order_by(Campaign.year.desc(), func.length(Campaign.unit_path).desc()))
    return db.session.scalars(stmt.limit(1)).first()


def overlapping(unit, year, exclude_id=None):
    """A campaign of the same year above, on or under this unit: each branch is walked once a year."""
    stmt = select(Campaign).where(Campaign.year == year, or_(
        subtree(Campaign.unit_path, unit.path),
        func.substr(unit.path, 1, func.length(Campaign.unit_path)) == Campaign.unit_path))
    if exclude_id:
        stmt = stmt.where(Campaign.id != exclude_id)
    return db.session.scalars(stmt.options(joinedload(Campaign.unit)).limit(1)).first()


def admin_units(user):
    """Units where the user may open a campaign: admin of a province, district or commune."""
    paths = scope_paths(user, "admin")
    if not paths:
        return []
    return db.session.scalars(select(Unit).where(or_(*[Unit.path == p for p in paths]), Unit.status == "active",
                                                 Unit.level != "branch").order_by(Unit.depth, Unit.name)).all()


# ---- coverage, rolled up the tree --------------------------------------------------------------------------------
@dataclass
class Tally:
    """Counts of one unit (or one row of a table): listed = on the walk lists when they were taken."""
    unit: object = None
    listed: int = 0
    visited: int = 0
    found: int = 0
    outcomes: dict = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    by_type: dict = field(default_factory=lambda: dict.fromkeys(TYPES, 0))
    flag: str | None = None
    flagged: list = field(default_factory=list)

    @property
    def pending(self):
        return self.listed - self.visited

    @property
    def share(self):
        return round(100 * self.visited / self.listed) if self.listed else 0

    def add(self, outcome, start_type, found, n):
        if found:
            self.found += n
            return
        self.listed += n
        self.by_type[start_type] = self.by_type.get(start_type, 0) + n
        if outcome:
            self.visited += n
            self.outcomes[outcome] += n


def _scope_condition(campaign, unit):
    cond = Subject.campaign_id == campaign.id
    if unit.path != campaign.unit_path:
        cond = and_(cond, subtree(Subject.branch_path, unit.path))
    return cond


def coverage(campaign, unit, today=None):
    """(total Tally of `unit`, [Tally per child unit]) over the campaign's lists. Three statements whatever the size:
    the counts grouped by commune (or by branch under a commune), the children, the paths they roll up by.

    total.flagged: the units to chase — under a commune its branches not started or behind the calendar; above a
    commune, the communes behind (the province sees communes, not districts, as the seed asks)."""
    key = Subject.branch_id if unit.level in ("commune", "branch") else Subject.commune_id
    rows = db.session.execute(
        select(key, Subject.outcome, Subject.start_type, Subject.found, func.count())
        .where(_scope_condition(campaign, unit)).group_by(key, Subject.outcome, Subject.start_type, Subject.found)
    ).all()
    total = Tally(unit=unit)
    if unit.level == "branch":
        for _k, outcome, start_type, found, n in rows:
            total.add(outcome, start_type, found, n)
        return total, []
    children = db.session.scalars(select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.name)).all()
    by_path = {c.path: Tally(unit=c) for c in children}
    keys = {r[0] for r in rows}
    units = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(keys)))} if keys else {}
    depth = unit.path.count("/")  # the child's path has one more segment than the unit's
    by_key = {}
    for k, outcome, start_type, found, n in rows:
        path = units[k].path if k in units else ""
        child = "/".join(path.split("/")[:depth + 1]) + "/"
        total.add(outcome, start_type, found, n)
        if child in by_path:
            by_path[child].add(outcome, start_type, found, n)
        by_key.setdefault(k, Tally(unit=units.get(k))).add(outcome, start_type, found, n)
    tallies = [t for t in by_path.values() if t.listed or t.found]
    _flag(campaign, tallies, today)
    # a unit closed by a restructuring is not chased: its lists are read, its successor does the work
    if unit.level == "commune":
        total.flagged = [t for t in tallies if t.flag and t.unit.is_active]
    else:
        communes = [t for t in by_key.values() if t.unit is not None and t.unit.is_active]
        _flag(campaign, communes, today)
        total.flagged = sorted((t for t in communes if t.flag), key=lambda t: (t.share, t.unit.name))
    return total, tallies


BEHIND_MARGIN = 15  # percentage points behind the days elapsed before a commune is flagged to the province


def expected_share(campaign, today=None):
    """The share of the lists that should be walked by today if the work were spread evenly over the dates."""
    today = today or date.today()
    days = (campaign.ends_on - campaign.starts_on).days + 1
    done = min(max((today - campaign.starts_on).days + 1, 0), days)
    return round(100 * done / days) if days > 0 else 100


def _flag(campaign, tallies, today):
    """Branches not started are flagged to their commune; units behind the calendar to the level above."""
    if campaign.status == "draft":
        return
    expected = expected_share(campaign, today)
    for t in tallies:
        if t.listed and t.visited == 0 and expected > 0:
            t.flag = "not_started"
        elif t.listed and t.share + BEHIND_MARGIN < expected:
            t.flag = "behind"


def teams_by_branch(campaign, commune):
    rows = db.session.execute(select(TeamBranch.branch_id, Team).join(Team, Team.id == TeamBranch.team_id)
                              .where(TeamBranch.campaign_id == campaign.id, Team.commune_id == commune.id)).all()
    return {bid: team for bid, team in rows}


# ---- the walk list of a branch ------------------------------------------------------------------------------------
@dataclass
class Household:
    key: str
    label: str
    people: list = field(default_factory=list)  # [(subject, person, last outcome or None)]


def households(campaign, branch):
    """Everyone on the branch's walk list, grouped by household (the folded address, or the one set by hand), in
    address order. Two statements."""
    rows = db.session.execute(
        select(Subject, Person).join(Person, Person.id == Subject.person_id)
        .where(Subject.campaign_id == campaign.id, Subject.branch_id == branch.id)
    ).all()
    groups = {}
    for subject, person in rows:
        address = subject.household or person.current_address or person.permanent_address or ""
        key = household_key(address)
        group = groups.get(key)
        if group is None:
            group = groups[key] = Household(key=key, label=address.strip())
        group.people.append((subject, person))
    for group in groups.values():
        group.people.sort(key=lambda sp: (sp[1].birth_date or date.max, sp[1].name_key))
    # people with no address at all come last, in small groups: the team asks the branch where they live
    ordered = sorted((h for h in groups.values() if h.key), key=lambda h: h.key)
    unknown = groups.get("")
    if unknown is not None:
        for i in range(0, len(unknown.people), 10):
            ordered.append(Household(key="", label="", people=unknown.people[i:i + 10]))
    return ordered


def walk_pages(groups, size=PAGE_PEOPLE):
    """The households cut into pages of whole households, about `size` people each: [[(number, household)]]."""
    pages, page, n = [], [], 0
    for number, h in enumerate(groups, 1):
        if page and n + len(h.people) > size:
            pages.append(page)
            page, n = [], 0
        page.append((number, h))
        n += len(h.people)
    if page:
        pages.append(page)
    return pages


def page_of(groups, subject_id):
    """The walk-list page (1-based) that shows this subject."""
    for i, page in enumerate(walk_pages(groups), 1):
        if any(s.id == subject_id for _n, h in page for s, _p in h.people):
            return i
    return 1


def walk_details(subject_ids, person_ids):
    """({subject id: its latest Outcome}, {person id: last attended}) for one page of the walk list: two statements."""
    last = {}
    if subject_ids:
        ids = [i for i in db.session.scalars(select(Subject.outcome_id).where(Subject.id.in_(subject_ids))) if i]
        if ids:
            last = {o.subject_id: o for o in db.session.scalars(
                select(Outcome).where(Outcome.id.in_(ids)).options(joinedload(Outcome.recorded_by)))}
    attended = {}
    if person_ids:
        attended = dict(db.session.execute(
            select(Attendance.person_id, func.max(Activity.held_on)).join(Activity, Activity.id == Attendance.activity_id)
            .where(Attendance.person_id.in_(person_ids), Attendance.status == "present")
            .group_by(Attendance.person_id)).all())
    return last, attended


def household_choices(campaign, branch):
    return [(h.key, h.label) for h in households(campaign, branch) if h.key]


def history(subject):
    return db.session.scalars(select(Outcome).where(Outcome.subject_id == subject.id)
                              .options(joinedload(Outcome.recorded_by)).order_by(Outcome.id.desc())).all()


# ---- the people behind a number -----------------------------------------------------------------------------------
NOT_VISITED = "not_visited"
SEEN = "seen"  # present, with or without corrected details: the result's "confirmed present"


def people_stmt(campaign, unit, outcome=None, start_type=None, found=None):
    stmt = (select(Subject, Person).join(Person, Person.id == Subject.person_id)
            .where(_scope_condition(campaign, unit)).options(joinedload(Subject.branch)))
    if found is not None:
        stmt = stmt.where(Subject.found == found)
    if outcome == NOT_VISITED:
        stmt = stmt.where(Subject.outcome.is_(None))
    elif outcome == "visited":
        stmt = stmt.where(Subject.outcome.isnot(None))
    elif outcome == SEEN:
        stmt = stmt.where(Subject.outcome.in_(PRESENT))
    elif outcome in OUTCOMES:
        stmt = stmt.where(Subject.outcome == outcome)
    if start_type in TYPES:
        stmt = stmt.where(Subject.start_type == start_type)
    return stmt.order_by(Subject.branch_path, Person.name_key, Person.id)


def found_people(campaign, commune, claimed):
    """The people found at the doors of a commune: youth (claimed=False) or members of somewhere else (True)."""
    cond = Subject.claimed_type.isnot(None) if claimed else Subject.claimed_type.is_(None)
    return db.session.execute(
        select(Subject, Person).join(Person, Person.id == Subject.person_id)
        .where(Subject.campaign_id == campaign.id, Subject.commune_id == commune.id, Subject.found.is_(True), cond)
        .options(joinedload(Subject.branch)).order_by(Person.name_key, Person.id)).all()


def sympathizer_classes(commune):
    """Open sympathizer classes a commune's youth can be enrolled in: the commune's own and those above it."""
    ancestors = _prefixes(commune.path)
    return db.session.scalars(
        select(TrainingClass).join(Unit, Unit.id == TrainingClass.unit_id)
        .where(TrainingClass.kind == "sympathizer", TrainingClass.status.in_(OPEN_STATUSES),
               or_(Unit.path.in_(ancestors), subtree(Unit.path, commune.path)))
        .order_by(TrainingClass.starts_on.desc()).limit(50)).all()


def _prefixes(path):
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def enrolled_ids(person_ids):
    if not person_ids:
        return set()
    return set(db.session.scalars(select(Enrolment.person_id).where(Enrolment.person_id.in_(person_ids),
                                                                     Enrolment.status == "enrolled")))


# ---- teams --------------------------------------------------------------------------------------------------------
def teams_of(campaign, commune):
    return db.session.scalars(select(Team).where(Team.campaign_id == campaign.id, Team.commune_id == commune.id)
                              .options(joinedload(Team.members)).order_by(Team.id)).unique().all()


def team_branches(team):
    return db.session.scalars(select(Unit).join(TeamBranch, TeamBranch.branch_id == Unit.id)
                              .where(TeamBranch.team_id == team.id).order_by(Unit.name)).all()


def commune_officers(commune):
    """Accounts that may walk: an officer or admin grant on the commune, one of its branches, or above it."""
    return db.session.scalars(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id).join(Unit, Unit.id == RoleGrant.unit_id)
        .where(RoleGrant.revoked_at.is_(None), RoleGrant.role.in_(("officer", "admin")),
               or_(subtree(Unit.path, commune.path), Unit.path.in_(_prefixes(commune.path)[:-1])))
        .distinct().order_by(User.full_name, User.id).limit(200)).all()


# ---- reconciliation -------------------------------------------------------------------------------------------------
def reconcile_plan(campaign, commune):
    """{outcome: [(subject, person)]} of the commune's outcomes not yet applied, in outcome order. Two statements."""
    rows = db.session.execute(
        select(Subject, Person).join(Person, Person.id == Subject.person_id)
        .where(Subject.campaign_id == campaign.id, Subject.commune_id == commune.id, Subject.outcome.isnot(None),
               Subject.applied_at.is_(None))
        .order_by(Subject.branch_path, Person.name_key, Person.id)
    ).all()
    plan = OrderedDict((code, []) for code in OUTCOMES)
    for subject, person in rows:
        plan[subject.outcome].append((subject, person))
    return plan


def reconciliation(campaign, commune):
    return reconciliation_of(campaign.id, commune.id)


def reconciliation_of(campaign_id, commune_id):
    """The commune's reconciliation of this campaign, or None: the one lookup the routes, rules and services share."""
    return db.session.scalar(select(Reconciliation).where(Reconciliation.campaign_id == campaign_id,
                                                          Reconciliation.commune_id == commune_id))


def reconciled_communes(campaign):
    return set(db.session.scalars(select(Reconciliation.commune_id).where(Reconciliation.campaign_id == campaign.id)))


# ---- the result ------------------------------------------------------------------------------------------------------
RESULT_COLUMNS = ("listed", "present", "away", "moved", "deceased", "not_found", "over_age", "not_visited", "found",
                  "paper_before", "paper_after")


def result(campaign, unit):
    """{commune: {type: {column: n}}} and the same summed for the whole unit: what the seed asks the review to
    establish. "Before" is the lists as taken at the opening; "after" reads today's five-criteria standing."""
    paper_now = case((PersonStanding.verdict == "paper", 1), else_=0)
    rows = db.session.execute(
        select(Subject.commune_id, Subject.start_type, Subject.found, Subject.outcome,
               func.count(), func.sum(case((Subject.start_verdict == "paper", 1), else_=0)), func.sum(paper_now))
        .outerjoin(PersonStanding, PersonStanding.person_id == Subject.person_id)
        .where(_scope_condition(campaign, unit))
        .group_by(Subject.commune_id, Subject.start_type, Subject.found, Subject.outcome)
    ).all()
    table = defaultdict(lambda: {t: dict.fromkeys(RESULT_COLUMNS, 0) for t in TYPES})
    for commune_id, start_type, found, outcome, n, paper_before, paper_after in rows:
        cell = table[commune_id][start_type]
        cell["paper_after"] += paper_after or 0
        if found:
            cell["found"] += n
            continue
        cell["listed"] += n
        cell["paper_before"] += paper_before or 0
        col = "present" if outcome in PRESENT else (outcome or "not_visited")
        cell[col] += n
    names = dict(db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(list(table)))).all()) if table else {}
    communes = sorted(table, key=lambda c: names.get(c, ""))
    total = {t: dict.fromkeys(RESULT_COLUMNS, 0) for t in TYPES}
    for c in communes:
        for t in TYPES:
            for col in RESULT_COLUMNS:
                total[t][col] += table[c][t][col]
    return [(c, names.get(c, "?"), table[c]) for c in communes], total


def own_units_in(user, campaign):
    """The units inside the campaign's scope the user holds a role on (their own top units there), shallowest first."""
    paths = [p for p in scope_paths(user) if p.startswith(campaign.unit_path)]
    if not paths:
        return []
    return db.session.scalars(select(Unit).where(Unit.path.in_(paths)).order_by(Unit.depth, Unit.name)).all()


def subjects_in(campaign, branch, ids):
    """The subjects of this branch's walk list among `ids` (a posted form's), with their people: one statement."""
    if not ids:
        return []
    return db.session.scalars(select(Subject).where(Subject.campaign_id == campaign.id, Subject.branch_id == branch.id,
                                                    Subject.id.in_(ids[:500]))
                              .options(joinedload(Subject.person), joinedload(Subject.campaign))).all()
