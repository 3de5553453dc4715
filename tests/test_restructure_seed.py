"""The demo's restructuring history, and the province's 2025 replay scaled down to the small demo.

The small demo records a past merge of two branches of Xuân Hòa (app/restructure/seed.py). Then, on this module's own
copy of the demo (its records of every domain: people, classes, inspections, open actions, targets, accounts'
grants), the province's replay runs as the province seed runs it — both districts dissolved at once — followed by a
commune merge and a branch split: per kind every record is accounted for, the paths follow, the previews' numbers are
what moved, and scoped access follows the grants (carried on a merge, revoked on a dissolved level)."""
from datetime import date

import pytest
from sqlalchemy import func, select

from app.access import has_role
from app.auth.models import RoleGrant, User
from app.auth.passwords import DEMO_PASSWORD
from app.classes.models import TrainingClass
from app.dates import utcnow
from app.inspections.models import CorrectiveAction, Inspection
from app.members.models import Person, PersonEvent, PersonPastUnit
from app.restructure import paths, plans, services
from app.restructure import seed as restructure_seed
from app.restructure.models import RestructureMove, RestructureOp
from app.targets.models import Target
from app.units.models import Unit, UnitPastPlace
from tests.factories_restructure import applied

EFF = restructure_seed.EFFECTIVE_ON
KINDS = {"units": Unit, "people": Person, "classes": TrainingClass, "inspections": Inspection,
         "actions": CorrectiveAction, "targets": Target, "grants": RoleGrant}


def census(db):
    """Rows per kind, and people per (status, commune or branch they belong to is still a unit): nothing is lost."""
    out = {k: db.session.scalar(select(func.count()).select_from(m)) for k, m in KINDS.items()}
    out["people_by_status"] = dict(db.session.execute(select(Person.status, func.count()).group_by(Person.status)).all())
    out["open_actions"] = db.session.scalar(select(func.count()).select_from(CorrectiveAction).where(
        CorrectiveAction.status.in_(services.OPEN_ACTION)))
    out["active_grants"] = db.session.scalar(select(func.count()).select_from(RoleGrant).where(
        RoleGrant.revoked_at.is_(None)))
    return out


def unit(db, code):
    return db.session.scalar(select(Unit).where(Unit.code == code))


def user(db, username):
    return db.session.scalar(select(User).where(User.username == username))


def accounted(db, before, op):
    """Per kind after == before + what the operation made (a split's new unit, a carried grant, an absorbed target)."""
    after = census(db)
    moves = db.session.scalars(select(RestructureMove).where(RestructureMove.op_id == op.id)).all()
    new_grants = sum(1 for m in moves if m.kind == "grant" and (m.detail or {}).get("new_grant_id"))
    revoked = sum(1 for m in moves if m.kind == "grant")
    assert after["units"] == before["units"] + op.moved.get("created", 0)
    for kind in ("people", "people_by_status", "classes", "inspections", "actions", "open_actions"):
        assert after[kind] == before[kind], kind
    assert after["targets"] == before["targets"] + op.moved.get("targets", 0)
    assert after["grants"] == before["grants"] + new_grants
    assert after["active_grants"] == before["active_grants"] - revoked + new_grants
    return after


# ---- the small demo's own history ------------------------------------------------------------------------------------
def test_the_small_demo_records_a_past_branch_merge(demo_db):
    db = demo_db
    ops = db.session.scalars(select(RestructureOp)).all()
    assert [(o.kind, o.status, o.decision, o.effective_on) for o in ops] == [
        ("merge", "applied", restructure_seed.BRANCH_DECISION, date(2025, 7, 1))]
    op = ops[0]
    assert op.created_by.username == "tinh.admin" and op.preview["people_moved"] == op.moved["people_moved"] > 0
    (closed,) = db.session.scalars(select(Unit).where(Unit.status == "merged")).all()
    successor = db.session.get(Unit, closed.merged_into_id)
    assert closed.parent_id == successor.parent_id == unit(db, restructure_seed.SMALL_COMMUNE).id
    assert closed.closed_on == EFF and successor.is_active
    # history: where each person was until the merge, an event each, what moved
    assert db.session.scalar(select(func.count()).select_from(PersonPastUnit).where(
        PersonPastUnit.operation_id == op.id, PersonPastUnit.unit_id == closed.id)) == op.moved["people_moved"]
    assert db.session.scalar(select(func.count()).select_from(PersonEvent).where(
        PersonEvent.kind == "restructured", PersonEvent.other_unit_id == closed.id)) == op.moved["people_moved"]
    assert db.session.scalar(select(func.count()).select_from(RestructureMove).where(
        RestructureMove.op_id == op.id, RestructureMove.kind == "person")) == op.moved["people_moved"]
    assert db.session.scalar(select(func.count()).select_from(Person).where(Person.unit_id == closed.id)) == 0
    assert paths.mismatches() == []
    # the two districts the huyen.* accounts use are still there
    assert {u.code for u in db.session.scalars(select(Unit).where(Unit.level == "district", Unit.status == "active"))} \
        == {"QX", "TX"}


