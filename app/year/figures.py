"""The yearly report's figures, computed from the records — never typed. A draft reads them live; a submit freezes them
in a ReportVersion (the dict below is JSON as it stands).

    compute(unit, year, today=None) -> {"unit_id", "unit_name", "level", "year", "start", "end", "computed_on",
                                        "sections": [{"key", "title", "note", "rows": [row, …]}, …]}
    row: {"code", "label", "value", "kind": "count" | "percent", "indent": 0 | 1}
         (+ "target", "share", "unit_label" in the targets section; + "numerator", "denominator" for a percent)
    records(unit, year, code, today=None) -> Records(kind, stmt, label, share)
         the rows behind one figure (the year.records page): stmt selects (record, on, counted, note); share: the
         figure is a percent (the rows are its denominator, `counted` its numerator). KeyError: no such figure.

A fixed number of SQL statements whatever the size of the subtree: each section is one set-based GROUP BY (or a few
scalar subqueries) over the subtree by materialised path — never a loop over communes.

What each figure counts ("the subtree": the unit and every unit under it; "the year": 1 January to the end, which is
31 December or today when the year is not over):

- members.start.* / members.end.*: people on a roll of the subtree at the start of 1 January (the history before the
  year) and at the end, by type — read from the person's history rows (PersonEvent), not from the current columns, so
  a past year's figure does not move. A person's standing on a day is their last roll event on or before it:
  registered, joined, transferred in, back, away, reinstated put them on the roll of the event's branch (the branch
  at the time); transferred out, matured, removed, expelled, deceased, moved away take them off. Their type on a day:
  Union member from their first "joined" row on; before it the type they had ("youth" for a member now); without a
  "joined" row, the type recorded.
- moves.*: history rows of the year in the subtree: joined (admitted), transferred in from / out to a branch outside
  the subtree (a move inside it is neither), matured, and the exits by reason (removed, expelled, deceased, moved
  away). An exit later undone by a "reinstated" row (recorded by mistake) is not counted.
- paper.*: when a March review campaign of the year covers the unit or lies inside it: the people on its walk lists
  of the subtree whose five-criteria verdict was "paper" when the lists were taken (before), and the people on the
  lists whose verdict is "paper" now, after reconciliation (after) — as the review's result counts them. Without a
  campaign: the current five-criteria verdicts of the subtree (labelled so).
- training.*: sympathizer and cadre classes organised in the subtree starting in the year (not cancelled); the
  graduates as app.targets.actuals counts them (people of the subtree who passed a sympathizer class ended in the
  year); people of the subtree enrolled (not withdrawn) in a cadre class of the year.
- insp.*: inspections of units in the subtree dated (visit or planned day) in the calendar year: planned (all),
  done (closed); their findings (follow-up actions of origin "inspection") and those verified.
- mgrade.*: grades of approved member evaluations of the year in the subtree, by grade; outstanding members.
- ugrade.<level>.*: the grades of the year of the communes / branches below the unit, by decided grade; undecided.
- weak.*: units below the unit weak in the year's grading, and those on an adopted consolidation plan of the year;
  cons.*: the units on the adopted plans of the year before (made in the subtree: carried out during this year), with
  their result from this year's grading (improved: graded, not weak; still weak: graded weak; pending: not graded)
  and their measures (follow-up actions), verified ones.
- target.<indicator>: only when the unit has approved targets for the year: each indicator with a target, its actual
  (app.targets.actuals, as the progress page counts it); yw.<actual>: the young-worker indicators' actuals.
- review.*: only when a campaign exists (as for paper.*): the walk lists' people by outcome, and the people found.
"""
from collections import namedtuple
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, false, func, literal, not_, null, or_, select, true
from sqlalchemy.orm import aliased, joinedload

from ..access import subtree
from ..activities.models import PersonStanding
from ..classes.models import Enrolment, TrainingClass
from ..dates import year_bounds
from ..extensions import db
from ..inspections.models import CorrectiveAction, Inspection
from ..inspections.queries import VISIT_DATE
from ..members.models import Person, PersonEvent
from ..review.models import PRESENT, Campaign, Subject
from ..targets import actuals, progress
from ..targets.models import Indicator
from ..units.models import LEVEL_RANK, Unit
from .models import (
    ConsolidationEntry,
    ConsolidationMeasure,
    ConsolidationPlan,
    Grade,
    MemberEvaluation,
    MemberGrade,
    UnitGrade,
)
from .queries.plans import result_sql

TYPES = ("union", "federation", "youth")
# The history rows that move a person on or off a roll, and those that leave them on it.
ROLL_KINDS = ("registered", "joined", "transferred_in", "transferred_out", "back", "away", "reinstated", "matured",
              "removed", "expelled", "deceased", "moved_away")
ON_KINDS = ("registered", "joined", "transferred_in", "back", "away", "reinstated")
EXITS = ("removed", "expelled", "deceased", "moved_away")
UNDONE_BY_REINSTATED = ("matured", *EXITS)
TRANSFERS = ("transferred_in", "transferred_out")
MOVE_KINDS = ("joined", *TRANSFERS, "matured", *EXITS)
YW_KEYS = ("admitted_workers", "worker_branches_5", "enterprise_orgs_10", "yw_activities", "yw_communes_share",
           "party_introduced_rate", "party_admitted_rate")
REVIEW_COLUMNS = ("listed", "visited", "present", "away", "moved", "deceased", "not_found", "over_age", "not_visited",
                  "found")
