"""Factories for the classes domain: people on a branch roll, a class with sessions, enrolments."""
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from app.members.models import Person, PersonEvent
from app.text import fold

__all__ = ["make_people", "make_class", "class_world", "TODAY"]

TODAY = date.today()
GIVEN = ["An", "Bình", "Chi", "Dũng", "Đức", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương", "Khánh",
         "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Ngọc", "Nhung", "Phúc", "Quân", "Quỳnh", "Sơn", "Tâm", "Thảo",
         "Thắng", "Trang", "Trung", "Tú", "Tuấn", "Vân", "Việt", "Yến"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Đặng", "Bùi", "Đỗ", "Vũ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Minh", "Đức", "Thu", "Ngọc"]


def vn_name(i):
    return f"{FAMILY[i % len(FAMILY)]} {MIDDLE[(i // 10) % len(MIDDLE)]} {GIVEN[(i * 7) % len(GIVEN)]}"


@pytest.fixture
def make_people(db):
    """make_people(branch, n, member_type="youth", post=None, start=0) → [Person] (bulk insert)."""

    def factory(branch, n, member_type="youth", post=None, start=0, birth=date(2006, 5, 4), names=None):
        rows = []
        for i in range(n):
            name = names[i] if names else vn_name(start + i)
            rows.append(dict(unit_id=branch.id, unit_path=branch.path, full_name=name, name_key=fold(name),
                             birth_date=birth, member_type=member_type, status="active",
                             joined_on=date(2020, 3, 26) if member_type == "union" else None))
        ids = db.session.scalars(insert(Person).returning(Person.id), rows).all()
        if post:
            db.session.execute(insert(PersonEvent), [dict(person_id=i, kind="post_started", on=date(2024, 1, 5),
                                                          unit_id=branch.id, detail=post) for i in ids])
        db.session.commit()
        return db.session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.id)).all()

    return factory


@pytest.fixture
def make_class(db):
    """make_class(unit, sessions=3, people=[...], **fields) → TrainingClass built with the services."""
    from app.classes import services

    def factory(unit, sessions=3, people=(), **fields):
        fields.setdefault("title", "Lớp cảm tình Đoàn đợt 1")
        fields.setdefault("kind", "sympathizer")
        fields.setdefault("starts_on", TODAY - timedelta(days=20))
        fields.setdefault("ends_on", TODAY - timedelta(days=10))
        fields.setdefault("status", "running")
        klass = services.create_class(unit=unit, **fields)
        for i in range(sessions):
            services.add_session(klass=klass, held_on=fields["starts_on"] + timedelta(days=i), topic=f"Chuyên đề {i + 1}",
                                 lecturer="Đ/c Lê Thị Hồng")
        if people:
            services.enrol_many(klass=klass, people=list(people))
        db.session.commit()
        return klass

    return factory


@pytest.fixture
def class_world(tree, make_user):
    """Organizer and viewer of commune C1, an organizer of commune C2 (the outsider)."""

    class W:
        pass

    w = W()
    w.tree = tree
    w.organizer = make_user("xa.organizer", (tree.C1, "organizer"), full_name="Trần Minh Đức")
    w.viewer = make_user("xa.viewer", (tree.C1, "viewer"))
    w.officer = make_user("xa.officer", (tree.C1, "officer"))
    w.outsider = make_user("xa2.organizer", (tree.C2, "organizer"), (tree.C2, "viewer"))
    return w
