"""Forms of the registry. Every validator carries its Vietnamese message."""
import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField, RadioField, SearchField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from ..audit.services import record_now
from ..forms import FilterForm, Form, VersionedForm, VNDateField, choices, not_in_future
from .criteria import CRITERIA, VERDICTS
from .models import MEMBER_TYPES, OCCUPATIONS, PICK_FIELDS, POSTS, SEXES, STATUSES, UNION_MAX_AGE
from .permissions import can_edit_person
from .queries import citizen_id_holder, twin_in_branch

CITIZEN_ID = re.compile(r"^\d{12}$")
PHONE = re.compile(r"^(0|\+84)\d{9,10}$")


def clean_digits(value):
    return re.sub(r"[\s.\-]", "", value or "")


def citizen_id_problem(value):
    """None when `value` is blank or a valid 12-digit citizen ID, else the Vietnamese reason."""
    if not value:
        return None
    if not value.isdigit():
        return _l("Số CCCD chỉ gồm chữ số.")
    if not CITIZEN_ID.match(value):
        return _("Số CCCD phải có đúng 12 chữ số (đang có %(n)s).", n=len(value))
    return None


def birth_date_problem(value, today=None):
    if value is None:
        return None
    today = today or date.today()
    if value > today:
        return _l("Ngày sinh không được ở tương lai.")
    age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
    if age < 10 or age > 60:
        return _("Ngày sinh không hợp lý (tuổi %(n)s).", n=age)
    return None


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _digits(value):
    return clean_digits(value) if isinstance(value, str) else value


def _age_on(birth, on):
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


