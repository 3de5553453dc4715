import secrets
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..forms import FilterForm, Form, MultiCheckboxField, VersionedForm, VNDateField, choices, int_or_none
from . import permissions as perm
from . import queries
from .models import ANSWER_TYPES, CHOICES, FAILING, INSPECTION_STATUSES, PLAN_KINDS
from .numbers import parse_number


class NewTemplateForm(Form):
    owner_unit = SelectField(_l("Đơn vị quản lý mẫu phiếu"), coerce=int_or_none, validate_choice=False)
    title = StringField(_l("Tên mẫu phiếu"), validators=[
        DataRequired(_l("Vui lòng nhập tên mẫu phiếu.")), Length(max=200, message=_l("Tên quá dài (tối đa 200 ký tự)."))])
    purpose = TextAreaField(_l("Mục đích, yêu cầu"), validators=[
        Optional(), Length(max=2000, message=_l("Quá dài (tối đa 2000 ký tự)."))])

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {u.id: u for u in units}
        self.owner_unit.choices = choices((u.id, u.name) for u in units)

    def validate_owner_unit(self, field):
        if field.data not in self.units:
            raise ValidationError(_l("Vui lòng chọn đơn vị cấp tỉnh hoặc cấp huyện nơi bạn là cán bộ kiểm tra."))

    def validate_title(self, field):
        if field.data and self.owner_unit.data in self.units and queries.template_title_taken(self.owner_unit.data,
                                                                                             field.data):
            raise ValidationError(_l("Đơn vị đã có mẫu phiếu với tên này."))


class TemplateMetaForm(VersionedForm):
    title = StringField(_l("Tên mẫu phiếu"), validators=[
        DataRequired(_l("Vui lòng nhập tên mẫu phiếu.")), Length(max=200, message=_l("Tên quá dài (tối đa 200 ký tự)."))])
    purpose = TextAreaField(_l("Mục đích, yêu cầu"), validators=[
        Optional(), Length(max=2000, message=_l("Quá dài (tối đa 2000 ký tự)."))])


class SectionForm(VersionedForm):
    title = StringField(_l("Tên phần"), validators=[
        DataRequired(_l("Vui lòng nhập tên phần.")), Length(max=300, message=_l("Tên quá dài (tối đa 300 ký tự)."))])


class ItemForm(VersionedForm):
    text = TextAreaField(_l("Nội dung kiểm tra"), validators=[
        DataRequired(_l("Vui lòng nhập nội dung kiểm tra.")), Length(max=500, message=_l("Quá dài (tối đa 500 ký tự)."))])
    guidance = StringField(_l("Hướng dẫn (không bắt buộc)"), validators=[
        Optional(), Length(max=500, message=_l("Quá dài (tối đa 500 ký tự)."))])
    answer_type = SelectField(_l("Kiểu trả lời"), choices=choices(ANSWER_TYPES.items()), default="choice",
                              validators=[DataRequired(_l("Vui lòng chọn kiểu trả lời."))])
    weight = IntegerField(_l("Trọng số khi chấm điểm"), default=1, validators=[
        InputRequired(_l("Vui lòng nhập trọng số (0–10).")), NumberRange(0, 10, message=_l("Trọng số từ 0 đến 10."))])
    note_required = BooleanField(_l("Bắt buộc ghi chú khi không đạt"), default=True)

    def validate_answer_type(self, field):
        if field.data not in ANSWER_TYPES:
            raise ValidationError(_l("Vui lòng chọn kiểu trả lời."))


def _decision_taken(field):
    field.errors = [_("Số quyết định này đã có kế hoạch kiểm tra của đơn vị.")]


class _TeamRules:
    """The team of a plan: a lead and members chosen among `people` ({id: user}), all holding the inspector role at
    the inspecting unit."""

    def set_people(self, people):
        self.people = people
        self.team.choices = choices((u.id, u.full_name) for u in people.values())
        self.lead.choices = choices([("", _("— chọn trưởng đoàn —"))] + [(u.id, u.full_name) for u in people.values()])

    def check_team(self, inspecting):
        ok, people = True, self.people
        team_ids = set(self.team.data) | ({self.lead.data} if self.lead.data else set())
        if not self.lead.data or self.lead.data not in people:
            self.lead.errors = [_("Vui lòng chọn trưởng đoàn kiểm tra.")]
            ok = False
        if any(i not in people for i in team_ids):
            self.team.errors = [_("Thành viên được chọn không hợp lệ.")]
            ok = False
        else:
            allowed = queries.inspectors_on(inspecting, team_ids)
            missing = [people[i].full_name for i in team_ids if i not in allowed]
            if missing:
                self.team.errors = [_("Thành viên đoàn kiểm tra phải có vai trò kiểm tra tại %(unit)s: %(names)s.",
                                      unit=inspecting.name, names=", ".join(missing))]
                ok = False
        return ok

    def chosen_team(self):
        return [self.people[i] for i in self.team.data], self.people[self.lead.data]

    def decision_taken(self):
        _decision_taken(self.decision_number)