CONS_RESULTS = ("improved", "still_weak", "pending")

SECTIONS = {
    "members": _l("Đoàn viên, hội viên, thanh niên trong sổ"),
    "moves": _l("Biến động trong năm"),
    "paper": _l("Đoàn viên, hội viên chưa thực chất (hình thức)"),
    "training": _l("Lớp cảm tình Đoàn, tập huấn cán bộ"),
    "inspections": _l("Kiểm tra, giám sát"),
    "member_grades": _l("Đánh giá, xếp loại đoàn viên"),
    "commune_grades": _l("Xếp loại cơ sở đoàn"),
    "branch_grades": _l("Xếp loại chi đoàn, chi hội"),
    "weak": _l("Cơ sở yếu kém và kết quả củng cố"),
    "targets": _l("Thực hiện chỉ tiêu"),
    "young_workers": _l("Công tác thanh niên công nhân"),
    "review": _l("Kết quả rà soát đoàn viên, hội viên, thanh niên"),
}

# The labels of the figures whose code says it all (grades and indicators are named by their records).
LABELS = {
    "members.start.union": _l("Đoàn viên đầu năm"), "members.start.federation": _l("Hội viên đầu năm"),
    "members.start.youth": _l("Thanh niên đầu năm"), "members.start.total": _l("Tổng số đầu năm"),
    "members.end.union": _l("Đoàn viên cuối năm"), "members.end.federation": _l("Hội viên cuối năm"),
    "members.end.youth": _l("Thanh niên cuối năm"), "members.end.total": _l("Tổng số cuối năm"),
    "moves.joined": _l("Kết nạp đoàn viên mới"),
    "moves.transferred_in": _l("Chuyển sinh hoạt đến (từ ngoài đơn vị)"),
    "moves.transferred_out": _l("Chuyển sinh hoạt đi (ra ngoài đơn vị)"),
    "moves.matured": _l("Trưởng thành Đoàn"),
    "moves.exits": _l("Ra khỏi danh sách"),
    "moves.removed": _l("Xóa tên"), "moves.expelled": _l("Khai trừ"), "moves.deceased": _l("Từ trần"),
    "moves.moved_away": _l("Chuyển đi nơi khác"),
    "paper.before": _l("Hình thức trước rà soát (khi lập danh sách)"),
    "paper.after": _l("Hình thức sau rà soát, đối chiếu (hiện nay)"),
    "paper.now": _l("Hình thức theo đánh giá “5 có” hiện nay"),
    "paper.assessed": _l("Số người được đánh giá “5 có”"),
    "training.sympathizer_classes": _l("Lớp cảm tình Đoàn đã mở"),
    "training.graduates": _l("Thanh niên hoàn thành lớp cảm tình Đoàn"),
    "training.cadre_classes": _l("Lớp tập huấn, bồi dưỡng cán bộ"),
    "training.cadre_people": _l("Người được tập huấn, bồi dưỡng cán bộ"),
    "insp.planned": _l("Cuộc kiểm tra, giám sát trong năm"),
    "insp.done": _l("Cuộc kiểm tra đã kết thúc"),
    "insp.findings": _l("Thiếu sót phải khắc phục"),
    "insp.verified": _l("Thiếu sót đã khắc phục, được xác nhận"),
    "mgrade.total": _l("Đoàn viên được xếp loại (đã duyệt)"),
    "mgrade.outstanding": _l("Đoàn viên ưu tú"),
    "ugrade.commune.total": _l("Cơ sở đoàn đã xếp loại"),
    "ugrade.commune.pending": _l("Cơ sở đoàn chưa quyết định xếp loại"),
    "ugrade.branch.total": _l("Chi đoàn, chi hội đã xếp loại"),
    "ugrade.branch.pending": _l("Chi đoàn, chi hội chưa quyết định xếp loại"),
    "weak.units": _l("Đơn vị yếu kém qua xếp loại năm nay"),
    "weak.planned": _l("trong đó có trong kế hoạch củng cố"),
    "cons.units": _l("Đơn vị được củng cố trong năm (kế hoạch năm trước)"),
    "cons.improved": _l("Đã chuyển biến"),
    "cons.still_weak": _l("Vẫn yếu kém"),
    "cons.pending": _l("Chưa xếp loại"),
    "cons.measures": _l("Biện pháp củng cố"),
    "cons.verified": _l("trong đó đã hoàn thành, được xác nhận"),
    "review.listed": _l("Người trong danh sách rà soát"),
    "review.visited": _l("Đã đến tận nhà"),
    "review.present": _l("Có mặt tại địa phương"), "review.away": _l("Đi làm ăn xa"),
    "review.moved": _l("Chuyển đi nơi khác"), "review.deceased": _l("Đã mất"),
    "review.not_found": _l("Không tìm thấy"), "review.over_age": _l("Quá 30 tuổi, cần trưởng thành"),
    "review.not_visited": _l("Chưa đến nhà"),
    "review.found": _l("Người mới phát hiện"),
}


Records = namedtuple("Records", "kind stmt label share")


# ---- the period ------------------------------------------------------------------------------------------------------
def period(year, today=None):
    """(1 January, the last day counted): 31 December, or today while the year runs."""
    today = today or date.today()
    return date(year, 1, 1), min(date(year, 12, 31), today)