class PersonForm(VersionedForm):
    form_token = HiddenField()
    branch = SelectField(_l("Chi đoàn / chi hội"), validate_choice=False)
    full_name = StringField(_l("Họ và tên"), filters=[_strip], validators=[
        DataRequired(_l("Vui lòng nhập họ và tên.")), Length(max=200, message=_l("Họ tên quá dài (tối đa 200 ký tự)."))])
    sex = RadioField(_l("Giới tính"), choices=choices(SEXES.items()), validators=[Optional()])
    birth_date = VNDateField(_l("Ngày sinh"), validators=[InputRequired(_l("Vui lòng nhập ngày sinh."))])
    member_type = SelectField(_l("Đối tượng"), choices=choices(MEMBER_TYPES.items()), default="union")
    citizen_id = StringField(_l("Số CCCD"), filters=[_digits], render_kw={"inputmode": "numeric", "autocomplete": "off"},
                             validators=[Optional()])
    phone = StringField(_l("Số điện thoại"), filters=[_digits], render_kw={"inputmode": "tel"}, validators=[Optional()])
    ethnicity = StringField(_l("Dân tộc"), filters=[_strip], default="Kinh",
                            validators=[Optional(), Length(max=40, message=_l("Tối đa 40 ký tự."))])
    religion = StringField(_l("Tôn giáo"), filters=[_strip], default="Không",
                           validators=[Optional(), Length(max=40, message=_l("Tối đa 40 ký tự."))])
    permanent_address = StringField(_l("Thường trú (thôn / tổ, đường)"), filters=[_strip],
                                    validators=[Optional(), Length(max=300, message=_l("Tối đa 300 ký tự."))])
    current_address = StringField(_l("Nơi ở hiện nay"), filters=[_strip],
                                  validators=[Optional(), Length(max=300, message=_l("Tối đa 300 ký tự."))])
    occupation = SelectField(_l("Nghề nghiệp"), choices=choices([("", _l("— chọn —"))] + list(OCCUPATIONS.items())),
                             validators=[Optional()])
    workplace = StringField(_l("Nơi làm việc / học tập"), filters=[_strip],
                            validators=[Optional(), Length(max=200, message=_l("Tối đa 200 ký tự."))])
    schooling = StringField(_l("Trình độ văn hóa"), filters=[_strip], render_kw={"placeholder": "12/12"},
                            validators=[Optional(), Length(max=20, message=_l("Tối đa 20 ký tự."))])
    joined_on = VNDateField(_l("Ngày vào Đoàn"), validators=[Optional(), not_in_future])
    admission_decision = StringField(_l("Số quyết định kết nạp"), filters=[_strip],
                                     validators=[Optional(), Length(max=60, message=_l("Tối đa 60 ký tự."))])
    card_number = StringField(_l("Số thẻ đoàn viên"), filters=[_strip],
                              validators=[Optional(), Length(max=40, message=_l("Tối đa 40 ký tự."))])
    notes = TextAreaField(_l("Ghi chú"), filters=[_strip],
                          validators=[Optional(), Length(max=2000, message=_l("Tối đa 2000 ký tự."))])

    def __init__(self, *args, person=None, branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.branch.choices = choices([(b.id, b.name) for b in branches])
        self.branch_by_id = {str(b.id): b for b in branches}

    @property
    def chosen_branch(self):
        return self.branch_by_id.get(str(self.branch.data))

    def validate_branch(self, field):
        if self.person is None and str(field.data) not in self.branch_by_id:
            raise ValidationError(_l("Vui lòng chọn chi đoàn / chi hội."))

    def validate_full_name(self, field):
        # The same person typed twice (name + birth date + branch, as the importer matches): point to the record.
        if self.person is not None or not field.data or not self.birth_date.data or \
                str(self.branch.data) not in self.branch_by_id:
            return
        twin = twin_in_branch(int(self.branch.data), field.data, self.birth_date.data)
        if twin is not None:
            raise ValidationError(_("%(name)s, sinh %(d)s, đã có trong chi đoàn này (mã hồ sơ %(id)s).",
                                     name=twin.full_name, d=twin.birth_date.strftime("%d/%m/%Y"), id=twin.id))

    def validate_birth_date(self, field):
        problem = birth_date_problem(field.data)
        if problem:
            raise ValidationError(problem)

    def validate_citizen_id(self, field):
        problem = citizen_id_problem(field.data)
        if problem:
            raise ValidationError(problem)
        holder = citizen_id_holder(field.data, exclude_id=self.person.id if self.person else None)
        if holder is None:
            return
        # Name the holder only to someone with rights over that record; anyone else gets a neutral answer, and the
        # attempt goes on record for the holder's unit (so typing IDs is not a quiet, province-wide lookup).
        if can_edit_person(current_user, holder):
            raise ValidationError(_("Số CCCD này đã có trong sổ (%(who)s).", who=f"{holder.full_name}, {holder.unit.name}"))
        record_now(action="person.citizen_id_refused", object_type="person", object_id=holder.id, unit=holder.unit,
                   summary=holder.full_name)
        raise ValidationError(_l("Không dùng được số CCCD này. Hãy kiểm tra lại số; nếu đúng, hãy liên hệ Đoàn cấp "
                                 "trên để làm thủ tục chuyển sinh hoạt."))

    def validate_phone(self, field):
        if field.data and not PHONE.match(field.data):
            raise ValidationError(_l("Số điện thoại không hợp lệ (10 chữ số, bắt đầu bằng 0)."))

    def validate_joined_on(self, field):
        if field.data and self.birth_date.data and field.data < self.birth_date.data:
            raise ValidationError(_l("Ngày vào Đoàn phải sau ngày sinh."))
        if field.data and self.birth_date.data and self.member_type.data == "union" and \
                _age_on(self.birth_date.data, field.data) > UNION_MAX_AGE:
            raise ValidationError(_l("Ngày vào Đoàn khi đã quá 30 tuổi — Điều lệ Đoàn chỉ kết nạp đến 30 tuổi."))


EVENT_DETAIL_LABELS = {"away": _l("Nơi làm ăn"), "removed": _l("Số quyết định"), "expelled": _l("Số quyết định"),
                       "matured": _l("Số quyết định")}
REASON_REQUIRED = ("removed", "expelled", "moved_away", "kept", "reinstated")


class EventForm(VersionedForm):
    on = VNDateField(_l("Ngày"), validators=[DataRequired(_l("Vui lòng nhập ngày.")), not_in_future])
    detail = StringField(_l("Chi tiết"), filters=[_strip], validators=[Length(max=200, message=_l("Tối đa 200 ký tự."))])
    reason = TextAreaField(_l("Lý do / ghi chú"), filters=[_strip],
                           validators=[Length(max=500, message=_l("Tối đa 500 ký tự."))])

    def __init__(self, *args, kind=None, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.person = person
        if kind in EVENT_DETAIL_LABELS:
            self.detail.label.text = EVENT_DETAIL_LABELS[kind]

    def validate_on(self, field):
        p = self.person
        if p is None or not field.data:
            return
        if p.birth_date and field.data < p.birth_date:
            raise ValidationError(_("Ngày này trước ngày sinh (%(d)s).", d=p.birth_date.strftime("%d/%m/%Y")))
        if self.kind == "matured":
            if p.member_type != "union":
                raise ValidationError(_l("Chỉ đoàn viên mới được ghi trưởng thành Đoàn."))
            if p.birth_date and field.data.year - p.birth_date.year < 30:
                raise ValidationError(_("Chưa đến tuổi trưởng thành: sinh năm %(y)s, năm %(n)s mới tròn 30 tuổi.",
                                         y=p.birth_date.year, n=p.birth_date.year + 30))

    def validate_reason(self, field):
        if self.kind in REASON_REQUIRED and not field.data:
            raise ValidationError(_l("Vui lòng ghi lý do."))

    def validate_detail(self, field):
        if self.kind == "away" and not field.data:
            raise ValidationError(_l("Vui lòng ghi nơi làm ăn (tỉnh / thành phố, công ty …)."))


class PostForm(Form):
    post = SelectField(_l("Chức vụ"), choices=choices(POSTS.items()))
    action = RadioField(_l("Ghi nhận"), choices=choices([("start", _l("Nhận chức vụ")), ("end", _l("Thôi chức vụ"))]),
                        default="start")
    on = VNDateField(_l("Ngày"), validators=[DataRequired(_l("Vui lòng nhập ngày.")), not_in_future])


class MoveForm(VersionedForm):
    branch = SelectField(_l("Chuyển đến chi đoàn"), validate_choice=False)
    on = VNDateField(_l("Ngày chuyển"), validators=[DataRequired(_l("Vui lòng nhập ngày.")), not_in_future])
    reason = TextAreaField(_l("Lý do"), filters=[_strip],
                           validators=[Optional(), Length(max=500, message=_l("Tối đa 500 ký tự."))])

    def __init__(self, *args, branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.branch.choices = choices([("", _l("— chọn —"))] + [(b.id, b.name) for b in branches])
        self.branch_by_id = {str(b.id): b for b in branches}

    @property
    def chosen_branch(self):
        return self.branch_by_id.get(str(self.branch.data))

    def validate_branch(self, field):
        if str(field.data) not in self.branch_by_id:
            raise ValidationError(_l("Vui lòng chọn chi đoàn khác trong cùng cơ sở đoàn."))


class TransferRequestForm(Form):
    form_token = HiddenField()  # one request however often the form is sent
    to_commune = SelectField(_l("Chuyển đến cơ sở đoàn"), validate_choice=False)
    on = VNDateField(_l("Ngày chuyển"), validators=[DataRequired(_l("Vui lòng nhập ngày."))])
    reason = TextAreaField(_l("Lý do"), filters=[_strip], validators=[
        DataRequired(_l("Vui lòng ghi lý do.")), Length(max=500, message=_l("Tối đa 500 ký tự."))])

    def __init__(self, *args, communes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.to_commune.choices = choices([("", _l("— chọn —"))] + [(c.id, c.name) for c in communes])
        self.commune_by_id = {str(c.id): c for c in communes}

    @property
    def chosen_commune(self):
        return self.commune_by_id.get(str(self.to_commune.data))

    def validate_to_commune(self, field):
        if str(field.data) not in self.commune_by_id:
            raise ValidationError(_l("Vui lòng chọn cơ sở đoàn nhận."))


class AcceptTransferForm(VersionedForm):
    branch = SelectField(_l("Tiếp nhận vào chi đoàn"), validate_choice=False)

    def __init__(self, *args, branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.branch.choices = choices([("", _l("— chọn —"))] + [(b.id, b.name) for b in branches])
        self.branch_by_id = {str(b.id): b for b in branches}

    @property
    def chosen_branch(self):
        return self.branch_by_id.get(str(self.branch.data))

    def validate_branch(self, field):
        if str(field.data) not in self.branch_by_id:
            raise ValidationError(_l("Vui lòng chọn chi đoàn tiếp nhận."))


class RefuseTransferForm(VersionedForm):
    refusal_reason = TextAreaField(_l("Lý do từ chối"), filters=[_strip], validators=[
        DataRequired(_l("Vui lòng ghi lý do từ chối.")), Length(max=500, message=_l("Tối đa 500 ký tự."))])


class WithdrawTransferForm(VersionedForm):
    withdrawal_reason = TextAreaField(_l("Lý do rút đề nghị"), filters=[_strip],
                                      validators=[Optional(), Length(max=500, message=_l("Tối đa 500 ký tự."))])


class MaturityForm(Form):
    on = VNDateField(_l("Ngày lễ trưởng thành"), validators=[DataRequired(_l("Vui lòng nhập ngày lễ.")), not_in_future])
    reason = StringField(_l("Ghi chú"), filters=[_strip],
                         validators=[Optional(), Length(max=500, message=_l("Tối đa 500 ký tự."))])


class RemovalDecisionForm(Form):
    decision = RadioField(_l("Quyết định"), choices=choices([("remove", _l("Xóa tên khỏi danh sách")),
                                                              ("keep", _l("Giữ lại"))]),
                          validators=[DataRequired(_l("Vui lòng chọn quyết định."))])
    on = VNDateField(_l("Ngày"), validators=[DataRequired(_l("Vui lòng nhập ngày.")), not_in_future])
    reason = TextAreaField(_l("Lý do"), filters=[_strip], validators=[
        DataRequired(_l("Vui lòng ghi lý do.")), Length(max=500, message=_l("Tối đa 500 ký tự."))])


class ImportForm(Form):
    unit = SelectField(_l("Nhập vào đơn vị"), validate_choice=False)
    file = FileField(_l("Tệp danh sách (.xlsx hoặc .csv)"), validators=[
        FileRequired(_l("Vui lòng chọn tệp.")),
        FileAllowed(["xlsx", "csv"], _l("Chỉ nhận tệp .xlsx hoặc .csv."))])

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit.choices = choices([(u.id, u.name) for u in units])
        self.unit_by_id = {str(u.id): u for u in units}

    @property
    def chosen_unit(self):
        return self.unit_by_id.get(str(self.unit.data))

    def validate_unit(self, field):
        if str(field.data) not in self.unit_by_id:
            raise ValidationError(_l("Vui lòng chọn cơ sở đoàn hoặc chi đoàn."))


class SynonymForm(Form):
    """One more way communes write a pick-list value (the admins' synonyms page)."""
    field = SelectField(_l("Danh mục"), validate_choice=False)
    text = StringField(_l("Cách ghi trong tệp"), validators=[DataRequired(_l("Vui lòng ghi cách ghi trong tệp.")),
                                                            Length(max=120)])
    value = StringField(_l("Nghĩa là"), validators=[DataRequired(_l("Vui lòng ghi giá trị trong danh mục.")),
                                                   Length(max=60)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.field.choices = choices(PICK_FIELDS.items())

    def validate_field(self, field):
        if field.data not in PICK_FIELDS:
            raise ValidationError(_l("Vui lòng chọn danh mục."))


class MemberFilterForm(FilterForm):
    """The people list's filters (GET); queries.Filters reads the same arguments."""
    q = SearchField(_l("Tìm theo tên (gõ không dấu cũng được), số điện thoại hoặc số CCCD"))
    unit = SelectField(_l("Đơn vị"))
    type = SelectField(_l("Đối tượng"), choices=choices([("", _l("Tất cả")), *MEMBER_TYPES.items()]))
    status = SelectField(_l("Tình trạng"), choices=choices(
        [("roll", _l("Đang trong danh sách")), ("all", _l("Tất cả")), *STATUSES.items()]))
    verdict = SelectField(_l("Đánh giá 5 có"), choices=choices([("", _l("Tất cả")), *VERDICTS.items()]))
    failing = SelectField(_l("Thiếu tiêu chí"), choices=choices([("", _l("—")), *CRITERIA.items()]))
    workers = BooleanField(_l("Công nhân"), render_kw={"value": "1"})
    age30 = BooleanField(_l("Tròn 30 tuổi năm nay"), render_kw={"value": "1"})

    @classmethod
    def bind(cls, args, unit=None, base=None, units=()):
        """`units`: the units offered (queries.list_choice_units); none offered keeps the chosen `unit` hidden."""
        form = cls(args)
        if units:
            everything = _("Tất cả") + (f" — {base.name}" if base else "")
            form.unit.choices = choices([(base.id if base and unit else "", everything), *((u.id, u.name) for u in units)])
        else:
            form.unit.widget = HiddenInput()
            form.unit.data = unit.id if unit else None
        return form
