"""The grades in force and the rules' numbers (/year/catalogue): everyone with a role reads them; a province admin
renames, adds and retires grades (never deletes one) and changes the numbers, with versioned forms."""
import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.year import catalogue, rules
from app.year.models import Grade, GradingRule
from tests.conftest import errors_in


@pytest.fixture
def world(db, tree, make_user):
    catalogue.ensure()
    db.session.commit()
    make_user("tinh.admin", (tree.P, "admin"))
    make_user("tinh.admin2", (tree.P, "admin"))
    make_user("tinh.officer", (tree.P, "officer"))
    make_user("xa.officer", (tree.C1, "officer"))
    return {g.code: g for g in catalogue.grades("member")}


@pytest.fixture
def as_(client, login):
    def do(username):
        client.post("/auth/logout")
        return login(username)
    return do


def fresh(db, grade):
    db.session.expire_all()
    return db.session.get(Grade, grade.id)


def rename(client, grade, name, version=None):
    return client.post(f"/year/catalogue/grades/{grade.id}/rename",
                       data={f"r{grade.id}-name": name, f"r{grade.id}-version": version or grade.version})


def rules_post(client, **values):
    """values: {code with "_" for ".": (new, shown, version)}"""
    data = {}
    for key, (new, shown, version) in values.items():
        code = key.replace("__", ".")
        data.update({f"rule-{code}": new, f"o-{code}": shown, f"v-{code}": version})
    return client.post("/year/catalogue/rules", data=data)


def test_everyone_reads_only_the_province_admin_writes(client, db, world, as_):
    as_("xa.officer")
    resp = client.get("/year/catalogue")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Hoàn thành xuất sắc nhiệm vụ" in html and "Xuất sắc: dự sinh hoạt tối thiểu (%)" in html
    assert "Đổi tên" not in html and "Lưu thông số" not in html and "<dd>90</dd>" in html
    g = world["good"]
    for who in ("xa.officer", "tinh.officer"):
        as_(who)
        assert rename(client, g, "Khá").status_code == 403
        assert client.post("/year/catalogue/grades/new", data={"new-kind": "member", "new-name": "Khá",
                                                               "new-rank": 3}).status_code == 403
        assert client.post(f"/year/catalogue/grades/{g.id}/active", data={"version": g.version, "active": "0"}
                           ).status_code == 403
        assert rules_post(client, member__good__attendance=("70", "75", "0")).status_code == 403
    assert fresh(db, g).name == "Hoàn thành tốt nhiệm vụ" and not db.session.scalars(select(GradingRule)).all()


def test_rename_add_retire_and_bring_back(client, db, world, as_):
    as_("tinh.admin")
    g = world["good"]
    shown = g.version
    assert "Đổi tên" in client.get("/year/catalogue").get_data(as_text=True)
    resp = rename(client, g, "  ")
    assert resp.status_code == 422 and "Nhập tên xếp loại." in errors_in(resp.data)
    resp = rename(client, g, "hoàn thành xuất sắc nhiệm vụ")
    assert resp.status_code == 422 and "Đã có xếp loại" in " ".join(errors_in(resp.data))
    assert rename(client, g, "Hoàn thành tốt nhiệm vụ (khá)").status_code == 303
    assert fresh(db, g).name == "Hoàn thành tốt nhiệm vụ (khá)" and fresh(db, g).code == "good"
    # a stale form: the conflict page
    resp = rename(client, g, "Tốt", version=shown)
    assert resp.status_code == 409 and fresh(db, g).name == "Hoàn thành tốt nhiệm vụ (khá)"

    add = {"new-kind": "unit", "new-name": "Khá", "new-rank": "3"}
    assert client.post("/year/catalogue/grades/new", data=add).status_code == 303
    assert client.post("/year/catalogue/grades/new", data=add).status_code == 303  # a double tap: one grade
    added = db.session.scalars(select(Grade).where(Grade.kind == "unit", Grade.name == "Khá")).all()
    assert len(added) == 1 and added[0].code == "kha" and added[0].rank == 3 and added[0].active
    resp = client.post("/year/catalogue/grades/new", data={"new-kind": "member", "new-name": "Khá", "new-rank": "0"})
    assert resp.status_code == 422 and "Thứ bậc từ 1 đến 99." in errors_in(resp.data)

    # retire (never delete), bring back; two stay in force
    member = {c: g for c, g in world.items()}
    for code in ("excellent", "good"):
        grade = fresh(db, member[code])
        assert client.post(f"/year/catalogue/grades/{grade.id}/active", data={"version": grade.version, "active": "0"}
                           ).status_code == 303
    assert [g.code for g in catalogue.grades("member")] == ["done", "failed"]
    grade = fresh(db, member["done"])
    resp = client.post(f"/year/catalogue/grades/{grade.id}/active", data={"version": grade.version, "active": "0"})
    assert resp.status_code == 422 and "Cần ít nhất hai xếp loại đang dùng" in resp.get_data(as_text=True)
    grade = fresh(db, member["excellent"])
    assert client.post(f"/year/catalogue/grades/{grade.id}/active", data={"version": grade.version, "active": "1"}
                       ).status_code == 303
    assert [g.code for g in catalogue.grades("member")] == ["excellent", "done", "failed"]
    assert db.session.scalar(select(func.count(Grade.id)).where(Grade.kind == "member")) == 4  # nothing deleted
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("year.grade%"))).all()
    assert sorted(actions) == sorted(["year.grade_rename", "year.grade_add", "year.grade_retire", "year.grade_retire",
                                      "year.grade_restore"])


def test_the_rules_numbers(client, db, world, as_):
    as_("tinh.admin")
    resp = rules_post(client, member__good__attendance=("bảy mươi", "75", "0"), member__good__dues=("13", "10", "0"),
                      unit__excellent__real_share=("95,5", "90", "0"))
    assert resp.status_code == 422
    errs = errors_in(resp.data)
    assert "Nhập một số từ 0 đến 100." in errs and "Không được lớn hơn 12." in errs
    assert 'value="bảy mươi"' in resp.get_data(as_text=True)  # what was typed kept
    assert not db.session.scalars(select(GradingRule)).all()
    resp = rules_post(client, member__good__attendance=("70", "75", "0"), member__good__dues=("10", "10", "0"),
                      unit__excellent__real_share=("95,5", "90", "0"))
    assert resp.status_code == 303
    values = rules.current()
    assert values["member.good.attendance"] == 70 and values["unit.excellent.real_share"] == 95.5
    assert values["member.good.dues"] == 10 and db.session.scalar(select(func.count(GradingRule.id))) == 2
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "year.rules"))
    assert entry.changes["member.good.attendance"] == [75, 70.0]
    html = client.get("/year/catalogue").get_data(as_text=True)
    assert 'value="95,5"' in html and "Mặc định: 90" in html

    # another admin's form, opened before: a number changed since is a conflict; one they did not touch is not
    row = db.session.scalar(select(GradingRule).where(GradingRule.code == "member.good.attendance"))
    as_("tinh.admin2")
    resp = rules_post(client, member__good__attendance=("80", "75", "0"))
    assert resp.status_code == 409 and rules.current()["member.good.attendance"] == 70
    resp = rules_post(client, member__good__attendance=("75", "75", "0"), member__done__dues=("5", "6", "0"))
    assert resp.status_code == 303 and rules.current()["member.good.attendance"] == 70
    assert rules.current()["member.done.dues"] == 5
    assert rules_post(client, member__good__attendance=("65", "70", str(row.version))).status_code == 303
    assert rules.current()["member.good.attendance"] == 65
