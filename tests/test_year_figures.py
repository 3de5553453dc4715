"""The yearly report's figures (app.year.figures): every figure equals an independent count made here in Python over
the rows (tests/factories_year_report.report_world), at a commune, a district, the province and a commune without a
review; the membership as of a day stays what it was after later changes; the number of statements does not grow with
the number of communes; the records behind each figure are exactly that many."""
import json
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from app.activities.models import Activity, PersonStanding
from app.classes.models import Enrolment, TrainingClass
from app.inspections.models import CorrectiveAction, Inspection
from app.members import services as members
from app.members.models import Person, PersonEvent
from app.review.models import Campaign, Subject
from app.targets.models import Indicator, Target
from app.units.models import Unit
from app.year import catalogue, figures
from app.year.models import (
    ConsolidationEntry,
    ConsolidationMeasure,
    ConsolidationPlan,
    Grade,
    MemberEvaluation,
    MemberGrade,
    UnitGrade,
)
from tests.factories_year_report import YEAR, ev, person, report_world

# Written out again here, not imported: the test counts with its own reading of the rules.
ON = {"registered", "joined", "transferred_in", "back", "away", "reinstated"}
OFF = {"transferred_out", "matured", "removed", "expelled", "deceased", "moved_away"}
EXITS = ("removed", "expelled", "deceased", "moved_away")


@pytest.fixture
def world(db, tree, make_unit):
    return report_world(db, tree, make_unit)


# ---- the independent count ------------------------------------------------------------------------------------------
class Rows:
    """Every row of the tables the report reads, loaded once, and the unit's subtree as Python sees it."""

    def __init__(self, db, unit, year, today):
        self.unit, self.year = unit, year
        self.lo, self.hi = date(year, 1, 1), min(date(year, 12, 31), today)
        self.units = {u.id: u for u in db.session.scalars(select(Unit))}
        self.people = {p.id: p for p in db.session.scalars(select(Person))}
        self.events = sorted(db.session.scalars(select(PersonEvent)), key=lambda e: (e.on, e.id))
        self.by_person = {}
        for e in self.events:
            self.by_person.setdefault(e.person_id, []).append(e)
        self.all = {m: list(db.session.scalars(select(m))) for m in (
            PersonStanding, Campaign, Subject, TrainingClass, Enrolment, Inspection, CorrectiveAction, Grade,
            MemberEvaluation, MemberGrade, UnitGrade, ConsolidationPlan, ConsolidationEntry, ConsolidationMeasure,
            Target, Indicator, Activity)}

    def inside(self, unit_id):
        return unit_id is not None and self.units[unit_id].path.startswith(self.unit.path)

    def path_inside(self, path):
        return path is not None and path.startswith(self.unit.path)

    def in_year(self, day):
        return self.lo <= day <= self.hi


def _members(r, out):
    def type_before(p, day):
        joined = [e.on for e in r.by_person.get(p.id, []) if e.kind == "joined"]
        if joined and min(joined) < day:
            return "union"
        if joined:
            return "youth" if p.member_type == "union" else p.member_type
        return p.member_type

    for when, cut, day in (("start", lambda e: e.on < r.lo, r.lo),
                           ("end", lambda e: e.on <= r.hi, r.hi + timedelta(days=1))):
        tally = Counter()
        for pid, evs in r.by_person.items():
            roll = [e for e in evs if e.kind in ON | OFF and cut(e)]
            if roll and roll[-1].kind in ON and r.inside(roll[-1].unit_id):
                tally[type_before(r.people[pid], day)] += 1
        for t in ("union", "federation", "youth"):
            out[f"members.{when}.{t}"] = tally[t]
        out[f"members.{when}.total"] = sum(tally.values())


def _moves(r, out):
    def undone(e):
        return any(x.kind == "reinstated" and x.id > e.id for x in r.by_person[e.person_id])

    moves = Counter()
    for e in r.events:
        if not (r.in_year(e.on) and r.inside(e.unit_id)):
            continue
        if e.kind in ("transferred_in", "transferred_out") and r.inside(e.other_unit_id):
            continue
        if e.kind in ("matured", *EXITS) and undone(e):
            continue
        moves[e.kind] += 1
    for k in ("joined", "transferred_in", "transferred_out", "matured", *EXITS):
        out[f"moves.{k}"] = moves[k]
    out["moves.exits"] = sum(moves[k] for k in EXITS)


