"""The review (rà soát) end to end, on both paths (a plain POST → 303 or 422 with the message beside the field; an htmx
POST → the fragment): a campaign made and opened, the walk list by household, every outcome at a door, the household
form, the people found, the teams, the reconciliation into the registry, the numbers at every level, the closing."""
import re
from datetime import date, timedelta

from sqlalchemy import func, select

from app.activities.models import PersonStanding
from app.activities.standing import criteria_for
from app.audit.models import AuditEntry
from app.classes.models import Enrolment
from app.members.models import Person, PersonEvent
from app.members.queries import removal_stmt
from app.review.models import Campaign, Outcome, Subject, Team, TeamBranch, TeamMember
from tests.conftest import HTMX, errors_in
from tests.factories_review import TODAY, count_people, outcomes_of, subject_count, subjects_by_person, tap, vn, walk_form


def token_of(html, name="form_token"):
    return re.search(rf'name="{name}" type="hidden" value="([0-9a-f]+)"', html).group(1)


def households_in(html):
    """[(heading, [names])] of a walk-list page."""
    out = []
    for chunk in html.split('<form class="card hh"')[1:]:
        heading = re.search(r"<h2>([^<]*)</h2>", chunk).group(1)
        out.append((heading, re.findall(r"<legend>([^<]*)</legend>", chunk)))
    return out


# ---- the campaign ----------------------------------------------------------------------------------------------------
def test_create_a_campaign_with_march_by_default(client, db, review_world, login):
    w = review_world
    login(w.admin)
    html = client.get(f"/review/new?unit={w.tree.C1.id}").get_data(as_text=True)
    year = TODAY.year if TODAY.month <= 3 else TODAY.year + 1
    assert f'value="01/03/{year}"' in html and f'value="31/03/{year}"' in html
    assert f'name="year" type="number" value="{year}"' in html or f'value="{year}"' in html
    token = token_of(html)
    data = {"unit_id": w.tree.C1.id, "year": year, "title": "", "starts_on": f"01/03/{year}", "ends_on": f"31/03/{year}",
            "form_token": token}
    resp = client.post("/review/new", data=data)
    assert resp.status_code == 303, errors_in(resp.data)
    campaign = db.session.scalar(select(Campaign))
    assert resp.location.endswith(f"/review/{campaign.id}")
    assert (campaign.unit_id, campaign.year, campaign.status) == (w.tree.C1.id, year, "draft")
    assert (campaign.starts_on, campaign.ends_on) == (date(year, 3, 1), date(year, 3, 31))
    assert campaign.title == f"Rà soát đoàn viên, hội viên, thanh niên năm {year} — {w.tree.C1.name}"
    # a double tap on the submit button: the same campaign
    assert client.post("/review/new", data=data).status_code == 303
    assert db.session.scalar(select(func.count(Campaign.id))) == 1
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "review.create")) == 1


def test_one_campaign_per_unit_and_year_above_or_below(client, db, review_world, login, make_campaign):
    w = review_world
    make_campaign(w.tree.C1, opened=False, year=2027, starts_on=date(2027, 3, 1), ends_on=date(2027, 3, 31))
    for user, unit in ((w.admin, w.tree.C1), (w.province, w.tree.P), (w.province, w.tree.D), (w.province, w.tree.C1)):
        login(user)
        data = {"unit_id": unit.id, "year": "2027", "title": "Đợt trùng", "starts_on": "01/03/2027",
                "ends_on": "31/03/2027", "form_token": "t" + str(unit.id) + user.username}
        resp = client.post("/review/new", data=data)
        assert resp.status_code == 422, (user.username, unit.code)
        html = resp.get_data(as_text=True)
        year_box = html.split('id="f-year"')[1].split('id="f-title"')[0]
        assert "Năm 2027 đã có đợt rà soát" in year_box  # beside the year
        assert 'value="Đợt trùng"' in html  # what was typed is kept
        # htmx: only the form comes back
        resp = client.post("/review/new", data=data, headers=HTMX)
        assert resp.status_code == 422 and "<html" not in resp.get_data(as_text=True)
        assert "Năm 2027 đã có đợt rà soát" in resp.get_data(as_text=True)
        client.post("/auth/logout")
    # another year, or a sibling commune the same year: allowed
    login(w.province)
    for unit, year in ((w.tree.C1, 2028), (w.tree.C2, 2027), (w.tree.C3, 2027)):
        resp = client.post("/review/new", data={"unit_id": unit.id, "year": year, "starts_on": f"01/03/{year}",
                                                 "ends_on": f"31/03/{year}"})
        assert resp.status_code == 303, (unit.code, errors_in(resp.data))
    assert db.session.scalar(select(func.count(Campaign.id))) == 4


def test_create_refuses_bad_dates_and_units_beside_the_field(client, db, review_world, login):
    w = review_world
    login(w.admin)
    resp = client.post("/review/new", data={"unit_id": w.tree.C1.id, "year": "2027", "title": "Thử",
                                            "starts_on": "31/03/2027", "ends_on": "01/03/2027"})
    assert resp.status_code == 422
    assert "Ngày kết thúc phải sau ngày bắt đầu." in resp.get_data(as_text=True).split('id="f-ends_on"')[1]
    # a commune the admin does not hold
    resp = client.post("/review/new", data={"unit_id": w.tree.C2.id, "year": "2027", "starts_on": "01/03/2027",
                                            "ends_on": "31/03/2027"})
    assert resp.status_code == 422 and "Bạn không có quyền mở đợt rà soát cho đơn vị này." in errors_in(resp.data)
    # an officer (not an admin) cannot create at all
    client.post("/auth/logout")
    login(w.officer)
    assert client.get("/review/new").status_code == 403
    assert db.session.scalar(select(func.count(Campaign.id))) == 0


