"""Demo inspections: the built-in checklists, and a few plans per district this year — one inspection finished
with findings and actions (one overdue), one half recorded, one still planned. Deterministic (uses rng)."""
from datetime import date, timedelta

from sqlalchemy import select

from ..auth.models import User
from ..extensions import db
from ..units.models import Unit
from . import queries, services
from .models import ChecklistTemplate

FINDINGS = [
    ("Sổ theo dõi đoàn viên chuyển sinh hoạt đi, đến chưa cập nhật từ đầu năm.",
     "Cập nhật đầy đủ sổ theo dõi chuyển sinh hoạt; đối chiếu với danh sách các chi đoàn."),
    ("Một số hồ sơ kết nạp thiếu giấy chứng nhận học lớp cảm tình Đoàn.",
     "Bổ sung giấy chứng nhận vào hồ sơ; không xét kết nạp khi hồ sơ chưa đủ."),
    ("Chưa nắm được số đoàn viên đi làm ăn xa.",
     "Rà soát, lập danh sách đoàn viên đi làm ăn xa theo từng chi đoàn."),
]


def ensure_builtin_templates(unit, by=None):
    """Install the shipped checklists for `unit` if it has none. Not for GET requests: callers are the demo seed,
    the test factories and the POST button on the templates page."""
    return services.install_builtin_templates(owner_unit=unit, by=by)


def _answer_all(inspection, rng, by, fraction=1.0):
    sections = queries.version_sections(inspection.template_version_id)
    items = [it for s in sections for it in s.items]
    for it in items[: max(1, int(len(items) * fraction))]:
        if it.answer_type == "choice":
            choice = rng.choices(["yes", "partly", "no", "na"], weights=[70, 15, 10, 5])[0]
            note = "Cần bổ sung, hoàn thiện." if choice in ("no", "partly") else None
            services.save_answer(inspection=inspection, item=it, choice=choice, note=note, by=by)
        elif it.answer_type == "number":
            services.save_answer(inspection=inspection, item=it, number=float(rng.randint(3, 120)), by=by)
        else:
            services.save_answer(inspection=inspection, item=it, text="Đơn vị tiếp thu ý kiến của đoàn kiểm tra.", by=by)
    return sections


def seed(*, province, communes, size, rng, echo):
    ensure_builtin_templates(province)
    templates = {t.builtin_key: t for t in db.session.scalars(
        select(ChecklistTemplate).where(ChecklistTemplate.owner_unit_id == province.id))}
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(
        ("tinh.inspector", "huyen.inspector"))))}
    districts = db.session.scalars(select(Unit).where(Unit.parent_id == province.id, Unit.level == "district")
                                   .order_by(Unit.id)).all()
    inspecting_units = districts or [province]
    today = date.today()
    visit = today - timedelta(days=45)
    plans = 0
    for n, unit in enumerate(inspecting_units, start=1):
        targets = [c for c in communes if c.path.startswith(unit.path)]
        if not targets:
            continue
        targets = targets[:3]
        huyen = users.get("huyen.inspector")
        lead = huyen if huyen is not None and n == 1 and unit.level == "district" else users.get("tinh.inspector")
        if lead is None:
            continue
        team = [users["tinh.inspector"]] if "tinh.inspector" in users else []
        plan = services.create_plan(
            inspecting_unit=unit, kind="periodic",
            title="Kiểm tra công tác phát triển và quản lý đoàn viên năm " + str(today.year),
            decision_number=f"{n:02d}-QĐ/KT", decision_date=visit - timedelta(days=10),
            template=templates["member_development"], units=targets, team=team, lead=lead,
            planned_start=visit, planned_end=visit + timedelta(days=60), by=lead)
        plans += 1
        for k, inspection in enumerate(plan.inspections):
            if k == 0:
                sections = _answer_all(inspection, rng, lead)
                services.save_conclusion(
                    inspection=inspection, expected_version=None, inspected_on=visit,
                    strengths="Ban Chấp hành quan tâm công tác quản lý đoàn viên; sổ sách cơ bản đầy đủ.",
                    shortcomings="Một số sổ chưa cập nhật; hồ sơ kết nạp còn thiếu giấy tờ.",
                    conclusion="Đơn vị thực hiện tương đối tốt công tác phát triển và quản lý đoàn viên.", by=lead)
                for j, (finding, remedy) in enumerate(rng.sample(FINDINGS, 2)):
                    due = visit + timedelta(days=30) if j == 0 else today + timedelta(days=30)
                    services.add_action(inspection=inspection, finding=finding, remedy=remedy,
                                        owner_unit=inspection.unit, due_on=due, by=lead)
                services.close_inspection(inspection=inspection, expected_version=None, sections=sections,
                                          answers=queries.answers_for(inspection), by=lead)
                services.acknowledge(inspection=inspection, expected_version=None, name="Nguyễn Văn Bình",
                                     post="Bí thư Đoàn", on=visit, by=lead)
            elif k == 1:
                _answer_all(inspection, rng, lead, fraction=0.4)
    if "class_supervision" in templates and users.get("tinh.inspector") and communes:
        services.create_plan(
            inspecting_unit=province, kind="thematic", title="Giám sát lớp bồi dưỡng nhận thức về Đoàn",
            decision_number="01-QĐ/GS", decision_date=today - timedelta(days=5),
            template=templates["class_supervision"], units=[communes[-1]], team=[], lead=users["tinh.inspector"],
            planned_start=today + timedelta(days=7), planned_end=today + timedelta(days=14), by=users["tinh.inspector"])
        plans += 1
    db.session.flush()
    echo(f"inspections: {len(templates)} checklists, {plans} plans")
