"""Route-walk samples for the restructuring: an applied operation inside commune C1 (a split of branch B1: one of its
people goes to a new branch of C1), made by the engine as the pages would."""
from datetime import date

from app.restructure import plans, services
from tests.factories_members import person_in


def make_samples(ctx):
    db, tree = ctx.db, ctx.tree
    admin = ctx.make_user("sample.restructure", (tree.C1, "admin"))
    person = person_in(db, tree.B1, "Lê Thị Tách", commit=True)
    plan = plans.split(admin, unit=tree.B1, name="Chi đoàn Thôn 1B", code="B1B", person_ids=[person.id],
                       decision="QĐ mẫu", effective_on=date.today())
    assert plan.ok, plan.conflicts
    op = services.apply(plan, by=admin)
    return {"op_id": op.id}