def _review(r, out):
    standing = {s.person_id: s for s in r.all[PersonStanding]}
    campaigns = [c.id for c in r.all[Campaign] if c.year == r.year and c.status != "draft"
                 and (r.path_inside(c.unit_path) or r.unit.path.startswith(c.unit_path))]
    if not campaigns:
        mine = [s for s in standing.values() if r.path_inside(s.unit_path)]
        out["paper.now"] = sum(1 for s in mine if s.verdict == "paper")
        out["paper.assessed"] = len(mine)
        return
    subjects = [s for s in r.all[Subject] if s.campaign_id in campaigns and r.path_inside(s.branch_path)]
    listed = [s for s in subjects if not s.found]
    out["paper.before"] = sum(1 for s in listed if s.start_verdict == "paper")
    out["paper.after"] = sum(1 for s in subjects if s.person_id in standing and standing[s.person_id].verdict == "paper")
    out["review.listed"] = len(listed)
    out["review.visited"] = sum(1 for s in listed if s.outcome)
    out["review.present"] = sum(1 for s in listed if s.outcome in ("present", "corrected"))
    for o in ("away", "moved", "deceased", "not_found", "over_age"):
        out[f"review.{o}"] = sum(1 for s in listed if s.outcome == o)
    out["review.not_visited"] = sum(1 for s in listed if not s.outcome)
    out["review.found"] = sum(1 for s in subjects if s.found)


def _training(r, out):
    classes = {k.id: k for k in r.all[TrainingClass]}
    for kind in ("sympathizer", "cadre"):
        out[f"training.{kind}_classes"] = sum(1 for k in classes.values() if k.kind == kind and k.status != "cancelled"
                                              and r.in_year(k.starts_on) and r.path_inside(k.unit_path))

    def people(kind, day, passed):
        return {e.person_id for e in r.all[Enrolment] if e.status == "enrolled" and (e.passed or not passed)
                and classes[e.class_id].kind == kind and classes[e.class_id].status != "cancelled"
                and r.in_year(getattr(classes[e.class_id], day)) and r.path_inside(r.people[e.person_id].unit_path)}

    out["training.graduates"] = len(people("sympathizer", "ends_on", True))
    out["training.cadre_people"] = len(people("cadre", "starts_on", False))


def _inspections(r, out):
    mine = {i.id: i for i in r.all[Inspection]
            if r.path_inside(i.unit_path) and (i.inspected_on or i.planned_on).year == r.year}
    out["insp.planned"] = len(mine)
    out["insp.done"] = sum(1 for i in mine.values() if i.status == "closed")
    found = [a for a in r.all[CorrectiveAction] if a.origin == "inspection" and a.inspection_id in mine]
    out["insp.findings"] = len(found)
    out["insp.verified"] = sum(1 for a in found if a.status == "verified")


def _grades(r, out):
    evaluations = {e.id for e in r.all[MemberEvaluation]
                   if e.status == "approved" and e.year == r.year and r.path_inside(e.unit_path)}
    graded = [g for g in r.all[MemberGrade] if g.evaluation_id in evaluations and g.grade_id]
    out["mgrade.total"] = len(graded)
    for g in r.all[Grade]:
        if g.kind == "member":
            out[f"mgrade.{g.code}"] = sum(1 for x in graded if x.grade_id == g.id)
    out["mgrade.outstanding"] = sum(1 for x in graded if x.outstanding)
    rank = {"province": 0, "district": 1, "commune": 2, "branch": 3}
    for level in ("commune", "branch"):
        if rank[r.unit.level] >= rank[level]:
            continue
        here = [g for g in r.ugrades if r.units[g.unit_id].level == level]
        out[f"ugrade.{level}.total"] = sum(1 for g in here if g.grade_id)
        for g in r.all[Grade]:
            if g.kind == "unit":
                out[f"ugrade.{level}.{g.code}"] = sum(1 for x in here if x.grade_id == g.id)
        out[f"ugrade.{level}.pending"] = sum(1 for g in here if not g.grade_id)