def test_open_takes_everyone_on_a_roll_with_their_standing(client, db, review_world, login, make_campaign, make_person,
                                                           add_person_event):
    w, t = review_world, review_world.tree
    union = make_person(t.B1, "Nguyễn Văn Đoàn", member_type="union")
    youth = make_person(w.B4, "Lê Thị Niên", member_type="youth")
    away = make_person(t.B1, "Phạm Văn Xa", member_type="union")
    add_person_event(away, "away", detail="Bình Dương")
    away.status = "away"
    left = make_person(t.B1, "Hoàng Văn Rời", member_type="union", status="moved_away")
    other = make_person(t.B2, "Đỗ Thị Khác", member_type="union")
    db.session.commit()
    campaign = make_campaign(t.C1, opened=False)
    login(w.admin)
    html = client.get(f"/review/{campaign.id}").get_data(as_text=True)
    assert "Mở đợt, lập danh sách" in html
    resp = client.post(f"/review/{campaign.id}/open", data={"version": campaign.version})
    assert resp.status_code == 303
    db.session.expire_all()
    assert campaign.status == "open" and campaign.opened_at is not None
    subjects = subjects_by_person(db, campaign)
    assert set(subjects) == {union.id, youth.id, away.id}  # not the one who left, not commune C2
    assert left.id not in subjects and other.id not in subjects
    s = subjects[away.id]
    assert (s.start_type, s.start_status, s.branch_id, s.commune_id, s.found) == ("union", "away", t.B1.id, t.C1.id, False)
    assert subjects[youth.id].start_type == "youth" and subjects[youth.id].branch_id == w.B4.id
    assert subjects[union.id].start_verdict is not None  # the five criteria at the opening
    # opening again (a resent button) takes no second list
    resp = client.post(f"/review/{campaign.id}/open", data={"version": campaign.version})
    assert resp.status_code == 303 and subject_count(db, campaign) == 3


# ---- the walk list ---------------------------------------------------------------------------------------------------
def test_walk_list_groups_households_and_shows_the_facts(client, db, review_world, login, make_campaign, make_person,
                                                        add_activity, attend):
    w, t = review_world, review_world.tree
    a = make_person(t.B1, "Nguyễn Văn Ba", current_address="Thôn 3", phone="0912345678", birth_date=date(1999, 2, 3))
    b = make_person(t.B1, "Nguyễn Thị Bốn", current_address="thon 3", member_type="youth", birth_date=date(2004, 6, 7))
    c = make_person(t.B1, "Nguyễn Văn Năm", current_address="T3", birth_date=date(2006, 1, 1))
    d = make_person(t.B1, "Trần Văn Sáu", current_address="Thôn 3, số 12")
    e = make_person(t.B1, "Lê Thị Bảy", current_address="Số 12 thôn 3")
    f = make_person(t.B1, "Phạm Văn Tám", current_address=None)
    activity = add_activity(t.B1, held_on=TODAY - timedelta(days=40))
    attend(activity, a)
    campaign = make_campaign(t.C1)
    login(w.officer)
    resp = client.get(f"/review/{campaign.id}/branches/{t.B1.id}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    groups = households_in(html)
    names = [sorted(n) for _h, n in groups]
    assert sorted([a.full_name, b.full_name, c.full_name]) in names
    assert sorted([d.full_name, e.full_name]) in names
    assert [f.full_name] in names and groups[-1] == ("Chưa có địa chỉ", [f.full_name])  # no address: last
    one = next(n for _h, n in groups if a.full_name in n)
    assert one == [a.full_name, b.full_name, c.full_name]  # the eldest first
    row = html.split(f'id="rv-{subject_id(db, campaign, a)}"')[1].split("</fieldset>")[0]
    assert "1999" in row and "0912345678" in row and "Đoàn viên" in row and vn(activity.held_on) in row
    assert re.search(r'id="walk-count">0/6<', html)
    assert "Chạm một kết quả để lưu ngay" in html


def subject_id(db, campaign, person):
    return db.session.scalar(select(Subject.id).where(Subject.campaign_id == campaign.id, Subject.person_id == person.id))


def _subject(db, campaign, person):
    return db.session.scalar(select(Subject).where(Subject.campaign_id == campaign.id, Subject.person_id == person.id))


def test_every_outcome_recorded_by_a_tap(client, db, review_world, login, make_campaign, make_person):
    w, t = review_world, review_world.tree
    kinds = ["present", "away", "moved", "not_found", "deceased", "over_age", "corrected"]
    people = {k: make_person(t.B1, f"Người {k}", birth_date=date(1990, 1, 1) if k == "over_age" else date(2001, 1, 1))
              for k in kinds}
    campaign = make_campaign(t.C1)
    login(w.officer)
    details = {"away": {"place": "KCN VSIP, Bình Dương", "since": TODAY - timedelta(days=300)},
               "moved": {"place": "Xã Bình Minh"},
               "corrected": {"phone": "0987 654 321", "address": "Thôn 3, số 15", "workplace": "Công ty May Hòa Bình"}}
    for k in kinds:
        s = _subject(db, campaign, people[k])
        resp = tap(client, s, k, note=f"ghi chú {k}", **details.get(k, {}))
        assert resp.status_code == 200, (k, errors_in(resp.data))
        html = resp.get_data(as_text=True)
        assert html.startswith("<fieldset") and "<html" not in html  # the row, for htmx
        assert f'value="{k}" checked' in html
        assert 'id="walk-count" hx-swap-oob="true"' in html
    db.session.expire_all()
    got = {k: outcomes_of(db, _subject(db, campaign, people[k])) for k in kinds}
    assert all(len(v) == 1 for v in got.values())
    away, moved, corrected = got["away"][0], got["moved"][0], got["corrected"][0]
    assert (away.place, away.since, away.on) == ("KCN VSIP, Bình Dương", TODAY - timedelta(days=300), TODAY)
    assert moved.place == "Xã Bình Minh" and moved.since is None
    assert (corrected.phone, corrected.address, corrected.workplace) == ("0987 654 321", "Thôn 3, số 15",
                                                                          "Công ty May Hòa Bình")
    assert got["present"][0].place is None and got["present"][0].note == "ghi chú present"
    s = _subject(db, campaign, people["away"])
    assert (s.outcome, s.outcome_on, s.outcome_id, s.outcome_by_id) == ("away", TODAY, away.id, w.officer.id)
    # the count out of band, and the page
    html = client.get(f"/review/{campaign.id}/branches/{t.B1.id}").get_data(as_text=True)
    assert re.search(r'id="walk-count">7/7<', html)


def test_tap_without_javascript_redirects_to_the_row(client, db, review_world, login, make_campaign, make_person):
    w, t = review_world, review_world.tree
    p = make_person(t.B1, "Vũ Văn Gõ")
    campaign = make_campaign(t.C1)
    s = _subject(db, campaign, p)
    login(w.officer)
    resp = tap(client, s, "present", htmx=False)
    assert resp.status_code == 303 and resp.location.endswith(f"/review/{campaign.id}/branches/{t.B1.id}#rv-{s.id}")
    assert _subject(db, campaign, p).outcome == "present"


def test_a_tap_resent_is_one_outcome_and_one_audit_entry(client, db, review_world, login, make_campaign, make_person):
    w, t = review_world, review_world.tree
    p = make_person(t.B1, "Đặng Văn Lặp")
    campaign = make_campaign(t.C1)
    s = _subject(db, campaign, p)
    login(w.officer)
    for htmx in (True, True, False):
        resp = tap(client, s, "away", htmx=htmx, token="a" * 32, place="Hà Nội")
        assert resp.status_code in (200, 303)
    assert len(outcomes_of(db, s)) == 1
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "review.outcome")) == 1
    # the same answer tapped again with a fresh token writes nothing either
    tap(client, s, "away", place="Hà Nội")
    assert len(outcomes_of(db, s)) == 1