# ---- the province's replay, scaled down ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def replay(demo_app):
    """Dissolve the district level (all districts in one operation, as the province seed does), merge a commune into
    another, split a branch; the census before and after each."""
    from app.extensions import db

    with demo_app.app_context():
        admin = user(db, "tinh.admin")
        province = db.session.scalar(select(Unit).where(Unit.level == "province"))
        out = {"before": census(db)}
        districts = db.session.scalars(select(Unit).where(Unit.level == "district")).all()
        out["people_in_districts"] = sum(db.session.scalar(select(func.count()).select_from(Person).where(
            Person.unit_path.like(d.path + "%"))) for d in districts)
        districts = [d.id for d in districts]
        plan = plans.dissolve(admin, units=[db.session.get(Unit, i) for i in districts],
                              decision=restructure_seed.DISSOLVE_DECISION, effective_on=EFF)
        op = applied(db, plan, admin)
        out["dissolve"] = op.id
        out["after_dissolve"] = accounted(db, out["before"], op)
        out["districts"] = districts

        source, target = unit(db, "QX-QN"), unit(db, "QX-QT")  # xa.* work in Quảng Ngọc
        plan = plans.merge(admin, sources=[source], target=target, decision=restructure_seed.MERGE_DECISION,
                           effective_on=EFF, rename=True)
        out["merge_grants"] = len(plan.grants)
        op = applied(db, plan, admin)
        out["merge"] = op.id
        out["after_merge"] = accounted(db, out["after_dissolve"], op)

        branch = db.session.scalar(select(Unit).where(Unit.parent_id == target.id, Unit.status == "active",
                                                      Unit.level == "branch").order_by(Unit.id))
        people = db.session.scalars(select(Person.id).where(Person.unit_id == branch.id).order_by(Person.id)).all()
        plan = plans.split(admin, unit=branch, name=f"{branch.name} B", code=f"{branch.code}B",
                           person_ids=people[: len(people) // 2], decision="Quyết định số 7/QĐ-ĐTN (demo)",
                           effective_on=EFF)
        op = applied(db, plan, admin)
        out["split"] = op.id
        out["after_split"] = accounted(db, out["after_merge"], op)
        out["split_people"] = people[: len(people) // 2]
        out.update(province=province.id, source=source.id, target=target.id, branch=branch.id)
        db.session.remove()
    return out


def test_dissolving_the_district_level_moves_every_commune_under_the_province(demo_db, replay):
    db = demo_db
    op = db.session.get(RestructureOp, replay["dissolve"])
    assert op.moved["closed"] == 2 and op.moved["units"] == 5 and op.steps_total == 2  # one step per district
    assert op.moved["people"] == replay["people_in_districts"] > 1000  # every person below a district
    for d in replay["districts"]:
        district = db.session.get(Unit, d)
        assert district.status == "closed" and district.merged_into_id == replay["province"]
        assert db.session.scalar(select(func.count()).select_from(Unit).where(
            Unit.parent_id == d, Unit.status == "active")) == 0
        assert db.session.scalar(select(func.count()).select_from(UnitPastPlace).where(
            UnitPastPlace.parent_id == d, UnitPastPlace.operation_id == op.id)) > 0
    communes = db.session.scalars(select(Unit).where(Unit.level == "commune", Unit.status == "active")).all()
    assert communes and all(c.parent_id == replay["province"] and c.depth == 1 for c in communes)
    # a dissolved level's grants are revoked, not widened to the province
    assert db.session.scalar(select(func.count()).select_from(RoleGrant).where(
        RoleGrant.unit_id.in_(replay["districts"]), RoleGrant.revoked_at.is_(None))) == 0


def test_the_merge_and_the_split_move_what_the_preview_said(demo_db, replay):
    db = demo_db
    merge, split = (db.session.get(RestructureOp, replay[k]) for k in ("merge", "split"))
    source = db.session.get(Unit, replay["source"])
    assert source.status == "merged" and source.merged_into_id == replay["target"]
    assert merge.moved["grants"] == replay["merge_grants"] > 0
    assert db.session.scalar(select(func.count()).select_from(Unit).where(
        Unit.parent_id == source.id, Unit.status == "active")) == 0
    new = db.session.get(Unit, split.params["created_id"])
    assert new.parent_id == replay["target"] and split.moved["people_moved"] == len(replay["split_people"])
    assert sorted(db.session.scalars(select(Person.id).where(Person.unit_id == new.id))) == replay["split_people"]
    assert paths.mismatches() == []


def _page(app, username, unit_id):
    client = app.test_client()
    assert client.post("/auth/login", data={"username": username, "password": DEMO_PASSWORD}).status_code == 303
    return client.get(f"/units/{unit_id}").status_code


def test_a_merged_communes_officer_sees_the_successor_only_while_granted_on_it(demo_app, demo_db, replay):
    db = demo_db
    target = db.session.get(Unit, replay["target"])
    officer = user(db, "xa.officer")  # granted on Quảng Ngọc: the grant was carried to Quảng Trạch
    assert has_role(officer, target, ("officer",))
    assert _page(demo_app, "xa.officer", target.id) == 200
    assert _page(demo_app, "xa2.officer", target.id) == 403  # another commune's officer: never granted
    assert not has_role(user(db, "huyen.officer"), target, ("officer",))  # the dissolved district's: revoked
    assert _page(demo_app, "huyen.officer", target.id) == 403
    # the admins adjust after the preview: the carried grant revoked, the successor is out of reach
    for grant in db.session.scalars(select(RoleGrant).where(RoleGrant.user_id == officer.id,
                                                            RoleGrant.unit_id == target.id,
                                                            RoleGrant.revoked_at.is_(None))):
        grant.revoked_at = utcnow()
    db.session.commit()
    assert not has_role(db.session.get(User, officer.id), db.session.get(Unit, target.id), ("officer",))
    assert _page(demo_app, "xa.officer", target.id) == 403