def _weak(r, out):
    plans = {p.id: p for p in r.all[ConsolidationPlan] if p.status == "adopted"}
    entries = [e for e in r.all[ConsolidationEntry] if e.plan_id in plans and not e.withdrawn_at]
    weak = [g for g in r.ugrades if g.weak]
    out["weak.units"] = len(weak)
    out["weak.planned"] = sum(1 for g in weak if any(e.unit_id == g.unit_id and plans[e.plan_id].year == r.year
                                                     for e in entries))
    cons = [e for e in entries if plans[e.plan_id].year == r.year - 1 and r.path_inside(plans[e.plan_id].unit_path)]
    next_grade = {g.unit_id: g for g in r.all[UnitGrade] if g.year == r.year}
    results = Counter()
    for e in cons:
        g = next_grade.get(e.unit_id)
        results["pending" if g is None or not g.grade_id else ("still_weak" if g.weak else "improved")] += 1
    out["cons.units"] = len(cons)
    for k in ("improved", "still_weak", "pending"):
        out[f"cons.{k}"] = results[k]
    actions = {a.id: a for a in r.all[CorrectiveAction]}
    measures = [m for m in r.all[ConsolidationMeasure] if m.entry_id in {e.id for e in cons}]
    out["cons.measures"] = len(measures)
    out["cons.verified"] = sum(1 for m in measures if actions[m.action_id].status == "verified")


def _targets(r, out):
    targets = [t for t in r.all[Target] if t.unit_id == r.unit.id and t.year == r.year and t.status == "approved"]
    if not targets or r.unit.level == "branch":
        return
    inds = {i.id: i for i in r.all[Indicator]}
    joined = [e for e in r.events if e.kind == "joined" and r.in_year(e.on) and r.inside(e.unit_id)]
    values = {"admitted": len(joined), "sympathizer_graduates": out["training.graduates"]}
    for t in targets:
        # the world's targets read these two; others (the demo's) are app.targets.actuals' to test
        out[f"target.{inds[t.indicator_id].code}"] = (values.get(inds[t.indicator_id].actual), t.value)
    out["yw.admitted_workers"] = sum(1 for e in joined if r.people[e.person_id].occupation == "worker")
    out["yw.worker_branches_5"] = 0  # no branch of workers founded in the year in this world
    out["yw.enterprise_orgs_10"] = sum(1 for u in r.units.values() if u.kind == "enterprise" and u.founded_on
                                       and u.founded_on.year == r.year and r.path_inside(u.path))
    out["yw.yw_activities"] = sum(1 for a in r.all[Activity] if a.for_young_workers and r.in_year(a.held_on)
                                  and r.path_inside(a.unit_path))
    out["yw.party_introduced_rate"] = None  # no Party step in this world: a share of nobody
    out["yw.party_admitted_rate"] = None


def expected(db, unit, year=YEAR, today=date(2026, 12, 1)):
    r = Rows(db, unit, year, today)
    r.ugrades = [g for g in r.all[UnitGrade] if g.year == year and r.path_inside(g.unit_path) and g.unit_id != unit.id]
    out = {}
    for part in (_members, _moves, _review, _training, _inspections, _grades, _weak, _targets):
        part(r, out)
    return out


def computed(figs):
    out = {}
    for code, row in figures.rows_by_code(figs).items():
        out[code] = (row["value"], row["target"]) if code.startswith("target.") else row["value"]
    return out


@pytest.mark.parametrize("where", ["C1", "D", "P", "C3"])
def test_every_figure_equals_an_independent_count(app, db, world, where):
    unit = getattr(world.tree, where)
    with app.test_request_context():
        figs = figures.compute(unit, YEAR, today=date(2026, 12, 1))
    json.dumps(figs)  # frozen as JSON in a submitted version
    got, want = computed(figs), expected(db, unit)
    assert set(got) == set(want), (set(got) ^ set(want))
    wrong = {code: (got[code], want[code]) for code in want if got[code] != want[code]}
    assert not wrong, wrong
    # the world is not all zeros: most figures count something here
    assert sum(1 for v in want.values() if v) >= {"C1": 35, "D": 40, "P": 40, "C3": 8}[where], want


