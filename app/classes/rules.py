"""The admission rules (Điều lệ Đoàn), as plain functions: they take values and return Vietnamese messages
keyed by the field they belong beside. The form shows them; the service refuses to admit while any remain."""
from datetime import date

from flask_babel import gettext as _

from ..dates import add_months

MIN_AGE, MAX_AGE = 16, 30
SPONSOR_MONTHS = 3
CEREMONY_MONTHS = 1


def age_on(birth, on):
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def is_current_member(person):
    return person is not None and person.member_type == "union" and person.status in ("active", "away")


def finish_problem(sessions, today=None):
    """Why the class cannot be finished yet (a Vietnamese message), or None: it needs sessions, all of them held."""
    if not sessions:
        return _("Lớp chưa có buổi học nào — chưa thể kết thúc.")
    last = max(s.held_on for s in sessions)
    if last > (today or date.today()):
        return _("Buổi học cuối (%(d)s) chưa diễn ra — chưa thể kết thúc lớp.", d=last.strftime("%d/%m/%Y"))
    return None


def check_case(v, *, person, sponsor=None, today=None, final=False):
    """v: dict of the checklist values. Returns {field: [messages]}.

    `final`: recording the ceremony — every step must then be filled in."""
    errs = {}

    def add(field, msg):
        errs.setdefault(field, []).append(msg)

    if final:
        _check_complete(v, add)
    _check_dates(v, add, today or date.today())
    _check_vote(v, add)
    _check_age(v, add, person)
    _check_sponsor(v, add, person, sponsor)
    return errs


def _check_complete(v, add):
    required = {
        "application_on": _("Cần ngày nhận đơn xin vào Đoàn trước khi kết nạp."),
        "history_on": _("Cần ngày nhận lý lịch trước khi kết nạp."),
        "certificate_on": _("Cần giấy chứng nhận lớp cảm tình Đoàn trước khi kết nạp."),
        "sponsor_id": _("Cần đoàn viên giới thiệu trước khi kết nạp."),
        "sponsor_known_since": _("Cần ghi từ khi nào người giới thiệu biết người được giới thiệu."),
        "meeting_on": _("Cần ngày họp chi đoàn xét kết nạp."),
        "members_present": _("Cần số đoàn viên có mặt tại cuộc họp."),
        "votes_for": _("Cần số phiếu tán thành."),
        "decision_number": _("Cần số quyết định kết nạp."),
        "decision_on": _("Cần ngày quyết định kết nạp."),
        "decision_unit_id": _("Cần đơn vị ra quyết định."),
    }
    for field, msg in required.items():
        if v.get(field) in (None, ""):
            add(field, msg)


def _check_dates(v, add, today):
    for field in ("application_on", "history_on", "certificate_on", "sponsor_known_since", "meeting_on", "decision_on",
                  "ceremony_on"):
        if v.get(field) and v[field] > today:
            add(field, _("Ngày này chưa tới — chỉ ghi việc đã diễn ra."))

    # Order of the steps: application, personal history and certificate before the branch meeting;
    # meeting before the decision; decision before the ceremony.
    meeting, decision, ceremony = v.get("meeting_on"), v.get("decision_on"), v.get("ceremony_on")
    if meeting:
        for field, label in (("application_on", _("đơn xin vào Đoàn")), ("history_on", _("lý lịch")),
                             ("certificate_on", _("giấy chứng nhận lớp cảm tình Đoàn"))):
            if v.get(field) and v[field] > meeting:
                add(field, _("Phải nhận %(what)s trước ngày họp chi đoàn (%(d)s).", what=label,
                             d=meeting.strftime("%d/%m/%Y")))
    if decision and meeting and decision < meeting:
        add("decision_on", _("Quyết định kết nạp phải sau ngày họp chi đoàn (%(d)s).", d=meeting.strftime("%d/%m/%Y")))
    if decision and not meeting:
        add("meeting_on", _("Cần họp chi đoàn xét kết nạp trước khi có quyết định."))
    if ceremony and not decision:
        add("decision_on", _("Cần quyết định kết nạp trước lễ kết nạp."))
    if ceremony and decision:
        latest = add_months(decision, CEREMONY_MONTHS)
        if ceremony < decision:
            add("ceremony_on", _("Lễ kết nạp phải sau ngày quyết định (%(d)s).", d=decision.strftime("%d/%m/%Y")))
        elif ceremony > latest:
            add("ceremony_on", _("Lễ kết nạp phải tổ chức trong vòng 1 tháng kể từ ngày quyết định (chậm nhất %(d)s); "
                                 "ngày đã nhập cách %(n)s ngày.", d=latest.strftime("%d/%m/%Y"),
                                 n=(ceremony - decision).days))


def _check_vote(v, add):
    """The branch meeting: more than half of the members present vote for."""
    present, votes = v.get("members_present"), v.get("votes_for")
    if present is not None and present <= 0:
        add("members_present", _("Số đoàn viên có mặt phải lớn hơn 0."))
    if votes is not None and votes < 0:
        add("votes_for", _("Số phiếu không được âm."))
    if present and votes is not None and votes > present:
        add("votes_for", _("Số phiếu tán thành (%(v)s) không thể nhiều hơn số đoàn viên có mặt (%(p)s).",
                           v=votes, p=present))
    elif present and votes is not None and votes * 2 <= present:
        add("votes_for", _("Chưa đủ: cần quá nửa số đoàn viên có mặt tán thành (%(v)s/%(p)s phiếu, cần ít nhất %(need)s).",
                           v=votes, p=present, need=present // 2 + 1))


def _check_age(v, add, person):
    """Age 16–30 on the decision date."""
    decision = v.get("decision_on")
    if not decision:
        return
    if person.birth_date is None:
        add("decision_on", _("Chưa có ngày sinh của người được kết nạp — hãy bổ sung trong sổ để kiểm tra tuổi."))
        return
    age = age_on(person.birth_date, decision)
    if age < MIN_AGE:
        add("decision_on", _("Vào ngày quyết định, người được kết nạp mới %(a)s tuổi — phải đủ 16 tuổi.", a=age))
    elif age > MAX_AGE:
        add("decision_on", _("Vào ngày quyết định, người được kết nạp đã %(a)s tuổi — chỉ kết nạp đến 30 tuổi.", a=age))


def _check_sponsor(v, add, person, sponsor):
    """The sponsor: a current Union member, not the candidate, who has known them ≥ 3 months."""
    if not v.get("sponsor_id"):
        return
    if sponsor is None:
        add("sponsor_id", _("Không tìm thấy người giới thiệu trong sổ."))
    elif sponsor.id == person.id:
        add("sponsor_id", _("Người giới thiệu không thể là chính người được kết nạp."))
    elif not is_current_member(sponsor):
        add("sponsor_id", _("%(name)s không phải đoàn viên đang sinh hoạt — người giới thiệu phải là đoàn viên.",
                            name=sponsor.full_name))
    elif sponsor.status == "away":
        add("sponsor_id", _("%(name)s đang đi làm ăn xa — người giới thiệu phải đang sinh hoạt tại chỗ để biết và "
                            "giúp đỡ người được giới thiệu.", name=sponsor.full_name))
    known = v.get("sponsor_known_since")
    ref = v.get("application_on") or v.get("meeting_on")
    if known and ref and add_months(known, SPONSOR_MONTHS) > ref:
        add("sponsor_known_since", _("Người giới thiệu phải biết người được giới thiệu ít nhất 3 tháng trước ngày "
                                     "làm đơn (%(d)s).", d=ref.strftime("%d/%m/%Y")))
