"""Issue 12's first acceptance line, end to end on the real actuals: the commune's progress page moves when a person
is admitted, when a worker branch founded this year reaches 5 members, and when an activity for young workers is held
— and nobody types an actual anywhere."""
import re
from datetime import date

from sqlalchemy import select

from app.activities import services as activity_services
from app.members import services as member_services
from app.targets import catalogue
from app.targets.models import Indicator, Target
from tests.factories_members import *  # noqa: F401,F403

TODAY = date.today()


def _actual(html, code):
    """The actual shown for an indicator: the number of the link to its records."""
    m = re.search(rf'href="/targets/records/{code}\?[^"]*">([\d.,]+)</a>', html)
    assert m, code
    return int(m.group(1).replace(".", ""))


def test_progress_follows_the_records(client, db, tree, make_unit, make_user, login, make_person):
    t = tree
    catalogue.ensure()
    ind = {i.code: i for i in db.session.scalars(select(Indicator))}
    for code, value in (("admitted", 10), ("worker_branches_5", 2), ("yw_activities", 4)):
        db.session.add(Target(unit_id=t.C1.id, unit_path=t.C1.path, year=TODAY.year, indicator_id=ind[code].id,
                              value=value, status="approved"))
    db.session.commit()
    login(make_user("xa.viewer", (t.C1, "viewer")))
    url = f"/targets/units/{t.C1.id}/progress?year={TODAY.year}"
    html = client.get(url).get_data(as_text=True)
    before = {code: _actual(html, code) for code in ("admitted", "worker_branches_5", "yw_activities")}

    # a youth admitted today
    youth = make_person(t.B1, "Lê Văn Mới", member_type="youth", birth_date=date(TODAY.year - 18, 1, 1))
    member_services.admit_member(person=youth, joined_on=TODAY, decision_number="12-QĐ/ĐX")
    # a worker branch founded this year: counted once it has 5 members
    branch = make_unit(t.C1, level="branch", kind="worker_residential", name="Chi đoàn công nhân khu trọ Mới", code="BW",
                       founded_on=date(TODAY.year, 1, 2))
    for k in range(4):
        make_person(branch, f"Công Nhân {k}", member_type="union", occupation="worker")
    # an activity held for young workers
    activity_services.create_activity(unit=t.B1, held_on=TODAY, kind="regular", title="Giao lưu thanh niên công nhân",
                                      for_young_workers=True)
    db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert _actual(html, "admitted") == before["admitted"] + 1
    assert _actual(html, "yw_activities") == before["yw_activities"] + 1
    assert _actual(html, "worker_branches_5") == before["worker_branches_5"]  # 4 members: not yet

    make_person(branch, "Công Nhân 5", member_type="union", occupation="worker")
    db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert _actual(html, "worker_branches_5") == before["worker_branches_5"] + 1  # the fifth member: counted

    # no form anywhere takes an actual: the page has no input for one
    assert not re.search(r'name="[^"]*actual[^"]*"', html)