def _row(code, value, indent=0, label=None, **more):
    row = {"code": code, "label": str(label if label is not None else LABELS[code]), "value": value, "kind": "count",
           "indent": indent}
    row.update(more)
    return row


def _section(key, rows, note=None):
    return {"key": key, "title": str(SECTIONS[key]), "note": note, "rows": rows}


# ---- members on the rolls as of a day ----------------------------------------------------------------------------
def _roll_events(prefix, lo, hi):
    """The roll events of the people ever on a roll of the subtree by `hi` (everyone's, for a root), each with its rank
    among the person's events before `lo` (r_start = 1: the last one before the year, when on < lo) and up to `hi`
    (r_end = 1: the last one, when on <= hi), and the person's first "joined" day over their whole history — a youth
    of the subtree admitted elsewhere, or after the year, was a youth here."""
    person = PersonEvent.person_id

    def last_by(inside):
        order = (case((inside, 0), else_=1), PersonEvent.on.desc(), PersonEvent.id.desc())
        return func.row_number().over(partition_by=person, order_by=order)

    stmt = (select(person.label("person_id"), PersonEvent.kind.label("kind"), PersonEvent.on.label("on"),
                   PersonEvent.unit_id.label("unit_id"), last_by(PersonEvent.on < lo).label("r_start"),
                   last_by(PersonEvent.on <= hi).label("r_end"),
                   func.min(case((PersonEvent.kind == "joined", PersonEvent.on))).over(partition_by=person)
                   .label("joined_on"))
            .where(PersonEvent.kind.in_(ROLL_KINDS)))
    if prefix.count("/") > 2:  # below a root: only the people who were ever on a roll of the subtree
        stmt = stmt.where(person.in_(select(PersonEvent.person_id).join(Unit, Unit.id == PersonEvent.unit_id)
                                     .where(PersonEvent.kind.in_(ROLL_KINDS), PersonEvent.on <= hi,
                                            subtree(Unit.path, prefix))))
    return stmt.subquery()


def _type_before(sq, day):
    """SQL: the person's type before `day` (a Union member from their first "joined" row on)."""
    pre = case((Person.member_type == "union", literal("youth")), else_=Person.member_type)
    return case((sq.c.joined_on < day, literal("union")), (sq.c.joined_on.isnot(None), pre), else_=Person.member_type)


def _on_roll(sq, prefix, lo, hi):
    """(at the start, at the end): SQL conditions on a row of _roll_events joined to its branch (Unit), and the type
    then."""
    here = and_(sq.c.kind.in_(ON_KINDS), subtree(Unit.path, prefix))
    start = and_(sq.c.r_start == 1, sq.c.on < lo, here)
    end = and_(sq.c.r_end == 1, sq.c.on <= hi, here)
    return (start, _type_before(sq, lo)), (end, _type_before(sq, hi + timedelta(days=1)))


def _roll_from(stmt, sq):
    return stmt.select_from(sq).join(Person, Person.id == sq.c.person_id).join(Unit, Unit.id == sq.c.unit_id)


def _members(unit, lo, hi):
    sq = _roll_events(unit.path, lo, hi)
    (start, t_start), (end, t_end) = _on_roll(sq, unit.path, lo, hi)
    inner = (_roll_from(select(case((start, t_start)).label("ts"), case((end, t_end)).label("te")), sq)
             .where(or_(start, end)).subquery())
    counts = {"start": dict.fromkeys(TYPES, 0), "end": dict.fromkeys(TYPES, 0)}
    for ts, te, n in db.session.execute(select(inner.c.ts, inner.c.te, func.count()).group_by(inner.c.ts, inner.c.te)):
        if ts in counts["start"]:
            counts["start"][ts] += n
        if te in counts["end"]:
            counts["end"][te] += n
    rows = []
    for when in ("start", "end"):
        rows += [_row(f"members.{when}.{t}", counts[when][t], indent=1) for t in TYPES]
        rows.append(_row(f"members.{when}.total", sum(counts[when].values())))
    note = _("Đầu năm: trong sổ ngày %(a)s (trước các thay đổi của năm); cuối năm: đến hết ngày %(b)s.",
             a=lo.strftime("%d/%m/%Y"), b=hi.strftime("%d/%m/%Y"))
    return _section("members", rows, note)


# ---- the year's movements -----------------------------------------------------------------------------------------
def _moves_stmt(prefix, lo, hi, kinds):
    """select(PersonEvent.id) of the year's rows of `kinds` in the subtree that count (see the module's doc)."""
    other = aliased(Unit)
    later = aliased(PersonEvent)
    undone = exists().where(later.person_id == PersonEvent.person_id, later.kind == "reinstated",
                            later.id > PersonEvent.id)
    return (select(PersonEvent.id).select_from(PersonEvent).join(Unit, Unit.id == PersonEvent.unit_id)
            .outerjoin(other, other.id == PersonEvent.other_unit_id)
            .where(PersonEvent.kind.in_(kinds), PersonEvent.on.between(lo, hi), subtree(Unit.path, prefix),
                   or_(PersonEvent.kind.not_in(TRANSFERS), other.id.is_(None), not_(subtree(other.path, prefix))),
                   or_(PersonEvent.kind.not_in(UNDONE_BY_REINSTATED), not_(undone))))