class PlanForm(_TeamRules, Form):
    kind = SelectField(_l("Hình thức"), choices=choices(PLAN_KINDS.items()), default="periodic")
    title = StringField(_l("Nội dung kiểm tra"), validators=[
        DataRequired(_l("Vui lòng nhập nội dung kiểm tra.")), Length(max=300, message=_l("Quá dài (tối đa 300 ký tự)."))])
    decision_number = StringField(_l("Số quyết định"), validators=[
        DataRequired(_l("Vui lòng nhập số quyết định.")), Length(max=60, message=_l("Quá dài (tối đa 60 ký tự)."))],
        render_kw={"placeholder": "12-QĐ/HĐTN"})
    decision_date = VNDateField(_l("Ngày quyết định"), validators=[DataRequired(_l("Vui lòng nhập ngày quyết định."))])
    inspecting_unit = SelectField(_l("Đơn vị kiểm tra"), coerce=int_or_none, validate_choice=False)
    template = SelectField(_l("Mẫu phiếu kiểm tra"), coerce=int_or_none, validate_choice=False)
    units = MultiCheckboxField(_l("Đơn vị được kiểm tra"), coerce=int_or_none, validate_choice=False)
    team = MultiCheckboxField(_l("Thành viên đoàn kiểm tra"), coerce=int_or_none, validate_choice=False)
    lead = SelectField(_l("Trưởng đoàn"), coerce=int_or_none, validate_choice=False)
    planned_start = VNDateField(_l("Từ ngày"), validators=[DataRequired(_l("Vui lòng nhập ngày bắt đầu."))])
    planned_end = VNDateField(_l("Đến ngày"), validators=[DataRequired(_l("Vui lòng nhập ngày kết thúc."))])
    class_id = SelectField(_l("Lớp cảm tình Đoàn được giám sát (nếu có)"), coerce=int_or_none, validate_choice=False)

    def validate_kind(self, field):
        if field.data not in PLAN_KINDS:
            raise ValidationError(_l("Vui lòng chọn hình thức kiểm tra."))

    def validate_planned_end(self, field):
        if field.data and self.planned_start.data and field.data < self.planned_start.data:
            raise ValidationError(_l("Ngày kết thúc không được trước ngày bắt đầu."))

    def set_options(self, *, units, targets, people, templates, classes):
        """What the form offers (queries.plan_options): units to plan from, units to inspect, inspectors, the
        checklists of every unit the user plans from (and above; checked against the chosen unit on submit), classes."""
        self.unit_map, self.target_map = {u.id: u for u in units}, {u.id: u for u in targets}
        self.inspecting_unit.choices = choices((u.id, u.name) for u in units)
        self.units.choices = choices((u.id, ("— " * max(0, u.depth - 1)) + u.name) for u in targets)
        self.set_people({u.id: u for u in people})
        self.template.choices = choices((t.id, f"{v.title} (v{v.number}, {owner.name})") for t, v, owner, _n in templates)
        self.class_id.choices = choices([("", _("— không giám sát lớp nào —"))] + [
            (c.id, f"{c.title} · {unit_name} · {c.starts_on.strftime('%d/%m/%Y')}") for c, unit_name in classes])

    def preset(self, user):
        """A new form: the first unit the user plans from, the user as the lead."""
        if self.unit_map:
            self.inspecting_unit.data = next(iter(self.unit_map))
        if user.id in self.people:
            self.lead.data = user.id

    def check_rules(self, user):
        """The rules beyond the fields: the inspected units lie below the inspecting unit, the class and the checklist
        belong to it or above, the team holds the role, one plan per decision number. Sets `inspecting`,
        `chosen_units` and `chosen_template` when it passes."""
        ok = True
        inspecting = self.unit_map.get(self.inspecting_unit.data)
        if inspecting is None or not perm.can_plan_at(user, inspecting):
            self.inspecting_unit.errors = [_("Vui lòng chọn đơn vị nơi bạn là cán bộ kiểm tra.")]
            return False
        chosen = [self.target_map.get(i) for i in self.units.data]
        if not chosen:
            self.units.errors = [_("Vui lòng chọn ít nhất một đơn vị được kiểm tra.")]
            ok = False
        elif None in chosen:
            self.units.errors = [_("Đơn vị được chọn không hợp lệ.")]
            ok = False
        else:
            outside = [u.name for u in chosen if not (u.path.startswith(inspecting.path) and u.id != inspecting.id)]
            if outside:
                self.units.errors = [_("Đơn vị được kiểm tra phải trực thuộc %(unit)s: %(names)s không thuộc phạm vi này.",
                                       unit=inspecting.name, names=", ".join(outside))]
                ok = False
        if self.class_id.data:
            klass = queries.get_class(self.class_id.data)
            if klass is None or not klass.unit_path.startswith(inspecting.path):
                self.class_id.errors = [_("Lớp được giám sát phải do đơn vị kiểm tra hoặc đơn vị trực thuộc tổ chức.")]
                ok = False
        template = queries.get_template(self.template.data)
        if template is None or not inspecting.path.startswith(template.owner_unit.path):
            self.template.errors = [_("Vui lòng chọn mẫu phiếu của đơn vị kiểm tra hoặc cấp trên.")]
            ok = False
        ok = self.check_team(inspecting) and ok
        if self.decision_number.data and queries.decision_number_taken(inspecting.id, self.decision_number.data):
            self.decision_taken()
            ok = False
        self.inspecting, self.chosen_units, self.chosen_template = inspecting, chosen, template
        return ok