def test_the_story_at_the_commune_by_hand(app, db, world):
    """Numbers worked out by hand from tests/factories_year_report.py, so both counts cannot share one mistake."""
    with app.test_request_context():
        got = computed(figures.compute(world.tree.C1, YEAR, today=date(2026, 12, 1)))
        d = computed(figures.compute(world.tree.D, YEAR, today=date(2026, 12, 1)))
        c3 = computed(figures.compute(world.tree.C3, YEAR, today=date(2026, 12, 1)))
    assert (got["members.start.union"], got["members.start.youth"], got["members.start.total"]) == (6, 3, 9)
    assert (got["members.end.union"], got["members.end.youth"], got["members.end.total"]) == (8, 0, 8)
    assert (got["moves.joined"], got["moves.transferred_in"], got["moves.transferred_out"]) == (2, 1, 1)
    assert (got["moves.exits"], got["moves.removed"], got["moves.moved_away"]) == (1, 0, 1)  # a removal undone
    assert got["target.admitted"] == (2, 3) and got["target.sympathizer_graduates"] == (2, 4)
    assert got["yw.admitted_workers"] == 1 and got["yw.yw_activities"] == 1
    assert (got["cons.units"], got["cons.improved"], got["cons.measures"], got["cons.verified"]) == (1, 1, 2, 1)
    assert (d["moves.transferred_in"], d["moves.transferred_out"]) == (0, 1)  # B2 → B1 stays inside the district
    assert (d["cons.units"], d["cons.still_weak"], d["weak.units"], d["weak.planned"]) == (3, 2, 2, 1)
    assert "target.admitted" not in d and "review.listed" in d and "paper.before" in d
    assert (c3["members.start.federation"], c3["members.end.federation"], c3["moves.deceased"]) == (2, 1, 1)
    assert "paper.now" in c3 and "review.listed" not in c3 and "ugrade.commune.total" not in c3


def test_sections_left_out_cleanly_when_absent(app, db, world):
    with app.test_request_context():
        keys = [s["key"] for s in figures.compute(world.tree.C3, YEAR, today=date(2026, 12, 1))["sections"]]
        c1 = [s["key"] for s in figures.compute(world.tree.C1, YEAR, today=date(2026, 12, 1))["sections"]]
    assert "targets" not in keys and "young_workers" not in keys and "review" not in keys
    assert {"targets", "young_workers", "review"} <= set(c1)
    for figs_keys in (keys, c1):
        assert figs_keys[:3] == ["members", "moves", "paper"]


def test_a_past_years_membership_does_not_move_after_later_changes(app, db, world):
    t = world.tree
    with app.test_request_context():
        before = figures.compute(t.C1, YEAR, today=date(2026, 12, 1))
        # 2026: a member removed, one transferred out of the commune, a youth admitted, one moved inside the commune
        members.record_event(person=db.session.get(Person, world.old.id), kind="removed", on=date(2026, 4, 1),
                             reason="Bỏ sinh hoạt")
        members.transfer_within_commune(person=db.session.get(Person, world.admitted.id), branch=world.B1b,
                                        on=date(2026, 4, 2))
        person(db, t.B1, "Người Mới 2026", member_type="youth", history=[ev("registered", date(2026, 5, 5))])
        p = db.session.get(Person, world.mistake.id)
        members._move(person=p, branch=t.B2, on=date(2026, 6, 1), reason="Chuyển xã")
        db.session.commit()
        after = figures.compute(t.C1, YEAR, today=date(2026, 12, 1))
        now = figures.compute(t.C1, 2026, today=date(2026, 12, 1))
    def history(figs):  # "paper after" reads today's five criteria: it moves, and says so in its label
        return {c: r for c, r in figures.rows_by_code(figs).items() if c.startswith(("members.", "moves."))}

    assert history(before) == history(after) and len(history(before)) == 17
    now = computed(now)
    # 2026: "old" and "later_removed" removed, "mistake" moved out of the commune; the move inside it is no transfer
    assert now["members.start.union"] == 8 and now["members.end.union"] == 5
    assert now["moves.transferred_out"] == 1 and now["moves.removed"] == 2 and now["members.end.youth"] == 1


