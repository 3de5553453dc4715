"""The restructuring's engine on the test tree: every kind of record is accounted for before and after, the paths
of everything below follow, the preview's numbers are what moved, and an undo puts everything back."""
from datetime import date

import pytest
from sqlalchemy import func, select

from app.auth.models import RoleGrant
from app.inspections.models import CorrectiveAction
from app.members.models import Person, PersonEvent
from app.restructure import paths, plans, services
from app.restructure.models import RestructureOp
from app.targets.models import Target
from app.units.models import Unit
from tests.factories_members import person_in
from tests.factories_restructure import applied

EFF = date(2025, 7, 1)


@pytest.fixture
def admin(make_user, tree):
    return make_user("tinh.admin", (tree.P, "admin"))


@pytest.fixture
def people(db, tree):
    out = {b: [person_in(db, getattr(tree, b), commit=False) for _ in range(3)] for b in ("B1", "B2", "B3")}
    db.session.commit()
    return out


def kinds(db):
    """Rows per kind: nothing is ever deleted by an operation."""
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
            for m in (Unit, Person, CorrectiveAction, Target, RoleGrant)}


def test_merge_two_communes_into_a_new_ward(db, tree, admin, people, make_user):
    officer = make_user("xa.officer", (tree.C1, "officer"))
    before = kinds(db)
    plan = plans.merge(admin, sources=[tree.C1, tree.C2], new={"parent": tree.D, "name": "Đoàn phường Mới",
                                                                "code": "PM"},
                       decision="QĐ 1/QĐ-TĐTN", effective_on=EFF)
    assert plan.counts["units"] == 2 and plan.counts["people"] == 6 and plan.counts["grants"] == 1
    op = applied(db, plan, admin)
    new = db.session.get(Unit, op.params["created_id"])
    b1, c1 = db.session.get(Unit, tree.B1.id), db.session.get(Unit, tree.C1.id)
    assert b1.parent_id == new.id and b1.path == f"{new.path}{b1.id}/"
    assert c1.status == "merged" and c1.merged_into_id == new.id and c1.closed_on == EFF
    assert all(p.unit_path.startswith(new.path) for p in db.session.scalars(select(Person).where(
        Person.unit_id.in_([tree.B1.id, tree.B2.id]))))
    after = kinds(db)
    assert after["unit"] == before["unit"] + 1 and after["person"] == before["person"]
    assert after["role_grant"] == before["role_grant"] + 1  # the officer's grant on C1 is now one on the ward
    grants = db.session.scalars(select(RoleGrant).where(RoleGrant.user_id == officer.id)).all()
    assert {(g.unit_id, g.revoked_at is None) for g in grants} == {(tree.C1.id, False), (new.id, True)}
    events = db.session.scalar(select(func.count()).select_from(PersonEvent).where(PersonEvent.kind == "restructured"))
    assert events == 6


def test_dissolve_the_district_and_undo(db, tree, admin, people, make_user):
    make_user("huyen.admin", (tree.D, "admin"))
    before = kinds(db)
    plan = plans.dissolve(admin, units=[tree.D], decision="NQ 1686", effective_on=EFF)
    op = applied(db, plan, admin)
    c1, d = db.session.get(Unit, tree.C1.id), db.session.get(Unit, tree.D.id)
    assert c1.parent_id == tree.P.id and c1.depth == 1 and d.status == "closed"
    assert db.session.scalar(select(func.count()).select_from(RoleGrant).where(
        RoleGrant.unit_id == tree.D.id, RoleGrant.revoked_at.is_(None))) == 0
    assert kinds(db)["person"] == before["person"]
    undo = plans.undo(admin, op)
    assert undo.ok, undo.conflicts
    back = services.apply(undo, by=admin)
    db.session.expire_all()
    for key in plans.COUNTED:  # the undo's preview too is what it moved
        assert (back.moved or {}).get(key, 0) == undo.counts.get(key, 0), (key, back.moved, undo.counts)
    assert undo.counts["people"] == 6 and undo.counts["units"] == 2  # C1 and C2 back under D, with B1, B2
    c1, d = db.session.get(Unit, tree.C1.id), db.session.get(Unit, tree.D.id)
    assert c1.parent_id == tree.D.id and c1.path == tree.C1.path and d.status == "active"
    assert db.session.get(RestructureOp, op.id).status == "undone"
    assert paths.mismatches() == []
    assert db.session.scalar(select(func.count()).select_from(RoleGrant).where(
        RoleGrant.unit_id == tree.D.id, RoleGrant.revoked_at.is_(None))) == 1