def test_a_changed_outcome_is_a_new_row_and_the_history_stays(client, db, review_world, login, make_campaign,
                                                              make_person):
    w, t = review_world, review_world.tree
    p = make_person(t.B1, "Bùi Thị Đổi")
    campaign = make_campaign(t.C1)
    s = _subject(db, campaign, p)
    login(w.officer)
    assert tap(client, s, "not_found", on=TODAY - timedelta(days=2)).status_code == 200
    client.post("/auth/logout")
    login(w.branch_officer)
    assert tap(client, s, "present", note="Về quê ăn cưới").status_code == 200
    rows = outcomes_of(db, s)
    assert [o.outcome for o in rows] == ["not_found", "present"]
    assert [o.recorded_by_id for o in rows] == [w.officer.id, w.branch_officer.id]
    db.session.expire_all()
    s = _subject(db, campaign, p)
    assert (s.outcome, s.outcome_on, s.outcome_id) == ("present", TODAY, rows[1].id)
    html = client.get(f"/review/subjects/{s.id}").get_data(as_text=True)
    assert html.index("Có mặt tại địa phương") < html.index("Không tìm thấy")  # latest first
    assert "đang có hiệu lực" in html and "Về quê ăn cưới" in html
    assert w.officer.full_name in html and w.branch_officer.full_name in html


def test_household_form_writes_several_people_at_once_or_none(client, db, review_world, login, make_campaign,
                                                             make_person):
    w, t = review_world, review_world.tree
    a = make_person(t.B1, "Ngô Văn Một", current_address="Thôn 3, số 8")
    b = make_person(t.B1, "Ngô Thị Hai", current_address="Thôn 3, số 8")
    c = make_person(t.B1, "Ngô Văn Ba", current_address="Thôn 3, số 8", birth_date=date(2011, 1, 1))
    campaign = make_campaign(t.C1)
    sa, sb, sc = (_subject(db, campaign, x) for x in (a, b, c))
    login(w.officer)
    url = f"/review/{campaign.id}/branches/{t.B1.id}/visits"
    # one wrong (over_age on a 15-year-old): nothing written, everything typed kept, the message beside that person
    data = walk_form([sa, sb, sc], {sa.id: {"o": "present"}, sb.id: {"o": "away", "p": "Đài Loan", "s": "01/02/2025"},
                                    sc.id: {"o": "over_age"}})
    resp = client.post(url, data=data)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    row_c = html.split(f'id="rv-{sc.id}"')[1].split("</fieldset>")[0]
    assert "chưa quá 30" in row_c and 'value="over_age" checked' in row_c
    row_b = html.split(f'id="rv-{sb.id}"')[1].split("</fieldset>")[0]
    assert 'value="away" checked' in row_b and 'value="Đài Loan"' in row_b and 'value="01/02/2025"' in row_b
    assert 'value="present" checked' in html.split(f'id="rv-{sa.id}"')[1].split("</fieldset>")[0]
    assert db.session.scalar(select(func.count(Outcome.id))) == 0
    # corrected: all written in one go
    data[f"o-{sc.id}"] = "present"
    resp = client.post(url, data=data)
    assert resp.status_code == 303, errors_in(resp.data)
    db.session.expire_all()
    assert [x.outcome for x in (sa, sb, sc)] == ["present", "away", "present"]
    assert outcomes_of(db, sb)[0].place == "Đài Loan" and outcomes_of(db, sb)[0].since == date(2025, 2, 1)
    # a person left blank on the form is left alone
    d = walk_form([sa, sb, sc], {sa.id: {"o": "not_found"}})
    assert client.post(url, data=d).status_code == 303
    db.session.expire_all()
    assert [x.outcome for x in (sa, sb, sc)] == ["not_found", "away", "present"]