def _moves(unit, lo, hi):
    stmt = _moves_stmt(unit.path, lo, hi, MOVE_KINDS)
    counts = dict.fromkeys(MOVE_KINDS, 0)
    counts.update(db.session.execute(stmt.with_only_columns(PersonEvent.kind, func.count())
                                     .group_by(PersonEvent.kind)).all())
    rows = [_row(f"moves.{k}", counts[k]) for k in ("joined", "transferred_in", "transferred_out", "matured")]
    rows.append(_row("moves.exits", sum(counts[k] for k in EXITS)))
    rows += [_row(f"moves.{k}", counts[k], indent=1) for k in EXITS]
    return _section("moves", rows)


# ---- the March review, paper members ----------------------------------------------------------------------------
def _campaign_ids(unit, year):
    """The year's campaigns (opened) that cover the unit or lie inside its subtree — one statement."""
    covers = func.substr(literal(unit.path), 1, func.length(Campaign.unit_path)) == Campaign.unit_path
    return db.session.scalars(select(Campaign.id).where(Campaign.year == year, Campaign.status != "draft",
                                                        or_(subtree(Campaign.unit_path, unit.path), covers))
                              .order_by(Campaign.id)).all()


def _subjects_cond(ids, prefix):
    return and_(Subject.campaign_id.in_(ids) if ids else false(), subtree(Subject.branch_path, prefix))


PAPER = "paper"


def _review_tallies(ids, prefix):
    paper_before = case((and_(Subject.found.is_(False), Subject.start_verdict == PAPER), 1), else_=0)
    paper_after = case((PersonStanding.verdict == PAPER, 1), else_=0)
    rows = db.session.execute(
        select(Subject.found, Subject.outcome, func.count(), func.sum(paper_before), func.sum(paper_after))
        .outerjoin(PersonStanding, PersonStanding.person_id == Subject.person_id)
        .where(_subjects_cond(ids, prefix)).group_by(Subject.found, Subject.outcome)).all()
    t = dict.fromkeys((*REVIEW_COLUMNS, "paper_before", "paper_after"), 0)
    for found, outcome, n, before, after in rows:
        t["paper_before"] += int(before or 0)
        t["paper_after"] += int(after or 0)
        if found:
            t["found"] += n
            continue
        t["listed"] += n
        if outcome is None:
            t["not_visited"] += n
            continue
        t["visited"] += n
        t["present" if outcome in PRESENT else outcome] += n
    return t


def _paper_and_review(unit, year):
    ids = _campaign_ids(unit, year)
    if not ids:
        counts = dict(db.session.execute(select(PersonStanding.verdict, func.count())
                                         .where(subtree(PersonStanding.unit_path, unit.path))
                                         .group_by(PersonStanding.verdict)).all())
        rows = [_row("paper.now", counts.get(PAPER, 0)), _row("paper.assessed", sum(counts.values()))]
        note = _("Năm %(y)s chưa có đợt rà soát: số liệu theo đánh giá “5 có” hiện nay.", y=year)
        return _section("paper", rows, note), None
    t = _review_tallies(ids, unit.path)
    paper = _section("paper", [_row("paper.before", t["paper_before"]), _row("paper.after", t["paper_after"])],
                     _("Theo đợt rà soát năm %(y)s: trước là lúc lập danh sách, sau là đánh giá “5 có” hiện nay.", y=year))
    indent = {"present", "away", "moved", "deceased", "not_found", "over_age"}
    review = _section("review", [_row(f"review.{c}", t[c], indent=int(c in indent)) for c in REVIEW_COLUMNS])
    return paper, review


# ---- classes ----------------------------------------------------------------------------------------------------
def _classes_cond(kind, prefix, lo, hi):
    return and_(TrainingClass.kind == kind, TrainingClass.status != "cancelled", TrainingClass.starts_on.between(lo, hi),
                subtree(TrainingClass.unit_path, prefix))


def _cadre_people_stmt(prefix, lo, hi):
    return (select(Enrolment.person_id).select_from(Enrolment).join(TrainingClass, TrainingClass.id == Enrolment.class_id)
            .join(Person, Person.id == Enrolment.person_id)
            .where(TrainingClass.kind == "cadre", TrainingClass.status != "cancelled",
                   TrainingClass.starts_on.between(lo, hi), Enrolment.status == "enrolled",
                   subtree(Person.unit_path, prefix)))


def _training(unit, year, lo, hi):
    def n_classes(kind):
        return select(func.count(TrainingClass.id)).where(_classes_cond(kind, unit.path, lo, hi)).scalar_subquery()

    people = (_cadre_people_stmt(unit.path, lo, hi)
              .with_only_columns(func.count(func.distinct(Enrolment.person_id))).scalar_subquery())
    sym, cadre, trained = db.session.execute(select(n_classes("sympathizer"), n_classes("cadre"), people)).one()
    graduates = actuals.values("sympathizer_graduates", [unit], year, as_of=hi)[unit.id].value or 0
    return _section("training", [
        _row("training.sympathizer_classes", sym), _row("training.graduates", int(graduates)),
        _row("training.cadre_classes", cadre), _row("training.cadre_people", trained)])


# ---- inspections ------------------------------------------------------------------------------------------------
def _inspections_cond(prefix, year):
    lo, hi = year_bounds(year)
    return and_(VISIT_DATE >= lo, VISIT_DATE <= hi, subtree(Inspection.unit_path, prefix))


def _findings_stmt(prefix, year):
    return (select(CorrectiveAction.id).select_from(CorrectiveAction)
            .join(Inspection, Inspection.id == CorrectiveAction.inspection_id)
            .where(_inspections_cond(prefix, year), CorrectiveAction.origin == "inspection"))


