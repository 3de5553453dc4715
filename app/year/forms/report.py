"""The yearly report's form: the draft (narrative and document details), saved, or saved and sent (the submit)."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional, Regexp, ValidationError

from ...forms import VersionedForm

TEXT_MAX = 20000  # a section of a few pages; the PDF breaks it across pages
# "45-BC/TĐTN-BTCKT", "12-BC/HĐTN": the number, "-BC/" (a report), the issuing body's abbreviation
DOC_NUMBER = r"^\d{1,5}-BC/[^\s/]\S{0,50}$"


class ReportForm(VersionedForm):
    results = TextAreaField(_l("Kết quả đạt được"), validators=[Optional(), Length(max=TEXT_MAX)])
    shortcomings = TextAreaField(_l("Hạn chế, nguyên nhân"), validators=[Optional(), Length(max=TEXT_MAX)])
    tasks = TextAreaField(_l("Nhiệm vụ năm tới"), validators=[Optional(), Length(max=TEXT_MAX)])
    doc_number = StringField(_l("Số, ký hiệu"), validators=[
        Optional(), Length(max=60),
        Regexp(DOC_NUMBER, message=_l("Số, ký hiệu của báo cáo viết như 45-BC/TĐTN-BTCKT."))])
    place = StringField(_l("Địa danh"), validators=[Optional(), Length(max=100)])
    recipients = TextAreaField(_l("Nơi nhận (mỗi dòng một nơi)"), validators=[Optional(), Length(max=2000)])
    signer_post = StringField(_l("Chức vụ người ký"), validators=[Optional(), Length(max=120)])
    signer_name = StringField(_l("Họ và tên người ký"), validators=[Optional(), Length(max=120)])


class SubmitForm(ReportForm):
    """The same form sent with "save and send": what was typed is saved, then a version is frozen. From the second
    version on, why (the reason) is required. The token makes a double-tapped send one version."""
    form_token = HiddenField()
    # No Optional(): it would stop the checks below on an empty field.
    results = TextAreaField(_l("Kết quả đạt được"), validators=[Length(max=TEXT_MAX)])
    reason = TextAreaField(_l("Lý do gửi bản mới"), validators=[Length(max=500)])

    def __init__(self, *args, needs_reason=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_reason = needs_reason

    def validate_results(self, field):
        if not (field.data or "").strip():
            raise ValidationError(_l("Viết phần “Kết quả đạt được” trước khi gửi báo cáo."))

    def validate_reason(self, field):
        if self.needs_reason and not (field.data or "").strip():
            raise ValidationError(_l("Báo cáo đã gửi: ghi lý do gửi bản mới (ví dụ: sửa số liệu sau đối chiếu)."))
