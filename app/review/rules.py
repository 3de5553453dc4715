"""What an outcome may say, checked before it is written (the tap, the household form and the paper typed back all
go through check_outcome). A refusal names the field it belongs beside, in Vietnamese."""
import re
from datetime import date

from flask_babel import gettext as _

from ..formatting import date_vn
from . import queries
from .models import OUTCOMES

PHONE = re.compile(r"^\+?[0-9 .]{9,15}$")
UNION_MAX_AGE = 30


class OutcomeError(Exception):
    def __init__(self, field, message):
        super().__init__(message)
        self.field, self.message = field, message


def age_in(birth, year):
    return year - birth.year


def can_write(campaign, subject=None):
    """None when outcomes may be written, else why not (a sentence)."""
    if campaign.status == "draft":
        return _("Đợt rà soát chưa mở.")
    if campaign.status == "closed":
        return _("Đợt rà soát đã kết thúc — không ghi thêm kết quả.")
    if subject is not None and queries.reconciliation_of(subject.campaign_id, subject.commune_id):
        return _("Cơ sở đã đối chiếu, kết quả đã vào sổ — không sửa được nữa.")
    return None


def check_visit_date(campaign, on, today=None):
    today = today or date.today()
    if on is None:
        return _("Nhập ngày đến nhà.")
    if on < campaign.starts_on or on > campaign.ends_on:
        return _("Ngày đến nhà phải trong thời gian rà soát (%(a)s – %(b)s).", a=date_vn(campaign.starts_on),
                 b=date_vn(campaign.ends_on))
    if on > today:
        return _("Ngày đến nhà không thể sau hôm nay.")
    return None


def check_outcome(subject, v, today=None):
    """Raise OutcomeError(field, message) for the first thing wrong with the outcome values v."""
    campaign = subject.campaign
    why = can_write(campaign, subject)
    if why:
        raise OutcomeError("outcome", why)
    if v["outcome"] not in OUTCOMES:
        raise OutcomeError("outcome", _("Chọn một kết quả."))
    problem = check_visit_date(campaign, v["on"], today)
    if problem:
        raise OutcomeError("on", problem)
    person = subject.person
    if v["outcome"] == "over_age" and person.birth_date is not None:
        age = age_in(person.birth_date, campaign.year)
        if age < UNION_MAX_AGE:
            raise OutcomeError("outcome", _("Theo hồ sơ, %(name)s sinh năm %(y)s — năm %(year)s mới %(age)s tuổi, chưa "
                                            "quá 30. Nếu năm sinh sai, hãy sửa hồ sơ.", name=person.full_name,
                                            y=person.birth_date.year, year=campaign.year, age=age))
    if v["outcome"] == "away" and v.get("since") and v["since"] > v["on"]:
        raise OutcomeError("since", _("Đi làm ăn xa từ ngày không thể sau ngày đến nhà."))
    if v["outcome"] == "corrected":
        if not (v.get("phone") or v.get("address") or v.get("workplace")):
            raise OutcomeError("phone", _("Nhập ít nhất một thông tin cần sửa: điện thoại, địa chỉ hoặc nơi làm việc."))
    # only a correction stores a phone (record_outcome drops the details an outcome does not have): a phone left in
    # the details box must not block "present"
    if v["outcome"] == "corrected" and v.get("phone") and not PHONE.match(v["phone"]):
        raise OutcomeError("phone", _("Số điện thoại không hợp lệ (9–15 chữ số)."))