def test_bad_input_is_refused_beside_the_field_and_nothing_typed_is_lost(client, db, review_world, login, make_campaign,
                                                                          make_person):
    w, t = review_world, review_world.tree
    teen = make_person(t.B1, "Lý Văn Nhỏ", birth_date=date(TODAY.year - 15, 4, 4), member_type="youth")
    adult = make_person(t.B1, "Lý Thị Lớn")
    campaign = make_campaign(t.C1, starts_on=TODAY - timedelta(days=5), ends_on=TODAY + timedelta(days=5))
    st, sa = _subject(db, campaign, teen), _subject(db, campaign, adult)
    login(w.officer)
    cases = [
        (sa, "present", {"on": TODAY - timedelta(days=30)}, "Ngày đến nhà phải trong thời gian rà soát"),
        (sa, "present", {"on": "31/02/2026"}, "Ngày không hợp lệ"),
        (st, "over_age", {}, "chưa quá 30"),
        (sa, "corrected", {"note": "đổi số"}, "Nhập ít nhất một thông tin cần sửa"),
        (sa, "corrected", {"phone": "12ab"}, "Số điện thoại không hợp lệ"),
        (sa, "away", {"place": "Lào Cai", "since": TODAY + timedelta(days=1)}, "không thể sau ngày đến nhà"),
        (sa, "", {"place": "Lào Cai"}, "Chọn kết quả cho người này."),
    ]
    for s, outcome, extra, message in cases:
        # htmx: the row again, with the message and what was typed
        resp = tap(client, s, outcome, **extra)
        assert resp.status_code == 422, (outcome, extra)
        html = resp.get_data(as_text=True)
        assert html.startswith("<fieldset") and message in html, (outcome, message, errors_in(html))
        if outcome:
            assert f'value="{outcome}" checked' in html
        for key in ("place", "phone", "note"):
            if extra.get(key):
                assert f'value="{extra[key]}"' in html
        # without JavaScript: the walk list again, the message beside this person (a visit date's beside the
        # household's date field, just above)
        resp = tap(client, s, outcome, htmx=False, **extra)
        assert resp.status_code == 422
        page = resp.get_data(as_text=True)
        around = page.split(f'id="rv-{s.id}"')[0 if "on" in extra else 1].split("</fieldset>")[0 if "on" not in extra else -1]
        assert "<html" in page and message in around, (message, around[-400:])
    assert db.session.scalar(select(func.count(Outcome.id))) == 0
    # over_age on someone who is past 30 is allowed
    old = make_person(t.B1, "Lý Văn Già", birth_date=date(TODAY.year - 31, 1, 1))
    db.session.add(Subject(campaign_id=campaign.id, person_id=old.id, branch_id=t.B1.id, branch_path=t.B1.path,
                           commune_id=t.C1.id, start_type="union", start_status="active"))
    db.session.commit()
    assert tap(client, _subject(db, campaign, old), "over_age").status_code == 200


# ---- people found at the doors ---------------------------------------------------------------------------------------
FOUND = {"full_name": "Đinh Thị Mới", "birth": "2007", "sex": "female", "phone": "0911222333", "occupation": "",
         "address": "Thôn 3, số 20", "claimed_type": "", "claimed_unit": "", "note": "Mới chuyển về ở với bà"}


def _found_form(client, campaign, branch):
    html = client.get(f"/review/{campaign.id}/branches/{branch.id}/new?address=Thôn 3, số 20").get_data(as_text=True)
    assert 'value="Thôn 3, số 20"' in html
    return {**FOUND, "on": vn(TODAY), "form_token": token_of(html)}


def test_a_new_person_found_is_registered_as_a_youth_citing_the_campaign(client, db, review_world, login,
                                                                         make_campaign):
    w, t = review_world, review_world.tree
    campaign = make_campaign(t.C1)
    login(w.officer)
    data = _found_form(client, campaign, t.B1)
    resp = client.post(f"/review/{campaign.id}/branches/{t.B1.id}/new", data=data)
    assert resp.status_code == 303, errors_in(resp.data)
    assert client.post(f"/review/{campaign.id}/branches/{t.B1.id}/new", data=data).status_code == 303  # resent
    person = db.session.scalar(select(Person).where(Person.full_name == "Đinh Thị Mới"))
    assert db.session.scalar(select(func.count(Person.id)).where(Person.full_name == "Đinh Thị Mới")) == 1
    assert (person.member_type, person.status, person.unit_id, person.birth_date) == ("youth", "active", t.B1.id,
                                                                                       date(2007, 1, 1))
    assert person.current_address == "Thôn 3, số 20" and person.phone == "0911222333"
    event = db.session.scalar(select(PersonEvent).where(PersonEvent.person_id == person.id))
    assert event.kind == "registered" and campaign.title in event.reason
    s = _subject(db, campaign, person)
    assert s.found is True and s.outcome == "present" and s.outcome_on == TODAY and len(outcomes_of(db, s)) == 1
    assert resp.location.endswith(f"#rv-{s.id}")
    # on the walk list with the household, counted apart from the list taken at the opening
    html = client.get(f"/review/{campaign.id}/branches/{t.B1.id}").get_data(as_text=True)
    assert "Đinh Thị Mới" in html and "mới phát hiện" in html


def test_found_form_refuses_an_empty_address_keeping_what_was_typed(client, db, review_world, login, make_campaign):
    w, t = review_world, review_world.tree
    campaign = make_campaign(t.C1)
    login(w.officer)
    data = {**_found_form(client, campaign, t.B1), "address": "  "}
    for headers in ({}, HTMX):
        resp = client.post(f"/review/{campaign.id}/branches/{t.B1.id}/new", data=data, headers=headers)
        assert resp.status_code == 422
        html = resp.get_data(as_text=True)
        assert ("<html" in html) is (not headers)
        assert "Nhập địa chỉ đang ở (thôn, số nhà)." in html.split('id="f-address"')[1].split('id="f-claimed_type"')[0]
        assert 'value="Đinh Thị Mới"' in html and 'value="0911222333"' in html and 'value="2007"' in html
    # a date outside the campaign, a member claimed without a unit
    bad = {**data, "address": "Thôn 3", "on": vn(TODAY - timedelta(days=60)), "claimed_type": "union"}
    resp = client.post(f"/review/{campaign.id}/branches/{t.B1.id}/new", data=bad)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Ngày đến nhà phải trong thời gian rà soát" in html.split('id="f-on"')[1]
    assert "Ghi nơi đang sinh hoạt" in html.split('id="f-claimed_unit"')[1]
    assert db.session.scalar(select(func.count(Person.id))) == 0


