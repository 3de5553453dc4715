"""The one extension seam (app/seams.py): registration, order, hiding, and the pages built from it."""
import pytest

from app import seams
from tests.conftest import sql_count
from tests.factories_activities import *  # noqa: F401,F403
from tests.factories_activities import days_ago


def test_register_orders_replaces_and_hides():
    slot = seams.Slot("a test page")
    seams.register(slot, seams.Panel("b.html", lambda obj, user: {"n": obj}, order=20))
    seams.register(slot, seams.Panel("a.html", lambda obj, user: None, order=10))  # hidden for everyone
    seams.register(slot, seams.Panel("c.html", order=30))  # reads the page's own context
    seams.register(slot, seams.Panel("b.html", lambda obj, user: {"n": obj * 2}, order=5))  # same key: replaces
    assert [p.template for p in seams.items(slot)] == ["b.html", "a.html", "c.html"]
    assert seams.panels(slot, 21, None) == [("b.html", {"n": 42}), ("c.html", {})]


def test_a_single_slot_takes_one_item():
    slot = seams.Slot("one thing", single=True)
    with pytest.raises(LookupError):
        seams.one(slot)
    seams.register(slot, seams.Labels("x"))
    seams.register(slot, seams.Labels("x", fields={"a": "A"}))  # the same key again: replaced
    assert seams.one(slot).fields == {"a": "A"}
    with pytest.raises(ValueError):
        seams.register(slot, seams.Labels("y"))


def test_every_domain_adds_its_parts(app):
    """What the pages of lower domains show, each registered by the domain that owns it (in app/<domain>/__init__.py)."""
    def owners(slot):
        return [p.template.split("/")[0] for p in seams.items(slot)]

    assert owners(seams.UNIT_PAGE) == ["review", "members", "targets", "activities", "classes", "inspections", "restructure",
                                       "restructure"]
    assert owners(seams.YEAR_REPORT) == ["restructure"]
    assert owners(seams.PERSON_PAGE) == ["activities", "review", "members", "activities", "classes", "activities", "year",
                                         "targets", "members"]
    assert [f.name for f in seams.items(seams.PEOPLE_FILTERS)] == ["verdict", "failing"]
    assert [c.name for c in seams.items(seams.PEOPLE_EXPORT)] == ["standing"]
    assert seams.items(seams.REMOVAL_GROUNDS) and seams.items(seams.PEOPLE_WRITTEN)
    assert seams.one(seams.GRANTS).__module__ == "app.auth.queries"
    assert seams.one(seams.AUDIT_LOG).visible.__module__ == "app.auth.queries"


def test_person_page_sections_in_order_and_sql_count_fixed(client, db, tree, make_user, login, add_person,
                                                            add_activity, attend, pay, confirm):
    """The five criteria, the record, attendance, dues and the history, in that order; the statements do not grow
    with the person's records."""
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    p = add_person(tree.B1, "Lê Thị Mai")
    url = f"/members/{p.id}"
    before = sql_count(client.get(url))
    for k in range(6):
        attend(add_activity(tree.B1, days_ago(10 + 30 * k)), p, "present" if k % 2 else "absent")
        confirm(p, days_ago(5 + k))
    pay(p, 12)
    resp = client.get(url)
    assert resp.status_code == 200 and sql_count(resp) == before, (before, sql_count(resp))
    html = resp.get_data(as_text=True)
    marks = ['id="criteria"', 'class="kv"', "Sinh hoạt 12 tháng qua", "Đoàn phí", "Quá trình"]
    at = [html.index(m) for m in marks]
    assert at == sorted(at), dict(zip(marks, at))
    assert html.count('<li class="row"><span><a href="/activities/') == 6
