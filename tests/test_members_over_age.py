"""Issue 9 item 15: Union members past 30 are flagged for maturity, refused as new joiners, and left out of the Union
counts (the unit panel, the standing), as the rules say."""
from datetime import date

from sqlalchemy import select

from app.activities.models import BranchStanding, PersonStanding
from app.members.models import Person
from tests.conftest import errors_in
from tests.factories_members import *  # noqa: F401,F403
from tests.factories_members import person_in

OLD = date(date.today().year - 35, 6, 1)


def _form(tree, **over):
    data = {"branch": tree.B1.id, "full_name": "Trần Văn Cũ", "sex": "male", "birth_date": OLD.strftime("%d/%m/%Y"),
            "member_type": "union", "ethnicity": "Kinh", "religion": "Không", "form_token": "t-1"}
    data.update(over)
    return data


def test_joining_the_union_after_30_is_refused_at_entry(client, db, tree, make_user, login):
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    resp = client.post(f"/members/new?unit={tree.C1.id}", data=_form(tree, joined_on=f"01/01/{date.today().year - 2}"))
    assert resp.status_code == 422
    assert any("quá 30 tuổi" in e for e in errors_in(resp.data))
    assert db.session.scalar(select(Person)) is None


def test_a_member_past_30_is_flagged_on_entry_and_on_the_person_page(client, db, tree, make_user, login):
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    resp = client.post(f"/members/new?unit={tree.C1.id}", data=_form(tree, joined_on=f"01/01/{OLD.year + 20}"))
    assert resp.status_code == 303
    html = client.get(resp.location).get_data(as_text=True)
    assert "đã quá 30 tuổi: đến tuổi trưởng thành Đoàn" in html  # the warning after saving
    assert 'id="over-age"' in html and "Làm thủ tục trưởng thành" in html


def test_members_past_30_are_not_counted_as_union_members(client, db, tree, make_user, login):
    young = person_in(db, tree.B1, "Đoàn Viên Trẻ", birth_date=date(2002, 1, 1))
    old = person_in(db, tree.B1, "Đoàn Viên Già", birth_date=OLD)
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    html = client.get(f"/units/{tree.B1.id}").get_data(as_text=True)
    panel = html.split('id="members-panel"', 1)[1].split("</section>", 1)[0]
    assert '<b>1</b><span>Đoàn viên</span>' in panel and 'id="over-age"' in panel
    assert db.session.get(PersonStanding, young.id) is not None
    assert db.session.get(PersonStanding, old.id) is None  # no verdict: not a real (or paper) member
    assert db.session.scalar(select(BranchStanding.total).where(BranchStanding.unit_id == tree.B1.id)) == 1