def test_claimed_members_wait_on_the_second_list(client, db, review_world, login, make_campaign):
    w, t = review_world, review_world.tree
    campaign = make_campaign(t.C1)
    login(w.officer)
    data = {**_found_form(client, campaign, t.B1), "full_name": "Trương Văn Chuyển", "claimed_type": "union",
            "claimed_unit": "Chi đoàn thôn 5, xã Yên Hòa, tỉnh Thanh Hóa", "birth": "12/05/2000"}
    assert client.post(f"/review/{campaign.id}/branches/{t.B1.id}/new", data=data).status_code == 303
    youth = {**_found_form(client, campaign, t.B1), "full_name": "Mai Thị Trẻ"}
    assert client.post(f"/review/{campaign.id}/branches/{t.B1.id}/new", data=youth).status_code == 303
    html = client.get(f"/review/{campaign.id}/communes/{t.C1.id}/found").get_data(as_text=True)
    first, second = html.split("Đã là đoàn viên, hội viên ở nơi khác")
    assert "Mai Thị Trẻ" in first and "Trương Văn Chuyển" not in first
    assert "Trương Văn Chuyển" in second and "Chi đoàn thôn 5, xã Yên Hòa, tỉnh Thanh Hóa" in second


def test_enrol_found_youth_into_a_sympathizer_class_in_one_step(client, db, review_world, login, make_campaign,
                                                                make_class):
    w, t = review_world, review_world.tree
    campaign = make_campaign(t.C1)
    klass = make_class(t.C1, sessions=1, title="Lớp cảm tình Đoàn tháng 4")
    login(w.officer)
    for name in ("Mai Thị Trẻ", "Mai Văn Trẻ"):
        data = {**_found_form(client, campaign, t.B1), "full_name": name}
        assert client.post(f"/review/{campaign.id}/branches/{t.B1.id}/new", data=data).status_code == 303
    people = db.session.scalars(select(Person).order_by(Person.id)).all()
    url = f"/review/{campaign.id}/communes/{t.C1.id}/found/enrol"
    html = client.get(f"/review/{campaign.id}/communes/{t.C1.id}/found").get_data(as_text=True)
    assert "Lớp cảm tình Đoàn tháng 4" in html
    # nobody ticked: refused with the message
    resp = client.post(url, data={"class_id": klass.id})
    assert resp.status_code == 422 and "Đánh dấu ít nhất một người để ghi danh." in resp.get_data(as_text=True)
    resp = client.post(url, data={"class_id": klass.id, "person": [p.id for p in people]})
    assert resp.status_code == 303
    enrolled = db.session.scalars(select(Enrolment.person_id).where(Enrolment.class_id == klass.id)).all()
    assert sorted(enrolled) == sorted(p.id for p in people)
    html = client.get(f"/review/{campaign.id}/communes/{t.C1.id}/found").get_data(as_text=True)
    assert html.count("đã ghi danh") == 2


# ---- teams -----------------------------------------------------------------------------------------------------------
def test_teams_officers_guests_and_branches(client, db, review_world, login, make_campaign):
    w, t = review_world, review_world.tree
    campaign = make_campaign(t.C1)
    login(w.officer)
    url = f"/review/{campaign.id}/communes/{t.C1.id}/teams"
    html = client.get(url).get_data(as_text=True)
    assert "Chi đoàn chưa có tổ:" in html and w.officer.full_name in html and w.branch_officer.full_name in html
    assert w.outsider.full_name not in html
    resp = client.post(url, data={"name": "Tổ 1", "users": [w.officer.id, w.branch_officer.id],
                                  "branches": [t.B1.id, w.B4.id], "form_token": token_of(html)})
    assert resp.status_code == 303, errors_in(resp.data)
    team = db.session.scalar(select(Team))
    assert resp.location.endswith(f"/review/teams/{team.id}")
    assert sorted(m.user_id for m in team.members) == sorted([w.officer.id, w.branch_officer.id])
    assert sorted(db.session.scalars(select(TeamBranch.branch_id))) == sorted([t.B1.id, w.B4.id])
    # an outsider as a member, a branch of another commune: refused beside the field
    resp = client.post(url, data={"name": "Tổ lạ", "users": [w.outsider.id], "branches": [t.B2.id]})
    assert resp.status_code == 422
    assert {"Chỉ chọn cán bộ của cơ sở hoặc các chi đoàn trực thuộc.", "Chỉ chọn chi đoàn của cơ sở này."} <= set(
        errors_in(resp.data))
    # a hamlet head without an account, then taken off
    resp = client.post(f"/review/teams/{team.id}/guests", data={"full_name": "Lò Văn Thôn", "post": "hamlet_head"})
    assert resp.status_code == 303
    resp = client.post(f"/review/teams/{team.id}/guests", data={"full_name": "Cà Thị Khác", "post": "other",
                                                              "post_text": ""})
    assert resp.status_code == 422 and "Ghi rõ chức vụ." in errors_in(resp.data)
    guest = db.session.scalar(select(TeamMember).where(TeamMember.full_name == "Lò Văn Thôn"))
    assert guest.user_id is None and guest.post == "hamlet_head"
    html = client.get(f"/review/teams/{team.id}").get_data(as_text=True)
    assert "Lò Văn Thôn" in html and "Trưởng thôn / tổ trưởng dân phố" in html
    # the walk list names the team
    walk = client.get(f"/review/{campaign.id}/branches/{t.B1.id}").get_data(as_text=True)
    assert "Tổ 1" in walk and "Lò Văn Thôn" in walk
    assert client.post(f"/review/team-members/{guest.id}/remove").status_code == 303
    db.session.expire_all()
    assert guest.removed_at is not None  # taken off, not deleted
    html = client.get(f"/review/teams/{team.id}").get_data(as_text=True)
    assert "Đã bỏ Lò Văn Thôn khỏi tổ." in html and "Lò Văn Thôn" not in html.split("<h2>Thành viên</h2>")[1]
    # a second team takes branch B4 over from the first
    html = client.get(url).get_data(as_text=True)
    resp = client.post(url, data={"name": "Tổ 2", "users": [w.officer.id], "branches": [w.B4.id],
                                  "form_token": token_of(html)})
    assert resp.status_code == 303
    team2 = db.session.scalar(select(Team).where(Team.name == "Tổ 2"))
    links = dict(db.session.execute(select(TeamBranch.branch_id, TeamBranch.team_id)).all())
    assert links == {t.B1.id: team.id, w.B4.id: team2.id}
    # and back again through the first team's edit form
    db.session.expire_all()
    resp = client.post(f"/review/teams/{team.id}", data={"name": "Tổ 1", "version": team.version,
                                                        "users": [w.officer.id], "branches": [t.B1.id, w.B4.id]})
    assert resp.status_code == 303, errors_in(resp.data)
    links = dict(db.session.execute(select(TeamBranch.branch_id, TeamBranch.team_id)).all())
    assert links == {t.B1.id: team.id, w.B4.id: team.id}
    db.session.expire_all()
    assert [m.user_id for m in team.members] == [w.officer.id]