def _inspections(unit, year):
    cond = _inspections_cond(unit.path, year)
    findings = _findings_stmt(unit.path, year)
    planned, done, found, verified = db.session.execute(select(
        select(func.count(Inspection.id)).where(cond).scalar_subquery(),
        select(func.count(Inspection.id)).where(cond, Inspection.status == "closed").scalar_subquery(),
        findings.with_only_columns(func.count(CorrectiveAction.id)).scalar_subquery(),
        findings.with_only_columns(func.count(CorrectiveAction.id))
        .where(CorrectiveAction.status == "verified").scalar_subquery())).one()
    return _section("inspections", [_row("insp.planned", planned), _row("insp.done", done),
                                    _row("insp.findings", found), _row("insp.verified", verified)])


# ---- grading ----------------------------------------------------------------------------------------------------
def _member_grades_cond(prefix, year):
    return and_(MemberEvaluation.status == "approved", MemberEvaluation.year == year,
                subtree(MemberEvaluation.unit_path, prefix), MemberGrade.grade_id.isnot(None))


def _unit_grades_cond(unit, year):
    return and_(UnitGrade.year == year, subtree(UnitGrade.unit_path, unit.path), UnitGrade.unit_id != unit.id)


def _grades_levels(unit):
    """The levels whose grades the unit reports: its communes (above a commune) and its branches."""
    return [lv for lv in ("commune", "branch") if LEVEL_RANK.get(unit.level, 9) < LEVEL_RANK[lv]]


def _grading(unit, year):
    members = db.session.execute(
        select(MemberGrade.grade_id, func.count(), func.sum(case((MemberGrade.outstanding.is_(True), 1), else_=0)))
        .join(MemberEvaluation, MemberEvaluation.id == MemberGrade.evaluation_id)
        .where(_member_grades_cond(unit.path, year)).group_by(MemberGrade.grade_id)).all()
    units = db.session.execute(
        select(Unit.level, UnitGrade.grade_id, func.count()).join(Unit, Unit.id == UnitGrade.unit_id)
        .where(_unit_grades_cond(unit, year)).group_by(Unit.level, UnitGrade.grade_id)).all()
    used = {g for g, *_rest in members} | {g for _lv, g, _n in units if g is not None}
    grades = db.session.scalars(select(Grade).where(or_(Grade.active.is_(True), Grade.id.in_(used) if used else false()))
                                .order_by(Grade.kind, Grade.rank, Grade.id)).all()
    m_counts = {g: n for g, n, _o in members}
    m_rows = [_row("mgrade.total", sum(m_counts.values()))]
    m_rows += [_row(f"mgrade.{g.code}", m_counts.get(g.id, 0), indent=1, label=g.name) for g in grades
               if g.kind == "member" and (g.active or g.id in m_counts)]
    m_rows.append(_row("mgrade.outstanding", sum(int(o or 0) for _g, _n, o in members)))
    out = [_section("member_grades", m_rows)]
    for level in _grades_levels(unit):
        counts = {g: n for lv, g, n in units if lv == level}
        decided = {g: n for g, n in counts.items() if g is not None}
        rows = [_row(f"ugrade.{level}.total", sum(decided.values()))]
        rows += [_row(f"ugrade.{level}.{g.code}", decided.get(g.id, 0), indent=1, label=g.name) for g in grades
                 if g.kind == "unit" and (g.active or g.id in decided)]
        rows.append(_row(f"ugrade.{level}.pending", counts.get(None, 0)))
        out.append(_section(f"{level}_grades", rows))
    return out


# ---- weak units and their consolidation ------------------------------------------------------------------------------
def _planned_cond(year):
    """SQL on UnitGrade: the unit is on an adopted consolidation plan of the year (an entry not withdrawn)."""
    return (select(ConsolidationEntry.id).join(ConsolidationPlan, ConsolidationPlan.id == ConsolidationEntry.plan_id)
            .where(ConsolidationEntry.unit_id == UnitGrade.unit_id, ConsolidationEntry.withdrawn_at.is_(None),
                   ConsolidationPlan.year == year, ConsolidationPlan.status == "adopted").correlate(UnitGrade).exists())


def _cons_base(prefix, year):
    """select(ConsolidationEntry.id) of the entries (not withdrawn) of the adopted plans of the year before, made by
    the unit or below it, with this year's grade of the entry's unit outer-joined (as `grade`)."""
    grade = aliased(UnitGrade, name="next_grade")
    stmt = (select(ConsolidationEntry.id).select_from(ConsolidationEntry)
            .join(ConsolidationPlan, ConsolidationPlan.id == ConsolidationEntry.plan_id)
            .outerjoin(grade, and_(grade.unit_id == ConsolidationEntry.unit_id, grade.year == year))
            .where(ConsolidationPlan.year == year - 1, ConsolidationPlan.status == "adopted",
                   subtree(ConsolidationPlan.unit_path, prefix), ConsolidationEntry.withdrawn_at.is_(None)))
    return stmt, grade


