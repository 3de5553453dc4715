"""The review's pages on a phone's budget: every page of a 150-person branch's walk list ≤ 14 KB gzipped, and the
statements a page runs do not grow with the people on it (the same for 40 and 150; the campaign page the same for a
few dozen subjects as for ten times more). Figures are printed for the report."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from app.members.models import Person
from app.review import services
from app.review.models import Subject
from app.text import fold
from tests.conftest import sql_count
from tests.factories_review import TODAY
from tests.test_budget import HTML_BUDGET, SQL_CEILING, gz

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Đức", "Thu", "Ngọc", "Minh", "Hữu", "Thanh"]
GIVEN = ["Anh", "Bảo", "Châu", "Dũng", "Giang", "Hằng", "Hiếu", "Hoàng", "Khánh", "Linh", "Lộc", "Mỹ", "Nguyệt",
         "Phương", "Quyết", "Sơn", "Thảo", "Thắng", "Trường", "Tuấn", "Uyên", "Xuân", "Yến"]


def _people(db, branch, n, start=0):
    """n people of a branch, in households of 1–4 at realistic addresses, with phones and birth dates."""
    rows = []
    for i in range(start, start + n):
        name = f"{FAMILY[i % 14]} {MIDDLE[(i // 14) % 8]} {GIVEN[(i * 7) % 23]}"
        house = i // 3 + 1
        address = [f"Thôn {house % 7 + 1}, số {house}", f"Số nhà {house}, thôn {house % 7 + 1}",
                   f"thôn {house % 7 + 1} số {house}"][i % 3]
        rows.append(dict(unit_id=branch.id, unit_path=branch.path, full_name=name, name_key=fold(name),
                         birth_date=date(1994 + i % 14, 1 + i % 12, 1 + i % 28), member_type=("union", "youth")[i % 4 == 0],
                         status="active", current_address=address, phone=f"09{i:08d}", sex=("male", "female")[i % 2]))
    ids = db.session.scalars(insert(Person).returning(Person.id), rows).all()
    db.session.commit()
    return ids


def _walk_some(db, campaign, branch, every=3):
    """An outcome for every third person, with the details the row shows."""
    subjects = db.session.scalars(select(Subject).where(Subject.campaign_id == campaign.id, Subject.branch_id == branch.id)
                                  .order_by(Subject.id)).all()
    kinds = [("present", {}), ("away", {"place": "Khu công nghiệp Yên Phong, Bắc Ninh", "since": TODAY - timedelta(200)}),
             ("moved", {"place": "Phường Hạc Thành, tỉnh Thanh Hóa"}), ("not_found", {"note": "Hàng xóm không biết"}),
             ("corrected", {"phone": "0912345678", "address": "Thôn 3, số 99", "workplace": "Công ty Giày Thái Bình"})]
    for i, s in enumerate(subjects[::every]):
        kind, extra = kinds[i % len(kinds)]
        services.record_outcome(subject=s, outcome=kind, on=TODAY, **extra)
    db.session.commit()


@pytest.fixture
def big(db, review_world, make_campaign):
    w, t = review_world, review_world.tree
    _people(db, t.B1, 150)
    _people(db, w.B4, 40, start=500)
    _people(db, t.B2, 30, start=900)
    w.campaign = make_campaign(t.P)
    _walk_some(db, w.campaign, t.B1)
    _walk_some(db, w.campaign, w.B4)
    return w


def _pages(client, url):
    first = client.get(url)
    assert first.status_code == 200
    n = int((re.search(r"Trang 1 / (\d+)", first.get_data(as_text=True)) or [0, 1])[1])
    rows = [(f"{url}?page=1", gz(first.data), sql_count(first))]
    for page in range(2, n + 1):
        resp = client.get(f"{url}?page={page}")
        assert resp.status_code == 200
        rows.append((f"{url}?page={page}", gz(resp.data), sql_count(resp)))
    return rows


def test_walk_list_pages_within_budget_and_statements_flat(client, big, login, capsys):
    w, t = big, big.tree
    login(w.officer)
    rows150 = _pages(client, f"/review/{w.campaign.id}/branches/{t.B1.id}")
    rows40 = _pages(client, f"/review/{w.campaign.id}/branches/{w.B4.id}")
    with capsys.disabled():
        print("\n" + "\n".join(f"{u:<40} {s:>6} B gz {q:>3} SQL" for u, s, q in rows150 + rows40))
    assert len(rows150) >= 5 and len(rows40) >= 2  # about 25 people a page, whole households
    over = [r for r in rows150 + rows40 if r[1] > HTML_BUDGET or r[2] > SQL_CEILING]
    assert not over, over
    counts = {q for _u, _s, q in rows150 + rows40}
    assert len(counts) == 1, rows150 + rows40  # the same statements for 40 people as for 150, on every page
    # one tap's answer (the row and the branch's count) is small and flat too
    subject = client.application.extensions["sqlalchemy"].session.scalar(
        select(Subject).where(Subject.branch_id == t.B1.id, Subject.outcome.is_(None)).order_by(Subject.id))
    resp = client.post(f"/review/subjects/{subject.id}/outcome", headers={"HX-Request": "true"},
                       data={"on": TODAY.strftime("%d/%m/%Y"), f"o-{subject.id}": "present", f"t-{subject.id}": "x" * 32})
    assert resp.status_code == 200 and gz(resp.data) < 2048 and sql_count(resp) <= SQL_CEILING, sql_count(resp)


def _campaign_counts(client, w):
    t = w.tree
    out = {}
    for unit in (t.P, t.D, t.C1, t.B1):
        resp = client.get(f"/review/{w.campaign.id}?unit={unit.id}")
        assert resp.status_code == 200
        out[f"campaign ?unit={unit.code}"] = (gz(resp.data), sql_count(resp))
    for url in (f"/review/{w.campaign.id}/people?unit={t.C1.id}&outcome=visited", f"/units/{t.C1.id}",
                f"/review/{w.campaign.id}/communes/{t.C1.id}/reconcile", f"/review/{w.campaign.id}/communes/{t.C1.id}/found",
                f"/review/{w.campaign.id}/communes/{t.C1.id}/teams", "/review/"):
        resp = client.get(url)
        assert resp.status_code == 200, url
        out[url.split("?")[0].replace(f"/{w.campaign.id}", "/<c>")] = (gz(resp.data), sql_count(resp))
    return out


def test_campaign_pages_run_the_same_statements_whatever_the_number_of_subjects(client, db, big, login, capsys):
    w, t = big, big.tree
    login(w.province)
    small = _campaign_counts(client, w)
    # ten times the subjects, in the same units: people added to the lists, a third of them walked
    for branch, start in ((t.B1, 2000), (w.B4, 4000), (t.B2, 6000), (t.B3, 8000)):
        ids = _people(db, branch, 300, start=start)
        db.session.execute(insert(Subject), [
            dict(campaign_id=w.campaign.id, person_id=i, branch_id=branch.id, branch_path=branch.path,
                 commune_id=branch.parent_id, start_type="union", start_status="active", found=False, version=1)
            for i in ids])
        db.session.commit()
        _walk_some(db, w.campaign, branch, every=7)
    large = _campaign_counts(client, w)
    with capsys.disabled():
        print("\n" + "\n".join(f"{k:<44} {small[k][0]:>6} B gz {small[k][1]:>3} SQL | {large[k][0]:>6} B gz "
                               f"{large[k][1]:>3} SQL" for k in small))
    assert {k: v[1] for k, v in small.items()} == {k: v[1] for k, v in large.items()}
    over = {k: v for k, v in large.items() if v[0] > HTML_BUDGET or v[1] > SQL_CEILING}
    assert not over, over