def test_a_past_state_is_rebuilt_from_history_not_from_the_columns(app, db, tree):
    """A member who was a youth on the roll of B1 on 1 January, admitted in March, moved to C2 in May and removed there
    in November: C1 counts a youth at the start and nobody at the end; C2 nobody at the start, no member at the end."""
    d = date
    p = person(db, tree.B2, "Lê Thị Lịch Sử", status="removed", history=[
        ev("registered", d(2024, 10, 1), tree.B1), ev("joined", d(2025, 3, 26), tree.B1),
        ev("transferred_out", d(2025, 5, 1), tree.B1, tree.B2), ev("transferred_in", d(2025, 5, 1), tree.B2, tree.B1),
        ev("removed", d(2025, 11, 1), tree.B2)])
    db.session.commit()
    with app.test_request_context():
        c1 = computed(figures.compute(tree.C1, YEAR))
        c2 = computed(figures.compute(tree.C2, YEAR))
        mid = computed(figures.compute(tree.C2, YEAR, today=d(2025, 6, 30)))
    assert (c1["members.start.youth"], c1["members.end.total"], c1["moves.joined"], c1["moves.transferred_out"]) == (
        1, 0, 1, 1)
    assert (c2["members.start.total"], c2["members.end.total"], c2["moves.transferred_in"], c2["moves.removed"]) == (
        0, 0, 1, 1)
    assert mid["members.end.union"] == 1 and mid["moves.removed"] == 0  # on 30/06/2025 the member was in C2
    assert p.status == "removed"


# ---- the records behind each figure ---------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["C1", "P"])
def test_the_records_behind_each_figure_are_that_many(app, db, world, where):
    unit = getattr(world.tree, where)
    with app.test_request_context():
        figs = figures.compute(unit, YEAR, today=date(2026, 12, 1))
        for code, row in figures.rows_by_code(figs).items():
            rec = figures.records(unit, YEAR, code, today=date(2026, 12, 1))
            rows = db.session.execute(rec.stmt).unique().all()
            assert len(rows) == (figures.countable(row) or 0), (code, len(rows), row)
            assert rec.label == row["label"] and rec.share == (row["kind"] == "percent"), code
            assert rec.kind in ("people", "units", "activities", "steps", "classes", "inspections", "actions")


def test_a_code_that_is_no_figure_is_refused(app, db, world):
    with app.test_request_context():
        for code in ("x", "members.start.martian", "moves.registered", "mgrade.gold", "target.nope", "yw.admitted",
                     "ugrade.province.total", "review.paper_before", "members.start", "cons.x.y"):
            with pytest.raises(KeyError):
                figures.records(world.tree.C1, YEAR, code)


# ---- statements: fixed whatever the number of communes ----------------------------------------------------------------
def _province_with(db, make_unit, n):
    catalogue.ensure()
    from app.targets import catalogue as target_catalogue

    target_catalogue.ensure()
    p = make_unit(name=f"Tỉnh {n}", code=f"T{n}", commit=False)
    ind = db.session.scalar(select(Indicator).where(Indicator.code == "admitted"))
    db.session.add(Target(unit_id=p.id, unit_path=p.path, year=YEAR, indicator_id=ind.id, value=10, status="approved"))
    db.session.add(Campaign(unit_id=p.id, unit_path=p.path, year=YEAR, title="Rà soát", starts_on=date(2025, 3, 1),
                            ends_on=date(2025, 3, 31), status="closed"))
    for i in range(n):
        c = make_unit(p, level="commune", name=f"Xã {n}-{i}", code=f"X{n}-{i}", commit=False)
        b = make_unit(c, name=f"Thôn {n}-{i}", code=f"B{n}-{i}", commit=False)
        person(db, b, f"Người {n}-{i}", history=[ev("registered", date(2024, 1, 1)), ev("joined", date(2025, 3, 1))])
        db.session.add(TrainingClass(kind="sympathizer", title="Lớp", unit_id=c.id, unit_path=c.path,
                                     starts_on=date(2025, 4, 1), ends_on=date(2025, 4, 5), status="finished"))
    db.session.commit()
    return p


def test_statements_do_not_grow_with_the_communes(app, db, make_unit):
    counts = []
    seen = []

    def count(*args, **kw):
        seen.append(1)

    for n in (2, 6):
        p = _province_with(db, make_unit, n)
        seen.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            with app.test_request_context():
                figs = figures.compute(p, YEAR)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert figures.rows_by_code(figs)["members.end.union"]["value"] == n
        counts.append(len(seen))
    assert counts[0] == counts[1] <= 30, counts