# ---- reconciliation --------------------------------------------------------------------------------------------------
def test_reconcile_writes_each_outcome_into_the_registry_once(client, db, review_world, login, make_campaign,
                                                              make_person, add_person_event):
    w, t = review_world, review_world.tree
    names = ["present", "corrected", "away", "moved", "deceased", "not_found", "over_age", "unvisited", "back"]
    p = {k: make_person(t.B1 if i % 2 else w.B4, f"Người {k}", birth_date=date(1990 if k == "over_age" else 2001, 1, 1),
                        phone="0900000000", current_address="Thôn 4")
         for i, k in enumerate(names)}
    add_person_event(p["back"], "away", on=TODAY - timedelta(days=200), detail="Hà Nội")
    p["back"].status = "away"
    db.session.commit()
    campaign = make_campaign(t.C1)
    s = {k: _subject(db, campaign, v) for k, v in p.items()}
    login(w.officer)
    since = TODAY - timedelta(days=100)
    answers = {"present": {}, "corrected": {"phone": "0987654321", "address": "Thôn 4, số 9", "workplace": "Xưởng gỗ"},
               "away": {"place": "Đài Loan", "since": since}, "moved": {"place": "Phường Hạc Thành"}, "deceased": {},
               "not_found": {}, "over_age": {}, "back": {}}
    for k, extra in answers.items():
        assert tap(client, s[k], "present" if k == "back" else k, **extra).status_code == 200, k
    events_before = db.session.scalar(select(func.count(PersonEvent.id)))
    url = f"/review/{campaign.id}/communes/{t.C1.id}/reconcile"
    html = client.get(url).get_data(as_text=True)
    assert "Ghi xác nhận có người" in html and "Đề nghị xóa tên" in html and "Đề nghị trưởng thành Đoàn" in html
    assert "Đã đến nhà 8/9 người" in html
    resp = client.post(url)
    assert resp.status_code == 303 and resp.location.endswith(url)
    db.session.expire_all()
    cite = f"Rà soát: {campaign.title}"

    def events(k, kind=None):
        stmt = select(PersonEvent).where(PersonEvent.person_id == p[k].id, PersonEvent.kind != "registered")
        return db.session.scalars(stmt.order_by(PersonEvent.id)).all()

    confirmed = events("present")
    assert [(e.kind, e.on, e.reason) for e in confirmed] == [("confirmed", TODAY, cite)]
    assert criteria_for(p["present"])[0][2] is True  # criterion 1: "has a person"
    assert db.session.get(PersonStanding, p["present"].id).person_ok is True
    assert [e.kind for e in events("corrected")] == ["confirmed"]
    assert (p["corrected"].phone, p["corrected"].current_address, p["corrected"].workplace) == (
        "0987654321", "Thôn 4, số 9", "Xưởng gỗ")
    away = events("away")
    assert [(e.kind, e.on, e.detail, e.reason) for e in away] == [("away", since, "Đài Loan", cite)]
    assert (p["away"].status, p["away"].away_place) == ("away", "Đài Loan")
    assert [(e.kind, e.detail) for e in events("moved")] == [("moved_away", "Phường Hạc Thành")]
    assert p["moved"].status == "moved_away"
    assert [e.kind for e in events("deceased")] == ["deceased"] and p["deceased"].status == "deceased"
    assert events("not_found") == [] and p["not_found"].status == "active"  # proposed, not removed
    assert events("over_age") == [] and p["over_age"].status == "active"  # a proposal for the maturity list
    assert events("unvisited") == [] and p["unvisited"].status == "active"
    assert [e.kind for e in events("back")] == ["away", "back", "confirmed"] and p["back"].status == "active"
    applied = db.session.scalars(select(Subject.applied_at).where(Subject.campaign_id == campaign.id)).all()
    assert sum(a is not None for a in applied) == 8
    # not found: on the removal proposals, with the others proposed there for their own reasons
    removal = client.get(f"/members/removal?unit={t.C1.id}").get_data(as_text=True)
    assert "Người not_found" in removal and "Người present" not in removal
    # the page says it is done; a resend writes nothing more
    html = client.get(url).get_data(as_text=True)
    assert "Đã đối chiếu ngày" in html and "Ghi vào sổ" not in html
    written = db.session.scalar(select(func.count(PersonEvent.id)))
    assert written > events_before
    assert client.post(url).status_code == 303
    assert db.session.scalar(select(func.count(PersonEvent.id))) == written
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "review.reconcile")) == 1
    # the commune's taps are refused now, with the reason
    resp = tap(client, s["unvisited"], "present")
    assert resp.status_code == 422 and "Cơ sở đã đối chiếu" in resp.get_data(as_text=True)
    resp = client.post(f"/review/{campaign.id}/branches/{t.B1.id}/visits",
                       data=walk_form([s["unvisited"]], {s["unvisited"].id: {"o": "present"}}))
    assert resp.status_code == 422 and "Cơ sở đã đối chiếu" in resp.get_data(as_text=True)
    assert client.get(f"/review/{campaign.id}/branches/{t.B1.id}/new").status_code == 403
    assert db.session.scalar(select(Subject.outcome).where(Subject.id == s["unvisited"].id)) is None
    # the person page shows the review; the unit page shows the campaign
    person_page = client.get(f"/members/{p['away'].id}").get_data(as_text=True)
    assert "Rà soát tại nhà" in person_page and "Đi làm ăn xa" in person_page and "đã đối chiếu vào sổ" in person_page
    unit_page = client.get(f"/units/{t.B1.id}").get_data(as_text=True)
    assert campaign.title in unit_page and "người đã đến nhà" in unit_page


