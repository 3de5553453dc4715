"""The review's rules and services below the pages: what an outcome may say, when one may be written, what a resend
or a repeated answer writes, what reconciling does to people in unusual states, how the walk list is paged, and the
calendar's flags."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.members.models import PersonEvent
from app.review import queries, rules, services
from app.review.models import Outcome, Reconciliation, Subject, TeamMember
from app.review.rules import OutcomeError
from tests.factories_review import TODAY, outcomes_of, tap, walk_form


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def _subject(db, campaign, person):
    return db.session.scalar(select(Subject).where(Subject.campaign_id == campaign.id, Subject.person_id == person.id))


def _values(outcome, on=TODAY, **kw):
    return {"outcome": outcome, "on": on, "place": None, "since": None, "phone": None, "address": None,
            "workplace": None, "note": None, **kw}


# ---- the visit date and the campaign's state -------------------------------------------------------------------------
def test_visit_date_inside_the_campaign_and_not_in_the_future(ctx, db, review_world, make_campaign):
    c = make_campaign(review_world.tree.C1, opened=False, starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31),
                      year=2026)
    today = date(2026, 3, 15)
    assert rules.check_visit_date(c, None, today) == "Nhập ngày đến nhà."
    assert rules.check_visit_date(c, date(2026, 3, 1), today) is None  # the first day counts
    assert rules.check_visit_date(c, date(2026, 3, 15), today) is None
    assert "01/03/2026 – 31/03/2026" in rules.check_visit_date(c, date(2026, 2, 28), today)
    assert "thời gian rà soát" in rules.check_visit_date(c, date(2026, 4, 1), date(2026, 4, 5))
    assert rules.check_visit_date(c, date(2026, 3, 31), date(2026, 4, 5)) is None  # the last day, typed back later
    assert rules.check_visit_date(c, date(2026, 3, 16), today) == "Ngày đến nhà không thể sau hôm nay."


def test_outcomes_may_be_written_only_while_open_and_before_the_commune_reconciles(ctx, db, review_world,
                                                                                   make_campaign, make_person):
    t = review_world.tree
    p = make_person(t.B1)
    c = make_campaign(t.C1, opened=False)
    assert rules.can_write(c) == "Đợt rà soát chưa mở."
    services.open_campaign(campaign=c, expected_version=c.version)
    db.session.commit()
    s = _subject(db, c, p)
    assert rules.can_write(c) is None and rules.can_write(c, s) is None
    db.session.add(Reconciliation(campaign_id=c.id, commune_id=t.C1.id))
    db.session.commit()
    assert rules.can_write(c) is None  # the campaign is open …
    assert "Cơ sở đã đối chiếu" in rules.can_write(c, s)  # … but this commune is done
    c.status = "closed"
    assert rules.can_write(c) == "Đợt rà soát đã kết thúc — không ghi thêm kết quả."


# ---- what an outcome may say -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("birth_year, allowed", [(None, True), (1990, True), (TODAY.year - 30, True),
                                                 (TODAY.year - 29, False), (TODAY.year - 15, False)])
def test_over_age_needs_thirty_by_the_campaign_year(ctx, db, review_world, make_campaign, make_person, birth_year,
                                                    allowed):
    t = review_world.tree
    p = make_person(t.B1, "Đoàn Văn Tuổi", birth_date=date(birth_year, 12, 31) if birth_year else None)
    s = _subject(db, make_campaign(t.C1), p)
    if allowed:
        rules.check_outcome(s, _values("over_age"))
    else:
        with pytest.raises(OutcomeError) as e:
            rules.check_outcome(s, _values("over_age"))
        assert e.value.field == "outcome" and "chưa quá 30" in e.value.message and "Đoàn Văn Tuổi" in e.value.message


@pytest.mark.parametrize("outcome, extra, field, message", [
    ("gone", {}, "outcome", "Chọn một kết quả."),
    ("away", {"since": TODAY + timedelta(days=1)}, "since", "không thể sau ngày đến nhà"),
    ("corrected", {}, "phone", "Nhập ít nhất một thông tin cần sửa"),
    ("corrected", {"note": "chỉ ghi chú"}, "phone", "Nhập ít nhất một thông tin cần sửa"),
    ("corrected", {"phone": "09ab"}, "phone", "Số điện thoại không hợp lệ"),
    ("corrected", {"phone": "0912"}, "phone", "Số điện thoại không hợp lệ"),
])
def test_outcome_refusals_name_their_field(ctx, db, review_world, make_campaign, make_person, outcome, extra, field,
                                           message):
    t = review_world.tree
    p = make_person(t.B1)
    s = _subject(db, make_campaign(t.C1), p)
    with pytest.raises(OutcomeError) as e:
        rules.check_outcome(s, _values(outcome, **extra))
    assert e.value.field == field and message in e.value.message


@pytest.mark.parametrize("outcome, extra", [
    ("away", {"since": TODAY}), ("away", {}), ("moved", {}), ("corrected", {"workplace": "Chợ xã"}),
    ("corrected", {"address": "Thôn 5"}), ("corrected", {"phone": "+84 912 345 678"}), ("not_found", {}),
    ("deceased", {}), ("present", {"phone": "không nhớ"}),  # a phone typed for someone present is not a correction
])
def test_outcomes_accepted(ctx, db, review_world, make_campaign, make_person, outcome, extra):
    t = review_world.tree
    p = make_person(t.B1)
    s = _subject(db, make_campaign(t.C1), p)
    rules.check_outcome(s, _values(outcome, **extra))


def test_a_phone_left_in_the_details_does_not_block_another_answer(client, db, review_world, login, make_campaign,
                                                                   make_person):
    """The details box keeps what was typed; choosing "present" afterwards writes present (and drops the phone)."""
    w, t = review_world, review_world.tree
    p = make_person(t.B1)
    s = _subject(db, make_campaign(t.C1), p)
    login(w.officer)
    resp = tap(client, s, "present", phone="không nhớ")
    assert resp.status_code == 200
    assert [(o.outcome, o.phone) for o in outcomes_of(db, s)] == [("present", None)]


# ---- what a resend or a repeated answer writes -----------------------------------------------------------------------
def test_record_outcome_is_idempotent(ctx, db, review_world, make_campaign, make_person):
    t = review_world.tree
    p = make_person(t.B1)
    s = _subject(db, make_campaign(t.C1), p)
    row, created = services.record_outcome(subject=s, outcome="away", on=TODAY, place="Hà Nội", token="tok-1")
    assert created
    again, created = services.record_outcome(subject=s, outcome="away", on=TODAY, place="Hà Nội", token="tok-1")
    assert again.id == row.id and not created
    # the same answer, a fresh token: nothing new
    same, created = services.record_outcome(subject=s, outcome="away", on=TODAY, place="Hà Nội", token="tok-2")
    assert same.id == row.id and not created
    # details the outcome does not have are not stored
    row2, created = services.record_outcome(subject=s, outcome="moved", on=TODAY, place="Huế", since=TODAY,
                                            phone="0912345678", token="tok-3")
    assert created and (row2.place, row2.since, row2.phone) == ("Huế", None, None)
    db.session.commit()
    assert [o.outcome for o in outcomes_of(db, s)] == ["away", "moved"] and s.outcome == "moved"


def test_guests_and_removals_are_idempotent(ctx, db, review_world, make_campaign):
    t = review_world.tree
    c = make_campaign(t.C1)
    team = services.create_team(campaign=c, commune=t.C1, name="Tổ 1", form_token="team-1")
    assert services.create_team(campaign=c, commune=t.C1, name="Tổ 1", form_token="team-1").id == team.id
    g1 = services.add_guest(team=team, full_name=" Lò Văn Thôn ", post="hamlet_head")
    g2 = services.add_guest(team=team, full_name="Lò Văn Thôn", post="hamlet_head")
    assert g1.id == g2.id and g1.full_name == "Lò Văn Thôn"
    services.remove_member(member=g1)
    removed_at = g1.removed_at
    services.remove_member(member=g1)
    assert g1.removed_at == removed_at
    # back again after being taken off: a new row, the old one stays as history
    g3 = services.add_guest(team=team, full_name="Lò Văn Thôn", post="hamlet_head")
    db.session.commit()
    assert g3.id != g1.id and db.session.scalar(select(func.count(TeamMember.id))) == 2


def test_opening_twice_takes_one_list(ctx, db, review_world, make_campaign, add_people):
    t = review_world.tree
    add_people(t.B1, 4)
    c = make_campaign(t.C1)
    services.open_campaign(campaign=c, expected_version=c.version)
    db.session.commit()
    assert db.session.scalar(select(func.count(Subject.id))) == 4


# ---- reconciling people in unusual states ----------------------------------------------------------------------------
def test_reconcile_twice_and_people_already_changed(ctx, db, review_world, make_campaign, make_person,
                                                    add_person_event):
    t = review_world.tree
    away = make_person(t.B1, "Đã Đi Xa")
    gone = make_person(t.B1, "Đã Chuyển")
    c = make_campaign(t.C1)
    s_away, s_gone = _subject(db, c, away), _subject(db, c, gone)
    services.record_outcome(subject=s_away, outcome="away", on=TODAY, place="Hà Nội")
    services.record_outcome(subject=s_gone, outcome="deceased", on=TODAY)
    db.session.commit()
    # between the door and the reconciliation, the registry moved on: one is recorded away, the other moved away
    add_person_event(away, "away", on=TODAY - timedelta(days=3), detail="Hà Nội")
    away.status = "away"
    add_person_event(gone, "moved_away", on=TODAY - timedelta(days=2))
    gone.status = "moved_away"
    db.session.commit()
    n = db.session.scalar(select(func.count(PersonEvent.id)))
    rec, created = services.reconcile(campaign=c, commune=t.C1, plan=queries.reconcile_plan(c, t.C1))
    db.session.commit()
    assert created and rec.counts == {"away": 1, "deceased": 1}
    assert db.session.scalar(select(func.count(PersonEvent.id))) == n  # nothing that cannot happen is written
    again, created = services.reconcile(campaign=c, commune=t.C1, plan=queries.reconcile_plan(c, t.C1))
    assert again.id == rec.id and not created
    assert queries.reconcile_plan(c, t.C1) == {k: [] for k in queries.OUTCOMES}


def test_a_person_found_is_confirmed_when_reconciled(ctx, db, review_world, make_campaign):
    t = review_world.tree
    c = make_campaign(t.C1)
    s = services.add_found_person(campaign=c, branch=t.B1, on=TODAY, full_name="Người Mới", birth_date=date(2008, 1, 1),
                                  sex="male", phone=None, occupation="", address="Thôn 1", form_token="found-1")
    again = services.add_found_person(campaign=c, branch=t.B1, on=TODAY, full_name="Người Mới",
                                      birth_date=date(2008, 1, 1), sex="male", phone=None, occupation="",
                                      address="Thôn 1", form_token="found-1")
    assert again.id == s.id
    db.session.commit()
    services.reconcile(campaign=c, commune=t.C1, plan=queries.reconcile_plan(c, t.C1))
    db.session.commit()
    kinds = db.session.scalars(select(PersonEvent.kind).where(PersonEvent.person_id == s.person_id)
                               .order_by(PersonEvent.id)).all()
    assert kinds == ["registered", "confirmed"]


# ---- the walk list: households by hand, pages of whole households ----------------------------------------------------
def test_a_household_corrected_by_hand_joins_its_family(client, db, review_world, login, make_campaign, make_person):
    w, t = review_world, review_world.tree
    mother = make_person(t.B1, "Mẹ", current_address="Thôn 3, số 12")
    son = make_person(t.B1, "Con", current_address="Xóm trọ khu công nghiệp")
    c = make_campaign(t.C1)
    s = _subject(db, c, son)
    login(w.officer)
    html = client.get(f"/review/subjects/{s.id}").get_data(as_text=True)
    assert '<option value="Thôn 3, số 12">' in html  # the households of the branch to choose from
    resp = client.post(f"/review/subjects/{s.id}", data={"household": "số 12 thôn 3"})
    assert resp.status_code == 303 and resp.location.endswith(f"#rv-{s.id}")
    groups = queries.households(c, t.B1)
    assert len(groups) == 1 and {p.full_name for _s, p in groups[0].people} == {mother.full_name, son.full_name}
    # resent: nothing new in the audit
    client.post(f"/review/subjects/{s.id}", data={"household": "số 12 thôn 3"})
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "review.household")) == 1


def test_walk_pages_hold_whole_households(ctx, db, review_world, make_campaign, add_people):
    t = review_world.tree
    addresses = [f"Thôn 2, số {i // 4 + 1}" for i in range(60)]  # fifteen households of four
    add_people(t.B1, 60, addresses=addresses)
    c = make_campaign(t.C1)
    groups = queries.households(c, t.B1)
    assert len(groups) == 15 and all(len(h.people) == 4 for h in groups)
    assert [h.key for h in groups] == sorted(h.key for h in groups)
    pages = queries.walk_pages(groups, size=10)
    assert all(sum(len(h.people) for _n, h in page) <= 12 for page in pages)
    assert [n for page in pages for n, _h in page] == list(range(1, 16))  # each household once, in order
    last = groups[-1].people[0][0]
    assert queries.page_of(groups, last.id) == len(queries.walk_pages(groups))


def test_people_without_an_address_come_last_in_small_groups(ctx, db, review_world, make_campaign, add_people):
    t = review_world.tree
    add_people(t.B1, 3, addresses=["Thôn 1"])
    add_people(t.B1, 23, addresses=[""])
    c = make_campaign(t.C1)
    groups = queries.households(c, t.B1)
    assert groups[0].key == "thon 0001"
    assert [len(h.people) for h in groups[1:]] == [10, 10, 3] and all(h.key == "" for h in groups[1:])


# ---- the calendar --------------------------------------------------------------------------------------------------
def test_expected_share_and_flags(ctx, db, review_world, make_campaign, add_people):
    w, t = review_world, review_world.tree
    add_people(t.B1, 10)
    add_people(w.B4, 10)
    c = make_campaign(t.C1, starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31), year=2026)
    assert queries.expected_share(c, date(2026, 2, 20)) == 0
    assert queries.expected_share(c, date(2026, 3, 31)) == 100 == queries.expected_share(c, date(2026, 5, 1))
    assert queries.expected_share(c, date(2026, 3, 16)) == round(100 * 16 / 31)
    subjects = db.session.scalars(select(Subject).where(Subject.branch_id == t.B1.id)).all()
    for s in subjects[:4]:  # B1: 40 % walked; B4 not started
        s.outcome = "present"
    db.session.commit()
    _total, rows = queries.coverage(c, t.C1, today=date(2026, 3, 10))  # 32 % expected: B1 on time
    flags = {r.unit.id: r.flag for r in rows}
    assert flags == {t.B1.id: None, w.B4.id: "not_started"}
    _total, rows = queries.coverage(c, t.C1, today=date(2026, 3, 25))  # 81 % expected: B1 behind
    assert {r.unit.id: r.flag for r in rows} == {t.B1.id: "behind", w.B4.id: "not_started"}
    _total, rows = queries.coverage(c, t.C1, today=date(2026, 2, 25))  # before it starts: nothing is late
    assert {r.unit.id: r.flag for r in rows} == {t.B1.id: None, w.B4.id: None}


def test_plain_household_form_with_nothing_chosen_writes_nothing(client, db, review_world, login, make_campaign,
                                                                 add_people):
    w, t = review_world, review_world.tree
    people = add_people(t.B1, 2)
    c = make_campaign(t.C1)
    subjects = [_subject(db, c, p) for p in people]
    login(w.officer)
    resp = client.post(f"/review/{c.id}/branches/{t.B1.id}/visits", data=walk_form(subjects, {}))
    assert resp.status_code == 303
    assert db.session.scalar(select(func.count(Outcome.id))) == 0
    assert "Chưa ghi gì" in client.get(resp.location).get_data(as_text=True)
