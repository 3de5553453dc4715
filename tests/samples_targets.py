"""Route-walk samples for the targets: everything inside commune C1 — C1's submitted target for "admitted" (so the
approver's routes have something to decide), the indicator and its code, and a Party step of a person of B1.
person_id and unit_id come from the members' and the core samples (a person of B1, branch B1)."""
from datetime import date

from sqlalchemy import select

from app.targets import catalogue
from app.targets.models import Indicator, PartyStep, Target
from tests.factories_members import person_in


def make_samples(ctx):
    db, tree = ctx.db, ctx.tree
    catalogue.ensure()
    indicator = db.session.scalar(select(Indicator).where(Indicator.code == "admitted"))
    year = date.today().year
    target = Target(unit_id=tree.C1.id, unit_path=tree.C1.path, year=year, indicator_id=indicator.id, number=1,
                    value=12, justification="Mẫu", status="submitted")
    person = person_in(db, tree.B1, "Lê Thị Ưu Tú", commit=False)
    step = PartyStep(person_id=person.id, unit_id=tree.B1.id, unit_path=tree.B1.path, kind="outstanding", year=year,
                     on=date(year, 1, 15), decided_by="BCH Đoàn xã")
    db.session.add_all([target, step])
    db.session.commit()
    return {"target_id": target.id, "indicator_id": indicator.id, "code": indicator.code, "step_id": step.id}
