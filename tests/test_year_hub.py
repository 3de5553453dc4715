"""The year's page of a unit: where each part of the close stands, counted from the rows; the same number of
statements for a commune of 2 branches as for one of 12; out of scope refused."""
from datetime import date

from app.year import catalogue
from app.year.models import ConsolidationPlan, MemberEvaluation, UnitGrade, YearReport
from app.year.queries import default_year, hub, issuer_lines
from tests.conftest import sql_count

YEAR = date.today().year


def _grade(db, unit, weak, decided=True):
    failed = next(g for g in catalogue.grades("unit") if g.code == "failed")
    db.session.add(UnitGrade(unit_id=unit.id, unit_path=unit.path, year=YEAR, proposed_grade_id=failed.id,
                             grade_id=failed.id if decided else None, weak=weak))


def test_hub_counts_the_rows(db, tree, make_unit):
    catalogue.ensure()
    extra = make_unit(tree.C1, name="Chi đoàn Thôn 9", code="B9")
    db.session.add_all([MemberEvaluation(unit_id=tree.B1.id, unit_path=tree.B1.path, year=YEAR, status="approved"),
                        MemberEvaluation(unit_id=extra.id, unit_path=extra.path, year=YEAR, status="submitted"),
                        MemberEvaluation(unit_id=tree.B2.id, unit_path=tree.B2.path, year=YEAR - 1, status="approved")])
    _grade(db, tree.B1, weak=True)
    _grade(db, extra, weak=False, decided=False)
    db.session.add(ConsolidationPlan(unit_id=tree.C1.id, unit_path=tree.C1.path, year=YEAR, title="Kế hoạch"))
    db.session.add(YearReport(unit_id=tree.C1.id, unit_path=tree.C1.path, year=YEAR, status="submitted"))
    db.session.commit()
    h = hub(tree.C1, YEAR)
    assert (h["branches"], h["evaluations"], h["submitted"], h["approved"]) == (2, 2, 1, 1)
    assert (h["children"], h["graded"], h["weak"]) == (2, 1, 1)
    assert h["plan"].title == "Kế hoạch" and h["plan_entries"] == 0
    assert h["report"].status == "submitted"
    assert hub(tree.B1, YEAR)["evaluation_status"] == "approved"
    d = hub(tree.D, YEAR)  # the subtree: B2's evaluation is of last year
    assert (d["branches"], d["evaluations"], d["weak"]) == (3, 2, 1)


def test_hub_page_scoped_and_bounded(client, db, tree, make_unit, make_user, login):
    login(make_user("xa.officer", (tree.C1, "officer")))
    resp = client.get(f"/year/units/{tree.C1.id}?year={YEAR}")
    assert resp.status_code == 200
    assert "Tổng kết năm" in resp.text
    few = sql_count(resp)
    for i in range(10):
        make_unit(tree.C1, name=f"Chi đoàn Thêm {i}", code=f"BX{i}")
    assert sql_count(client.get(f"/year/units/{tree.C1.id}?year={YEAR}")) == few
    assert client.get(f"/year/units/{tree.C2.id}").status_code == 403
    assert client.get("/year/units/999999").status_code == 404
    index = client.get("/year/")
    assert index.status_code == 200 and tree.C1.name in index.text


def test_default_year_and_issuer(tree):
    assert default_year(date(2026, 12, 1)) == 2026
    assert default_year(date(2027, 1, 15)) == 2026
    assert issuer_lines(tree.C1) == ["BCH HUYỆN ĐOÀN MỘT", "BCH ĐOÀN XÃ AN PHÚ"]
    assert issuer_lines(tree.P, "Ban Tổ chức – Kiểm tra") == ["BCH TỈNH ĐOÀN THỬ", "BAN TỔ CHỨC – KIỂM TRA"]
