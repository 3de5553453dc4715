"""Factories for the inspections tests: built-in checklists on the province, plans made through the services."""
from datetime import date, timedelta

import pytest

from app.inspections import queries, services
from app.inspections.models import Inspection

__all__ = ["builtin", "make_plan", "answer_all", "inspector", "section_items"]


@pytest.fixture
def builtin(db, tree):
    """The shipped checklists, owned by the province P."""
    from app.inspections.seed import ensure_builtin_templates

    made = ensure_builtin_templates(tree.P)
    db.session.commit()
    return {t.builtin_key: t for t in made}


@pytest.fixture
def inspector(tree, make_user):
    """District D's lead inspector."""
    return make_user("huyen.kt", (tree.D, "inspector"), full_name="Phạm Thu Hà")


@pytest.fixture
def make_plan(db, tree, builtin, inspector):
    counter = {"n": 0}

    def factory(*, inspecting=None, units=None, lead=None, team=(), key="member_development", planned_start=None,
                kind="periodic"):
        counter["n"] += 1
        start = planned_start or date.today()
        plan = services.create_plan(
            inspecting_unit=inspecting or tree.D, kind=kind, title="Kiểm tra công tác quản lý đoàn viên",
            decision_number=f"{counter['n']:02d}-QĐ/KT", decision_date=start - timedelta(days=7),
            template=builtin[key], units=units or [tree.C1], team=list(team), lead=lead or inspector,
            planned_start=start, planned_end=start + timedelta(days=30), by=lead or inspector)
        db.session.commit()
        return plan

    return factory


def section_items(inspection):
    return queries.version_sections(inspection.template_version_id)


def answer_all(db, inspection, choice="yes", by=None):
    """Answer every item through the service (yes / a number / a text)."""
    inspection = db.session.get(Inspection, inspection.id)
    for s in section_items(inspection):
        for it in s.items:
            if it.answer_type == "choice":
                services.save_answer(inspection=inspection, item=it, choice=choice,
                                     note="Ghi chú" if choice in ("no", "partly") else None, by=by)
            elif it.answer_type == "number":
                services.save_answer(inspection=inspection, item=it, number=12, by=by)
            else:
                services.save_answer(inspection=inspection, item=it, text="Không có ý kiến khác", by=by)
    db.session.commit()
    return inspection