def _weak(unit, year):
    weak, planned = db.session.execute(
        select(func.count(UnitGrade.id), func.sum(case((_planned_cond(year), 1), else_=0)))
        .where(_unit_grades_cond(unit, year), UnitGrade.weak.is_(True))).one()
    stmt, grade = _cons_base(unit.path, year)
    inner = stmt.with_only_columns(result_sql(grade).label("result")).subquery()
    results = dict.fromkeys(CONS_RESULTS, 0)
    results.update(db.session.execute(select(inner.c.result, func.count()).group_by(inner.c.result)).all())
    measures, verified = db.session.execute(
        stmt.with_only_columns(func.count(ConsolidationMeasure.id),
                               func.sum(case((CorrectiveAction.status == "verified", 1), else_=0)))
        .join(ConsolidationMeasure, ConsolidationMeasure.entry_id == ConsolidationEntry.id)
        .join(CorrectiveAction, CorrectiveAction.id == ConsolidationMeasure.action_id)).one()
    rows = [_row("weak.units", weak), _row("weak.planned", int(planned or 0), indent=1),
            _row("cons.units", sum(results.values()))]
    rows += [_row(f"cons.{r}", results[r], indent=1) for r in CONS_RESULTS]
    rows += [_row("cons.measures", measures), _row("cons.verified", int(verified or 0), indent=1)]
    return _section("weak", rows, _("Kết quả củng cố: các đơn vị trong kế hoạch năm %(p)s, theo xếp loại năm %(y)s.",
                                    p=year - 1, y=year))


# ---- targets and the young-worker indicators -------------------------------------------------------------------------
def _value_fields(value, kind):
    """The row's fields of an actuals.Value: value, kind (and numerator, denominator of a percent)."""
    if kind == "percent":
        return {"value": value.value, "kind": "percent", "numerator": value.numerator,
                "denominator": value.denominator}
    return {"value": int(value.value or 0), "kind": "count"}


def _targets(unit, year, hi):
    """[targets section, young-workers section] when the unit has approved targets for the year, else []."""
    if unit.level not in actuals.UPPER:
        return []
    targets = progress.targets_in_force(unit, year, only_unit=True)
    if not targets:
        return []
    inds = [i for i in progress.indicators() if (unit.id, i.id) in targets]
    cache = {}

    def value(key):
        if key not in cache:
            cache[key] = actuals.values(key, [unit], year, as_of=hi)[unit.id]
        return cache[key]

    rows = []
    for ind in inds:
        target = targets[(unit.id, ind.id)].value
        v = value(ind.actual)
        fields = _value_fields(v, actuals.ACTUALS[ind.actual].kind)
        rows.append(_row(f"target.{ind.code}", fields.pop("value"), label=ind.name, target=target,
                         unit_label=ind.count_unit, share=progress.share_of(v.value, target), **fields))
    yw = []
    for key in YW_KEYS:
        if unit.level in actuals.ACTUALS[key].levels:
            fields = _value_fields(value(key), actuals.ACTUALS[key].kind)
            yw.append(_row(f"yw.{key}", fields.pop("value"), label=actuals.ACTUALS[key].label, **fields))
    out = [_section("targets", rows)] if rows else []
    return out + ([_section("young_workers", yw)] if yw else [])


# ---- the contract -------------------------------------------------------------------------------------------------
def compute(unit, year, today=None):
    """The report's figures of `unit` for `year` (to `today`), JSON-serialisable — see the module's doc."""
    today = today or date.today()
    lo, hi = period(year, today)
    paper, review = _paper_and_review(unit, year)
    sections = [_members(unit, lo, hi), _moves(unit, lo, hi), paper, _training(unit, year, lo, hi),
                _inspections(unit, year), *_grading(unit, year), _weak(unit, year), *_targets(unit, year, hi)]
    if review is not None:
        sections.append(review)
    return {"unit_id": unit.id, "unit_name": unit.name, "level": unit.level, "year": year, "start": lo.isoformat(),
            "end": hi.isoformat(), "computed_on": today.isoformat(), "sections": sections}


def numbered(rows):
    """[(number, row)] of a section's rows as the PDF and the XLSX annex number them: 1, 2, 3 … for the rows, 5.1, 5.2 …
    for the parts of row 5 (indented: removed, expelled … of the exits) — so a reader does not add a part twice."""
    out, n, k = [], 0, 0
    for row in rows:
        if row.get("indent") and n:
            k += 1
            out.append((f"{n}.{k}", row))
        else:
            n, k = n + 1, 0
            out.append((n, row))
    return out


def rows_by_code(figures):
    """{code: row} of a figures dict (computed or frozen)."""
    return {r["code"]: r for s in (figures or {}).get("sections", []) for r in s["rows"]}


def countable(row):
    """How many records the row's records page lists: the value of a count, the denominator of a percent."""
    return row.get("denominator") if row.get("kind") == "percent" else row.get("value")


# ---- the records behind a figure -----------------------------------------------------------------------------------
def _people(stmt):
    return stmt.options(joinedload(Person.unit))


def _member_records(unit, lo, hi, when, what):
    sq = _roll_events(unit.path, lo, hi)
    (start, t_start), (end, t_end) = _on_roll(sq, unit.path, lo, hi)
    cond, t = (start, t_start) if when == "start" else (end, t_end)
    stmt = _roll_from(select(Person, sq.c.on, true(), sq.c.kind), sq).where(cond)
    if what != "total":
        if what not in TYPES:
            raise KeyError(what)
        stmt = stmt.where(t == what)
    return "people", _people(stmt).order_by(Person.unit_path, Person.name_key, Person.id)