def test_removal_ground_clears_once_confirmed_later(client, db, review_world, login, make_campaign, make_person):
    w, t = review_world, review_world.tree
    person = make_person(t.B1, "Người Vắng")
    campaign = make_campaign(t.C1)
    login(w.officer)
    tap(client, _subject(db, campaign, person), "not_found", on=TODAY - timedelta(days=1))
    client.post(f"/review/{campaign.id}/communes/{t.C1.id}/reconcile")
    db.session.expire_all()
    assert person.id in {x.id for x in db.session.scalars(removal_stmt(w.officer, t.C1))}
    db.session.add(PersonEvent(person_id=person.id, kind="confirmed", on=TODAY, unit_id=t.B1.id))
    db.session.commit()
    assert person.id not in {x.id for x in db.session.scalars(removal_stmt(w.officer, t.C1))}


# ---- the numbers -----------------------------------------------------------------------------------------------------
def _stats(html):
    """{key: n} of a campaign page's figures: visited, listed, not_visited, each outcome, found."""
    out = {}
    for href, value in re.findall(r'<a class="stat" href="([^"]+)"><b>([^<]+)</b>', html):
        key = re.search(r"outcome=(\w+)", href).group(1) if "outcome=" in href else "found"
        if "/" in value:
            out["visited"], out["listed"] = (int(x.replace(".", "")) for x in value.split("/"))
        else:
            out[key] = int(value.replace(".", ""))
    return out


def _rows(html):
    """[(unit id, {column: n})] of the table of the units under the page's."""
    body = html.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in html else ""
    rows = []
    for tr in body.split("<tr>")[1:]:
        m = re.search(r"unit=(\d+)|branches/(\d+)", tr)
        unit = int(m.group(1) or m.group(2))
        cells = re.findall(r'<td class="num">(.*?)</td>', tr)
        nums = [[int(n) for n in re.sub(r"<[^>]+>", "", c).replace(".", "").split("/")] for c in cells]
        visited, listed = nums[0][0], nums[0][-1]
        rows.append((unit, {"visited": visited, "listed": listed, "not_visited": nums[1][0], "present": nums[2][0],
                            "away": nums[3][0], "not_found": nums[4][0], "found": nums[5][0]}))
    return rows


def test_coverage_agrees_at_every_level_and_with_the_people_behind_it(client, db, review_world, login, make_campaign,
                                                                      add_people):
    w, t = review_world, review_world.tree
    groups = {t.B1: add_people(t.B1, 5), w.B4: add_people(w.B4, 4), t.B2: add_people(t.B2, 3),
              t.B3: add_people(t.B3, 2, member_type="federation")}
    campaign = make_campaign(t.P)
    login(w.province)  # an admin of the province may walk any branch of it
    plan = {t.B1: ["present", "present", "away", "not_found"], w.B4: ["moved", "corrected"], t.B2: ["deceased"],
            t.B3: []}
    for branch, outcomes in plan.items():
        for person, outcome in zip(groups[branch], outcomes, strict=False):
            extra = {"phone": "0912000111"} if outcome == "corrected" else {}
            assert tap(client, _subject(db, campaign, person), outcome, **extra).status_code == 200
    found = _found_form(client, campaign, t.B1)
    assert client.post(f"/review/{campaign.id}/branches/{t.B1.id}/new", data=found).status_code == 303
    expected = {t.P: (14, 7, 1), t.D: (12, 7, 1), t.C1: (9, 6, 1), t.C3: (2, 0, 0), t.B1: (5, 4, 1), w.B4: (4, 2, 0),
                t.C2: (3, 1, 0), t.B2: (3, 1, 0)}
    pages = {}
    for unit, (listed, visited, n_found) in expected.items():
        html = client.get(f"/review/{campaign.id}?unit={unit.id}").get_data(as_text=True)
        stats = pages[unit.id] = _stats(html)
        assert (stats["listed"], stats["visited"], stats["found"]) == (listed, visited, n_found), unit.name
        assert stats["not_visited"] == listed - visited
        assert sum(stats[k] for k in ("present", "away", "moved", "not_found", "deceased", "over_age", "corrected")) \
            == visited
        # every number is the length of the list behind it
        base = f"/review/{campaign.id}/people?unit={unit.id}"
        for key, n in stats.items():
            query = {"listed": "&found=0", "found": "&found=1"}.get(key, f"&outcome={key}")
            assert count_people(client.get(base + query).get_data(as_text=True)) == n, (unit.name, key)
        # the rows of the units below add up to the unit's own figures
        rows = _rows(html)
        if unit.level != "branch":
            assert rows, unit.name
            for col in ("visited", "listed", "not_visited", "present", "away", "not_found", "found"):
                assert sum(r[col] for _u, r in rows) == stats[col], (unit.name, col)
            for child, r in rows:
                if child in pages:
                    assert (r["listed"], r["visited"], r["found"]) == (
                        pages[child]["listed"], pages[child]["visited"], pages[child]["found"])
    # the province's rows are the district and the commune directly under it
    assert {u for u, _r in _rows(client.get(f"/review/{campaign.id}?unit={t.P.id}").get_data(as_text=True))} == {
        t.D.id, t.C3.id}


