"""The numbers the proposals read, with their defaults. A province admin changes them (GradingRule rows); a code
without a row has its default. The rules themselves (which evidence meets which grade) are in app.year.evaluation
(members) and app.year.grading (units); a paper member is never proposed above the lowest grade, whatever these say.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from .models import GradingRule

# code → (default, what it means)
DEFAULTS = {
    # members: the share of the branch's activities attended in the year (%) and the months of dues paid
    "member.excellent.attendance": (90, _l("Xuất sắc: dự sinh hoạt tối thiểu (%)")),
    "member.excellent.dues": (12, _l("Xuất sắc: số tháng đóng đoàn phí tối thiểu")),
    "member.good.attendance": (75, _l("Tốt: dự sinh hoạt tối thiểu (%)")),
    "member.good.dues": (10, _l("Tốt: số tháng đóng đoàn phí tối thiểu")),
    "member.done.attendance": (50, _l("Hoàn thành: dự sinh hoạt tối thiểu (%)")),
    "member.done.dues": (6, _l("Hoàn thành: số tháng đóng đoàn phí tối thiểu")),
    # units: the share of real members (%), the months with an activity held, the share of member-months paid (%)
    "unit.excellent.real_share": (90, _l("Đơn vị xuất sắc: tỷ lệ đoàn viên thực chất tối thiểu (%)")),
    "unit.excellent.active_months": (12, _l("Đơn vị xuất sắc: số tháng có sinh hoạt tối thiểu")),
    "unit.excellent.dues_share": (90, _l("Đơn vị xuất sắc: tỷ lệ thu đoàn phí tối thiểu (%)")),
    "unit.good.real_share": (75, _l("Đơn vị tốt: tỷ lệ đoàn viên thực chất tối thiểu (%)")),
    "unit.good.active_months": (10, _l("Đơn vị tốt: số tháng có sinh hoạt tối thiểu")),
    "unit.good.dues_share": (75, _l("Đơn vị tốt: tỷ lệ thu đoàn phí tối thiểu (%)")),
    "unit.done.real_share": (50, _l("Đơn vị hoàn thành: tỷ lệ đoàn viên thực chất tối thiểu (%)")),
    "unit.done.active_months": (6, _l("Đơn vị hoàn thành: số tháng có sinh hoạt tối thiểu")),
    "unit.done.dues_share": (50, _l("Đơn vị hoàn thành: tỷ lệ thu đoàn phí tối thiểu (%)")),
    # the weak-unit flags
    "unit.small": (3, _l("Yếu kém: dưới số đoàn viên này")),
    "unit.silent_months": (3, _l("Yếu kém: số tháng liền không sinh hoạt")),
}


def current():
    """{code: value} for every rule, the stored value over the default — one statement."""
    values = {code: default for code, (default, _) in DEFAULTS.items()}
    values.update((c, v) for c, v in db.session.execute(select(GradingRule.code, GradingRule.value)))
    return values