def test_split_a_branch_moves_the_chosen_people(db, tree, admin, people):
    chosen = [p.id for p in people["B1"][:2]]
    plan = plans.split(admin, unit=tree.B1, name="Chi đoàn Thôn 1B", code="B1B", person_ids=chosen,
                       decision="QĐ 2", effective_on=EFF)
    op = applied(db, plan, admin)
    new_id = op.params["created_id"]
    assert sorted(db.session.scalars(select(Person.id).where(Person.unit_id == new_id))) == sorted(chosen)


def test_a_clash_of_codes_is_a_conflict_unless_renamed(db, tree, admin, make_unit):
    make_unit(tree.P, level="commune", name="Đoàn xã An Phú", code="C1")
    plan = plans.dissolve(admin, units=[tree.D], decision="NQ", effective_on=EFF)
    assert not plan.ok and any("C1" in c for c in plan.conflicts)
    plan = plans.dissolve(admin, units=[tree.D], decision="NQ", effective_on=EFF, rename=True)
    op = applied(db, plan, admin)
    assert db.session.get(Unit, tree.C1.id).code == "D-C1"
    assert op.moved["renamed"] == 1


def test_only_an_admin_above_every_unit_may(db, tree, make_user):
    commune_admin = make_user("xa.admin", (tree.C1, "admin"))
    plan = plans.merge(commune_admin, sources=[tree.C1, tree.C2], target=None,
                       new={"parent": tree.D, "name": "X", "code": "X"}, decision="QĐ", effective_on=EFF)
    assert not plan.ok


def test_a_second_identical_merge_is_refused_not_applied_twice(db, tree, admin, people, make_unit):
    """Two admins confirm the same merge: the second finds the records changed (its preview is stale) and nothing
    of it runs."""
    b1b = make_unit(tree.C1, name="Chi đoàn Thôn 1B", code="B1B")

    def build():
        return plans.merge(admin, sources=[db.session.get(Unit, tree.B1.id), db.session.get(Unit, b1b.id)],
                           target=None,
                           new={"parent": tree.C1, "name": "Chi đoàn Mới", "code": "BM"},
                           decision="QĐ 3", effective_on=EFF)
    first, second = build(), build()
    assert first.fingerprint == second.fingerprint
    applied(db, first, admin)
    with pytest.raises(services.PlanChanged):
        services.apply(second, by=admin, recheck=build)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RestructureOp)) == 1


def test_an_operation_still_running_on_the_same_units_refuses_another(db, tree, admin, people):
    plan = plans.move(admin, unit=tree.C1, parent=tree.P, decision="QĐ 4", effective_on=EFF)
    op = services.start(plan, by=admin)  # started, not run: as if its background thread were still at work
    again = plans.move(admin, unit=tree.C1, parent=tree.P, decision="QĐ 4", effective_on=EFF)
    with pytest.raises(services.Busy):
        services.start(again, by=admin)
    db.session.rollback()
    services.run(op.id)
    assert db.session.get(Unit, tree.C1.id).parent_id == tree.P.id