class PlanEditForm(_TeamRules, VersionedForm):
    kind = PlanForm.kind
    title = PlanForm.title
    decision_number = PlanForm.decision_number
    decision_date = PlanForm.decision_date
    team = MultiCheckboxField(_l("Thành viên đoàn kiểm tra"), coerce=int_or_none, validate_choice=False)
    lead = SelectField(_l("Trưởng đoàn"), coerce=int_or_none, validate_choice=False)
    planned_start = PlanForm.planned_start
    planned_end = PlanForm.planned_end
    validate_kind = PlanForm.validate_kind
    validate_planned_end = PlanForm.validate_planned_end

    def __init__(self, *args, plan, people, **kwargs):
        """`people`: the inspectors the user may choose ({id: user}); the plan's members are offered too."""
        super().__init__(*args, obj=plan, **kwargs)
        self.plan = plan
        people = dict(people)
        for m in plan.members:
            people.setdefault(m.user_id, m.user)
        self.set_people(people)
        if not self.is_submitted():
            self.team.data = [m.user_id for m in plan.members]
            self.lead.data = plan.lead.id if plan.lead else None

    def check_rules(self):
        """The team holds the role at the inspecting unit; the decision number is the unit's only plan with it."""
        if not self.check_team(self.plan.inspecting_unit):
            return False
        if queries.decision_number_taken(self.plan.inspecting_unit_id, self.decision_number.data,
                                         other_than=self.plan.id):
            self.decision_taken()
            return False
        return True