def _move_records(unit, lo, hi, what):
    kinds = EXITS if what == "exits" else (what,)
    if what != "exits" and what not in MOVE_KINDS:
        raise KeyError(what)
    stmt = (_moves_stmt(unit.path, lo, hi, kinds)
            .join(Person, Person.id == PersonEvent.person_id)
            .with_only_columns(Person, PersonEvent.on, true(), func.coalesce(PersonEvent.reason, PersonEvent.detail,
                                                                             PersonEvent.kind)))
    return "people", _people(stmt).order_by(PersonEvent.on.desc(), Person.name_key, PersonEvent.id)


def _subject_records(unit, year, cond, note=Subject.outcome):
    stmt = (select(Person, Subject.outcome_on, true(), note).select_from(Subject)
            .join(Person, Person.id == Subject.person_id)
            .outerjoin(PersonStanding, PersonStanding.person_id == Subject.person_id)
            .where(_subjects_cond(_campaign_ids(unit, year), unit.path), cond))
    return "people", _people(stmt).order_by(Subject.branch_path, Person.name_key, Subject.id)


def _review_records(unit, year, what):
    listed = Subject.found.is_(False)
    conds = {
        "listed": listed, "visited": and_(listed, Subject.outcome.isnot(None)),
        "present": and_(listed, Subject.outcome.in_(PRESENT)), "not_visited": and_(listed, Subject.outcome.is_(None)),
        "found": Subject.found.is_(True),
        "paper_before": and_(listed, Subject.start_verdict == PAPER), "paper_after": PersonStanding.verdict == PAPER,
    }
    for outcome in ("away", "moved", "deceased", "not_found", "over_age"):
        conds[outcome] = and_(listed, Subject.outcome == outcome)
    if what not in conds:
        raise KeyError(what)
    note = Subject.start_verdict if what == "paper_before" else (PersonStanding.verdict if what == "paper_after"
                                                                   else Subject.outcome)
    return _subject_records(unit, year, conds[what], note)


def _standing_records(unit, what):
    stmt = (select(Person, PersonStanding.as_of, PersonStanding.verdict == PAPER, PersonStanding.verdict)
            .join(PersonStanding, PersonStanding.person_id == Person.id)
            .where(subtree(PersonStanding.unit_path, unit.path)))
    if what == "now":
        stmt = stmt.where(PersonStanding.verdict == PAPER)
    return "people", _people(stmt).order_by(Person.unit_path, Person.name_key, Person.id)


def _training_records(unit, year, lo, hi, what):
    if what in ("sympathizer_classes", "cadre_classes"):
        kind = what.split("_")[0]
        stmt = (select(TrainingClass, TrainingClass.starts_on, true(), TrainingClass.status)
                .where(_classes_cond(kind, unit.path, lo, hi)).options(joinedload(TrainingClass.unit)))
        return "classes", stmt.order_by(TrainingClass.starts_on.desc(), TrainingClass.id.desc())
    if what == "graduates":
        kind, stmt = actuals.records_stmt("sympathizer_graduates", unit, year, as_of=hi)
        return kind, stmt
    if what == "cadre_people":
        stmt = (_cadre_people_stmt(unit.path, lo, hi)
                .with_only_columns(Person, func.min(TrainingClass.starts_on), true(), func.min(TrainingClass.title))
                .group_by(Person.id))
        return "people", _people(stmt).order_by(Person.name_key, Person.id)
    raise KeyError(what)


def _inspection_records(unit, year, what):
    if what in ("planned", "done"):
        stmt = (select(Inspection, VISIT_DATE, Inspection.status == "closed", Inspection.status)
                .where(_inspections_cond(unit.path, year)).options(joinedload(Inspection.unit)))
        if what == "done":
            stmt = stmt.where(Inspection.status == "closed")
        return "inspections", stmt.order_by(VISIT_DATE.desc(), Inspection.id.desc())
    if what in ("findings", "verified"):
        return _action_records(_findings_stmt(unit.path, year), verified_only=what == "verified")
    raise KeyError(what)


def _action_records(stmt, *, verified_only):
    """The follow-up actions a statement selects, as the records page lists them (an inspection's findings, a plan's
    measures): each with its deadline and whether it is verified, by deadline."""
    stmt = (stmt.with_only_columns(CorrectiveAction, CorrectiveAction.due_on, CorrectiveAction.status == "verified",
                                   CorrectiveAction.status)
            .options(joinedload(CorrectiveAction.owner_unit)))
    if verified_only:
        stmt = stmt.where(CorrectiveAction.status == "verified")
    return "actions", stmt.order_by(CorrectiveAction.due_on, CorrectiveAction.id)


def _grade_of(kind, code):
    grade = db.session.scalar(select(Grade).where(Grade.kind == kind, Grade.code == code))
    if grade is None:
        raise KeyError(code)
    return grade


def _member_grade_records(unit, year, what):
    stmt = (select(Person, MemberEvaluation.approved_at, MemberGrade.outstanding, Grade.name)
            .select_from(MemberGrade).join(MemberEvaluation, MemberEvaluation.id == MemberGrade.evaluation_id)
            .join(Person, Person.id == MemberGrade.person_id).join(Grade, Grade.id == MemberGrade.grade_id)
            .where(_member_grades_cond(unit.path, year)))
    if what == "outstanding":
        stmt = stmt.where(MemberGrade.outstanding.is_(True))
    elif what != "total":
        stmt = stmt.where(MemberGrade.grade_id == _grade_of("member", what).id)
    return "people", _people(stmt).order_by(Grade.rank, Person.unit_path, Person.name_key, Person.id)