def test_after_a_merge_officers_see_the_successor_only_if_granted_and_read_the_history(db, tree, admin, people,
                                                                                        make_user, client, login):
    """The C1 officer's grant is carried to the new ward (listed in the preview); C2's officer's grant is revoked by
    an admin afterwards: C2's officer no longer sees the ward. A ward officer reads the merged communes' pages
    (their history) but may not edit them."""
    c1_officer = make_user("c1.officer", (tree.C1, "officer"))
    c2_officer = make_user("c2.officer", (tree.C2, "officer"))
    plan = plans.merge(admin, sources=[tree.C1, tree.C2], new={"parent": tree.D, "name": "Đoàn phường Mới",
                                                                "code": "PM"}, decision="QĐ 5", effective_on=EFF)
    op = applied(db, plan, admin)
    ward = op.params["created_id"]
    from app.auth.services import revoke_grant

    carried = db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == c2_officer.id, RoleGrant.unit_id == ward))
    revoke_grant(grant=carried, revoked_by=admin)
    db.session.commit()
    login(c1_officer)
    assert client.get(f"/units/{ward}").status_code == 200
    assert client.get(f"/units/{tree.C1.id}").status_code == 200  # the history of what the ward was formed from
    assert client.get(f"/units/{tree.C1.id}/edit").status_code == 403
    assert client.get(f"/units/{tree.C3.id}").status_code == 403
    client.post("/auth/logout")
    login(c2_officer)
    assert client.get(f"/units/{ward}").status_code == 403
    assert client.get(f"/units/{tree.C2.id}").status_code == 403


def test_targets_and_open_actions_follow_a_merge_and_come_back_on_undo(db, tree, admin):
    """C1 and C2 each had an approved target for this year: the ward's is their sum, approved by the decision; C1's
    open follow-up action is the ward's now. The undo puts the action back and sets the ward's target aside."""
    from app.inspections import services as inspections
    from app.targets import catalogue
    from app.targets.models import Indicator

    catalogue.ensure()
    indicator = db.session.scalar(select(Indicator).where(Indicator.code == "admitted"))
    year = date.today().year
    for unit, value in ((tree.C1, 12), (tree.C2, 8)):
        db.session.add(Target(unit_id=unit.id, unit_path=unit.path, year=year, indicator_id=indicator.id, number=1,
                              value=value, status="approved"))
    action = inspections.add_followup(origin="consolidation", owner_unit=tree.C1, verifier_unit=tree.D,
                                      finding="Sổ đoàn viên chưa cập nhật", remedy="Củng cố sổ đoàn viên",
                                      due_on=date(year, 12, 31))
    db.session.commit()
    plan = plans.merge(admin, sources=[tree.C1, tree.C2], new={"parent": tree.D, "name": "Đoàn phường Mới",
                                                                "code": "PM"}, decision="QĐ 6", effective_on=date.today())
    assert plan.counts["targets"] == 1  # one indicator: one new version of the ward, the sum of both
    op = applied(db, plan, admin)
    ward = op.params["created_id"]
    current = db.session.scalars(select(Target).where(Target.unit_id == ward, Target.status != "superseded")).all()
    assert [(t.value, t.status) for t in current] == [(20, "approved")]
    assert db.session.get(CorrectiveAction, action.id).owner_unit_id == ward
    services.apply(plans.undo(admin, op), by=admin)
    db.session.expire_all()
    assert db.session.scalars(select(Target).where(Target.unit_id == ward, Target.status != "superseded")).all() == []
    assert db.session.get(CorrectiveAction, action.id).owner_unit_id == tree.C1.id
    assert paths.mismatches() == []


def test_an_operation_that_stops_half_way_is_recorded_and_resumes(db, tree, admin, people, monkeypatch):
    """The dissolve of D is one step per district; a failure in a step rolls that step back, marks the operation
    "failed" with the error, and a later run resumes at that step. Or the admin undoes what was done."""
    make = services.Runner.retire
    calls = {"n": 0}

    def flaky(self, *args):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("mất kết nối")
        return make(self, *args)

    monkeypatch.setattr(services.Runner, "retire", flaky)
    plan = plans.dissolve(admin, units=[tree.D], decision="NQ 7", effective_on=EFF)
    op = services.apply(plan, by=admin)
    db.session.expire_all()
    op = db.session.get(RestructureOp, op.id)
    assert op.status == "failed" and "mất kết nối" in op.error and op.steps_done == 0
    assert db.session.get(Unit, tree.C1.id).parent_id == tree.D.id  # the step rolled back whole
    assert paths.mismatches() == []
    op = services.run(op.id)
    assert op.status == "applied" and db.session.get(Unit, tree.C1.id).parent_id == tree.P.id