# ---- closing ---------------------------------------------------------------------------------------------------------
def test_close_refuses_taps_with_a_message(client, db, review_world, login, make_campaign, make_person):
    w, t = review_world, review_world.tree
    a, b = make_person(t.B1, "Người Một"), make_person(t.B1, "Người Hai")
    campaign = make_campaign(t.C1)
    sa, sb = _subject(db, campaign, a), _subject(db, campaign, b)
    login(w.officer)
    assert tap(client, sa, "present").status_code == 200
    # only the admin of the campaign's unit closes it
    assert client.post(f"/review/{campaign.id}/close", data={"version": campaign.version}).status_code == 403
    client.post("/auth/logout")
    login(w.admin)
    db.session.expire_all()
    resp = client.post(f"/review/{campaign.id}/close", data={"version": campaign.version})
    assert resp.status_code == 303
    db.session.expire_all()
    assert campaign.status == "closed" and campaign.closed_at is not None
    client.post("/auth/logout")
    login(w.officer)
    for htmx in (True, False):
        resp = tap(client, sb, "present", htmx=htmx)
        assert resp.status_code == 422
        assert "Đợt rà soát đã kết thúc — không ghi thêm kết quả." in resp.get_data(as_text=True)
    resp = client.post(f"/review/{campaign.id}/branches/{t.B1.id}/visits", data=walk_form([sb], {sb.id: {"o": "away"}}))
    assert resp.status_code == 422 and "Đợt rà soát đã kết thúc" in resp.get_data(as_text=True)
    assert client.get(f"/review/{campaign.id}/branches/{t.B1.id}/new").status_code == 403
    html = client.get(f"/review/{campaign.id}/branches/{t.B1.id}").get_data(as_text=True)
    assert "Đợt rà soát đã kết thúc" in html and "Lưu cả hộ" not in html
    assert db.session.scalar(select(Subject.outcome).where(Subject.id == sb.id)) is None
    # a commune not reconciled yet still can
    assert client.post(f"/review/{campaign.id}/communes/{t.C1.id}/reconcile").status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(func.count(PersonEvent.id)).where(PersonEvent.kind == "confirmed")) == 1


def test_edit_the_dates_and_a_stale_form_is_a_conflict(client, db, review_world, login, make_campaign):
    w, t = review_world, review_world.tree
    campaign = make_campaign(t.C1, opened=False, starts_on=date(2027, 3, 1), ends_on=date(2027, 3, 31), year=2027)
    login(w.admin)
    html = client.get(f"/review/{campaign.id}/edit").get_data(as_text=True)
    assert 'value="01/03/2027"' in html and 'value="31/03/2027"' in html
    version = campaign.version
    data = {"title": "Rà soát tháng 3 và tháng 4", "starts_on": "01/03/2027", "ends_on": "15/04/2027", "version": version}
    resp = client.post(f"/review/{campaign.id}/edit", data=data)
    assert resp.status_code == 303, errors_in(resp.data)
    db.session.expire_all()
    assert (campaign.title, campaign.ends_on) == ("Rà soát tháng 3 và tháng 4", date(2027, 4, 15))
    assert client.post(f"/review/{campaign.id}/edit", data=data).status_code == 303  # the same edit resent
    stale = {**data, "ends_on": "20/04/2027"}
    resp = client.post(f"/review/{campaign.id}/edit", data=stale)
    assert resp.status_code == 409
    db.session.expire_all()
    assert campaign.ends_on == date(2027, 4, 15)
    bad = {**data, "ends_on": "01/02/2027", "version": campaign.version}
    for headers in ({}, HTMX):
        resp = client.post(f"/review/{campaign.id}/edit", data=bad, headers=headers)
        assert resp.status_code == 422 and "Ngày kết thúc phải sau ngày bắt đầu." in errors_in(resp.data)
        assert ("<html" in resp.get_data(as_text=True)) is (not headers)
    client.post("/auth/logout")
    login(w.officer)
    assert client.get(f"/review/{campaign.id}/edit").status_code == 403


def test_enrol_refuses_a_class_the_commune_cannot_use(client, db, review_world, login, make_campaign, make_class):
    w, t = review_world, review_world.tree
    campaign = make_campaign(t.C1)
    other = make_class(t.C2, sessions=1, title="Lớp của xã khác")
    login(w.officer)
    data = {**_found_form(client, campaign, t.B1)}
    assert client.post(f"/review/{campaign.id}/branches/{t.B1.id}/new", data=data).status_code == 303
    person = db.session.scalar(select(Person))
    html = client.get(f"/review/{campaign.id}/communes/{t.C1.id}/found").get_data(as_text=True)
    assert "Lớp của xã khác" not in html and "Chưa có lớp cảm tình Đoàn nào đang mở cho cơ sở này." in html
    resp = client.post(f"/review/{campaign.id}/communes/{t.C1.id}/found/enrol",
                       data={"class_id": other.id, "person": [person.id]})
    assert resp.status_code == 422
    assert db.session.scalar(select(func.count(Enrolment.id))) == 0