def _unit_grade_records(unit, year, level, what):
    if level not in _grades_levels(unit):
        raise KeyError(level)
    grade = aliased(Grade)
    stmt = (select(Unit, UnitGrade.decided_at, UnitGrade.weak, func.coalesce(grade.name, ""))
            .select_from(UnitGrade).join(Unit, Unit.id == UnitGrade.unit_id)
            .outerjoin(grade, grade.id == UnitGrade.grade_id)
            .where(_unit_grades_cond(unit, year), Unit.level == level).options(joinedload(Unit.parent)))
    if what == "total":
        stmt = stmt.where(UnitGrade.grade_id.isnot(None))
    elif what == "pending":
        stmt = stmt.where(UnitGrade.grade_id.is_(None))
    else:
        stmt = stmt.where(UnitGrade.grade_id == _grade_of("unit", what).id)
    return "units", stmt.order_by(Unit.path, Unit.id)


def _weak_records(unit, year, what):
    if what not in ("units", "planned"):
        raise KeyError(what)
    planned = _planned_cond(year)
    stmt = (select(Unit, UnitGrade.decided_at, planned, literal("weak")).select_from(UnitGrade)
            .join(Unit, Unit.id == UnitGrade.unit_id).where(_unit_grades_cond(unit, year), UnitGrade.weak.is_(True))
            .options(joinedload(Unit.parent)))
    if what == "planned":
        stmt = stmt.where(planned)
    return "units", stmt.order_by(Unit.path, Unit.id)


def _cons_records(unit, year, what):
    stmt, grade = _cons_base(unit.path, year)
    result = result_sql(grade)
    if what in ("measures", "verified"):
        stmt = (stmt.join(ConsolidationMeasure, ConsolidationMeasure.entry_id == ConsolidationEntry.id)
                .join(CorrectiveAction, CorrectiveAction.id == ConsolidationMeasure.action_id))
        return _action_records(stmt, verified_only=what == "verified")
    if what != "units" and what not in CONS_RESULTS:
        raise KeyError(what)
    stmt = (stmt.join(Unit, Unit.id == ConsolidationEntry.unit_id)
            .with_only_columns(Unit, null(), result != "pending", result).options(joinedload(Unit.parent)))
    if what != "units":
        stmt = stmt.where(result == what)
    return "units", stmt.order_by(Unit.path, ConsolidationEntry.id)


def _actual_records(unit, year, key, hi):
    if key not in actuals.ACTUALS:
        raise KeyError(key)
    return actuals.records_stmt(key, unit, year, as_of=hi)


def _label(code):
    if code in LABELS:
        return str(LABELS[code])
    group, _dot, what = code.rpartition(".")
    if group == "mgrade":
        return _grade_of("member", what).name
    if group.startswith("ugrade."):
        return _grade_of("unit", what).name
    raise KeyError(code)


def records(unit, year, code, today=None):
    """Records(kind, select of (record, on, counted, note), label, share) behind one figure; KeyError when `code`
    names none."""
    lo, hi = period(year, today)
    parts = code.split(".")
    head, rest = parts[0], parts[1:]
    if head == "members" and len(rest) == 2 and rest[0] in ("start", "end"):
        kind, stmt = _member_records(unit, lo, hi, *rest)
    elif head == "moves" and len(rest) == 1:
        kind, stmt = _move_records(unit, lo, hi, rest[0])
    elif head == "paper" and len(rest) == 1 and rest[0] in ("before", "after"):
        kind, stmt = _review_records(unit, year, f"paper_{rest[0]}")
    elif head == "paper" and rest in (["now"], ["assessed"]):
        kind, stmt = _standing_records(unit, rest[0])
    elif head == "review" and len(rest) == 1:
        kind, stmt = _review_records(unit, year, rest[0])
    elif head == "training" and len(rest) == 1:
        kind, stmt = _training_records(unit, year, lo, hi, rest[0])
    elif head == "insp" and len(rest) == 1:
        kind, stmt = _inspection_records(unit, year, rest[0])
    elif head == "mgrade" and len(rest) == 1:
        kind, stmt = _member_grade_records(unit, year, rest[0])
    elif head == "ugrade" and len(rest) == 2:
        kind, stmt = _unit_grade_records(unit, year, *rest)
    elif head == "weak" and len(rest) == 1:
        kind, stmt = _weak_records(unit, year, rest[0])
    elif head == "cons" and len(rest) == 1:
        kind, stmt = _cons_records(unit, year, rest[0])
    elif head == "target" and len(rest) == 1:
        ind = db.session.scalar(select(Indicator).where(Indicator.code == rest[0]))
        if ind is None or ind.actual not in actuals.ACTUALS:
            raise KeyError(code)
        kind, stmt = _actual_records(unit, year, ind.actual, hi)
        return Records(kind, stmt, ind.name, actuals.ACTUALS[ind.actual].kind == "percent")
    elif head == "yw" and len(rest) == 1 and rest[0] in YW_KEYS:
        kind, stmt = _actual_records(unit, year, rest[0], hi)
        return Records(kind, stmt, str(actuals.ACTUALS[rest[0]].label), actuals.ACTUALS[rest[0]].kind == "percent")
    else:
        raise KeyError(code)
    return Records(kind, stmt, _label(code), False)