def test_two_communes_with_a_branch_of_one_name_merge_into_a_new_ward_only_when_told_apart(db, tree, admin,
                                                                                            make_unit):
    """QA: "Chi đoàn Thôn 5" in both communes: a conflict named after the new ward, resolved by the rename option."""
    make_unit(tree.C2, name="Chi đoàn Thôn 1", code="B1")  # the same name and code as C1's B1
    new = {"parent": tree.D, "name": "Đoàn phường Mới", "code": "PM"}
    plan = plans.merge(admin, sources=[tree.C1, tree.C2], new=new, decision="QĐ 8", effective_on=EFF)
    assert any("Đoàn phường Mới" in c for c in plan.conflicts), plan.conflicts
    plan = plans.merge(admin, sources=[tree.C1, tree.C2], new=new, decision="QĐ 8", effective_on=EFF, rename=True)
    op = applied(db, plan, admin)
    names = sorted(db.session.scalars(select(Unit.name).where(Unit.parent_id == op.params["created_id"])))
    assert names == ["Chi đoàn Thôn 1", "Chi đoàn Thôn 1 (Đoàn xã Bình Minh)", "Chi đoàn Thôn 2"]


def test_percent_targets_are_not_summed(db, tree, admin):
    from app.targets import catalogue
    from app.targets.models import Indicator

    catalogue.ensure()
    percent = db.session.scalar(select(Indicator).where(Indicator.kind == "percent").limit(1))
    for unit in (tree.C1, tree.C2):
        db.session.add(Target(unit_id=unit.id, unit_path=unit.path, year=date.today().year, indicator_id=percent.id,
                              number=1, value=75, status="approved"))
    db.session.commit()
    plan = plans.merge(admin, sources=[tree.C1], target=tree.C2, decision="QĐ 9", effective_on=date.today())
    assert plan.counts["targets"] == 0
    applied(db, plan, admin)
    assert db.session.scalars(select(Target.value).where(Target.unit_id == tree.C2.id,
                                                         Target.status != "superseded")).all() == [75]


def test_an_operation_whose_process_died_is_seen_as_stalled_and_resumes(db, tree, admin, client, login):
    """A background operation whose worker was restarted stays "running" with no step: after a few minutes its page
    offers "Tiếp tục" and the resume runs the steps left."""
    from datetime import timedelta

    from app.dates import utcnow

    plan = plans.move(admin, unit=tree.C1, parent=tree.P, decision="QĐ 10", effective_on=EFF)
    op = services.start(plan, by=admin)
    assert not db.session.get(RestructureOp, op.id).stalled
    db.session.get(RestructureOp, op.id).created_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    login(admin)
    assert "Tiếp tục" in client.get(f"/units/restructure/ops/{op.id}").text
    assert client.post(f"/units/restructure/ops/{op.id}/resume").status_code == 303
    db.session.expire_all()
    assert db.session.get(RestructureOp, op.id).status == "applied"
    assert db.session.get(Unit, tree.C1.id).parent_id == tree.P.id


def test_two_branches_of_one_name_in_one_merged_commune_are_told_apart_by_their_codes(db, tree, admin, make_unit):
    make_unit(tree.C1, name="Chi đoàn Thôn 1", code="B1X")  # C1 already has a "Chi đoàn Thôn 1" (B1)
    make_unit(tree.C2, name="Chi đoàn Thôn 1", code="B1")
    plan = plans.merge(admin, sources=[tree.C1, tree.C2], new={"parent": tree.D, "name": "Đoàn phường Mới",
                                                                "code": "PM"}, decision="QĐ 11", effective_on=EFF,
                       rename=True)
    op = applied(db, plan, admin)
    names = sorted(db.session.scalars(select(Unit.name).where(Unit.parent_id == op.params["created_id"])))
    assert len(set(n.casefold() for n in names)) == len(names) == 4, names