class ConclusionForm(VersionedForm):
    inspected_on = VNDateField(_l("Ngày kiểm tra"), validators=[DataRequired(_l("Vui lòng nhập ngày kiểm tra."))])
    strengths = TextAreaField(_l("Ưu điểm"), validators=[Optional(), Length(max=5000, message=_l("Quá dài."))])
    shortcomings = TextAreaField(_l("Hạn chế, thiếu sót"), validators=[Optional(), Length(max=5000, message=_l("Quá dài."))])
    conclusion = TextAreaField(_l("Kết luận"), id="conclusion_text", validators=[
        Optional(), Length(max=5000, message=_l("Quá dài."))])

    def __init__(self, *args, inspection=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.inspection = inspection
        if inspection is not None and self.inspected_on.data is None and not self.inspected_on.raw_data:
            self.inspected_on.data = inspection.visit_date

    def validate_inspected_on(self, field):
        if not field.data or self.inspection is None:
            return
        if field.data > date.today():
            raise ValidationError(_l("Ngày kiểm tra không được ở tương lai."))
        decided = self.inspection.plan.decision_date
        if field.data < decided:
            raise ValidationError(_("Ngày kiểm tra phải sau ngày quyết định kiểm tra (%(d)s).",
                                     d=decided.strftime("%d/%m/%Y")))
        first_due = queries.first_action_due(self.inspection)
        if first_due is not None and field.data > first_due:
            raise ValidationError(_("Đã có việc khắc phục hạn %(d)s — ngày kiểm tra không thể sau hạn đó.",
                                     d=first_due.strftime("%d/%m/%Y")))


class ActionForm(Form):
    token = HiddenField()
    finding = TextAreaField(_l("Thiếu sót phát hiện"), validators=[
        DataRequired(_l("Vui lòng ghi thiếu sót phát hiện.")), Length(max=2000, message=_l("Quá dài."))])
    remedy = TextAreaField(_l("Yêu cầu khắc phục"), validators=[
        DataRequired(_l("Vui lòng ghi yêu cầu khắc phục.")), Length(max=2000, message=_l("Quá dài."))])
    owner_unit = SelectField(_l("Đơn vị thực hiện"), coerce=int_or_none, validate_choice=False)
    due_on = VNDateField(_l("Hạn hoàn thành"), validators=[DataRequired(_l("Vui lòng nhập hạn hoàn thành."))])

    def __init__(self, *args, units=(), visit_date=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_map = {u.id: u for u in units}
        self.visit_date = visit_date
        self.owner_unit.choices = choices((u.id, u.name) for u in units)
        if not self.token.data:
            self.token.data = secrets.token_urlsafe(16)

    def validate_owner_unit(self, field):
        if field.data not in self.unit_map:
            raise ValidationError(_l("Đơn vị thực hiện phải là đơn vị được kiểm tra hoặc đơn vị trực thuộc."))

    def validate_due_on(self, field):
        if field.data and self.visit_date and field.data < self.visit_date:
            raise ValidationError(_("Hạn hoàn thành không được trước ngày kiểm tra (%(d)s).",
                                     d=self.visit_date.strftime("%d/%m/%Y")))


class CloseForm(VersionedForm):
    pass


class AckForm(VersionedForm):
    ack_name = StringField(_l("Họ và tên người đại diện"), validators=[
        DataRequired(_l("Vui lòng nhập họ tên người đại diện.")), Length(max=200, message=_l("Quá dài."))])
    ack_post = StringField(_l("Chức vụ"), validators=[
        DataRequired(_l("Vui lòng nhập chức vụ.")), Length(max=200, message=_l("Quá dài."))],
        render_kw={"placeholder": _l("Bí thư Đoàn xã")})
    ack_on = VNDateField(_l("Ngày xác nhận"), validators=[DataRequired(_l("Vui lòng nhập ngày xác nhận."))])


class DoneForm(VersionedForm):
    note = TextAreaField(_l("Đã khắc phục thế nào"), validators=[
        DataRequired(_l("Vui lòng ghi rõ đã khắc phục thế nào.")), Length(max=2000, message=_l("Quá dài."))])


class VerifyForm(VersionedForm):
    note = TextAreaField(_l("Ghi chú"), id="verify_note", validators=[Optional(), Length(max=2000, message=_l("Quá dài."))])


class ReopenForm(VersionedForm):
    note = TextAreaField(_l("Lý do yêu cầu khắc phục lại"), id="reopen_note", validators=[
        DataRequired(_l("Vui lòng ghi lý do.")), Length(max=2000, message=_l("Quá dài."))])


def parse_answer(item, form):
    """One item's answer from the record form (a-<item>, n-<item>) → (values for save_answer, typed, error)."""
    raw = (form.get(f"a-{item.id}") or "").strip()
    note = (form.get(f"n-{item.id}") or "").strip()
    typed = {"raw": raw, "note": note}
    values, error = {"note": note}, None
    if item.answer_type == "choice":
        if raw and raw not in CHOICES:
            return values, typed, _("Câu trả lời không hợp lệ.")
        values["choice"] = raw or None
        if raw in FAILING and item.note_required and not note:
            error = _("Mục này chưa đạt: vui lòng ghi chú lý do.")
    elif item.is_number:
        values["number"], number_error = parse_number(raw, whole=item.answer_type == "number")
        if number_error:
            return values, typed, number_error
    else:
        if len(raw) > 5000 or len(note) > 5000:
            return values, typed, _("Quá dài (tối đa 5000 ký tự).")
        values["text"] = raw
    if len(note) > 5000:
        error = _("Ghi chú quá dài (tối đa 5000 ký tự).")
    return values, typed, error


def typed_answer(item, form):
    """What was typed for one item, as sent (shown again beside a refusal)."""
    return {"raw": form.get(f"a-{item.id}", ""), "note": form.get(f"n-{item.id}", "")}


class InspectionFilterForm(FilterForm):
    """The inspections list's filters (GET); the unit, level and "mine" of the list ride along hidden."""
    unit = HiddenField()
    level = HiddenField()
    mine = HiddenField()
    status = SelectField(_l("Trạng thái"), choices=choices(
        [("", _l("Tất cả")), ("open", _l("Chưa kết thúc")), *INSPECTION_STATUSES.items()]))
    year = StringField(_l("Năm"), render_kw={"inputmode": "numeric"})

    @classmethod
    def bind(cls, args, unit=None, level=None, mine=False, year=None):
        """The values the list read from `args`: an argument it refused is not carried along."""
        form = cls(args)
        form.unit.data, form.level.data, form.mine.data = (unit.id if unit else None), level, ("1" if mine else None)
        form.year.data = year
        return form
