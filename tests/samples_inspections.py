"""Route-walk samples for inspections: everything inside commune C1 (a C1-owned checklist, a plan of C1 over
its branch B1, an answer, a photo record, a corrective action owned by B1)."""
from datetime import date, timedelta

from app.inspections import services
from app.inspections.models import Photo


def make_samples(ctx):
    db, tree = ctx.db, ctx.tree
    lead = ctx.make_user("victim.inspector", (tree.C1, "inspector"))
    template = services.create_template(owner_unit=tree.C1, title="Phiếu kiểm tra chi đoàn", purpose="Thử",
                                        sections=[("Sổ sách", [("Có sổ chi đoàn", "choice", 1, True, None)])])
    db.session.flush()
    today = date.today()
    plan = services.create_plan(inspecting_unit=tree.C1, kind="periodic", title="Kiểm tra chi đoàn",
                                decision_number="09-QĐ/ĐX", decision_date=today, template=template, units=[tree.B1],
                                team=[], lead=lead, planned_start=today, planned_end=today + timedelta(days=3))
    db.session.flush()
    inspection = plan.inspections[0]
    version = template.current
    section = version.sections[0]
    item = section.items[0]
    services.save_answer(inspection=inspection, item=item, choice="yes")
    action = services.add_action(inspection=inspection, finding="Thiếu sổ", remedy="Lập sổ", owner_unit=tree.B1,
                                 due_on=today + timedelta(days=10))
    photo = Photo(inspection_id=inspection.id, item_id=item.id, sha256="0" * 64, filename="missing.jpg", width=1,
                  height=1, size=1)
    db.session.add(photo)
    db.session.flush()
    return {"template_id": template.id, "section_id": section.id, "item_id": item.id, "version_id": version.id,
            "plan_id": plan.id, "inspection_id": inspection.id, "action_id": action.id, "photo_id": photo.id}
