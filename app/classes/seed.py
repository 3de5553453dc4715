"""Demo classes: per commune a sympathizer class and a cadre training over the year, plus a district-level cadre
training — with sessions, enrolments (people the members seed created), attendance, results and some admissions.
Bulk inserts only; deterministic from the given rng."""
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select

from ..auth.models import RoleGrant, User
from ..extensions import db
from ..members.models import Person, PersonEvent
from ..text import fold
from ..units.models import Unit
from .models import AdmissionCase, Attendance, ClassOrganizer, ClassScopeUnit, ClassSession, Enrolment, TrainingClass
from .rules import age_on

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Lò", "Hà"]
MIDDLE_M = ["Văn", "Đức", "Minh", "Quang", "Xuân"]
MIDDLE_F = ["Thị", "Thu", "Ngọc", "Thanh", "Hồng"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Khánh", "Long", "Nam", "Phúc", "Quân", "Sơn", "Tuấn"]
GIVEN_F = ["Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga", "Nhung", "Thảo", "Yến"]
SYMPATHIZER_TOPICS = ["Lịch sử, truyền thống của Đoàn TNCS Hồ Chí Minh", "Điều lệ Đoàn và nhiệm vụ của đoàn viên",
                      "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"]
CADRE_TOPICS = ["Nghiệp vụ công tác Đoàn ở chi đoàn", "Quản lý đoàn viên, đoàn phí và sổ sách chi đoàn",
                "Tổ chức sinh hoạt chi đoàn hấp dẫn, thiết thực"]
LECTURERS = ["Đ/c Lê Thị Hồng", "Đ/c Nguyễn Văn Thành", "Đ/c Trịnh Minh Tâm", "Đ/c Phạm Thu Hằng"]


def _status(starts, ends, today):
    if ends < today:
        return "finished"
    if starts <= today:
        return "running"
    return "open" if (starts - today).days < 30 else "planned"


def _youth_for(commune, rng, n):
    """Youth of the commune not yet a member (the members seed made them); create some if there are none."""
    rows = db.session.scalars(select(Person).where(Person.unit_path.like(commune.path + "%"), Person.member_type == "youth",
                                                   Person.status == "active").order_by(Person.id).limit(n)).all()
    if len(rows) >= n // 2:
        return rows
    branches = db.session.scalars(select(Unit).where(Unit.parent_id == commune.id, Unit.level == "branch")
                                  .order_by(Unit.id)).all()
    if not branches:
        return rows
    new = []
    for i in range(n + 2 * len(branches)):  # and two Union members per branch: sponsors, branch cadres
        female = rng.random() < 0.5
        name = " ".join([rng.choice(FAMILY), rng.choice(MIDDLE_F if female else MIDDLE_M),
                         rng.choice(GIVEN_F if female else GIVEN_M)])
        b = branches[i % len(branches)]
        new.append(dict(unit_id=b.id, unit_path=b.path, full_name=name, name_key=fold(name), sex="female" if female else "male",
                        birth_date=date(date.today().year - rng.randint(16, 22), rng.randint(1, 12), rng.randint(1, 28)),
                        member_type="youth", status="active"))
        if i >= n:
            new[-1].update(member_type="union", joined_on=date(2019, 3, 26), birth_date=date(1996, 5, 19))
    ids = db.session.scalars(insert(Person).returning(Person.id), new).all()
    return rows + db.session.scalars(select(Person).where(Person.id.in_(ids), Person.member_type == "youth")
                                     .order_by(Person.id)).all()


def _cadres_for(unit, n):
    return db.session.scalars(select(Person).where(Person.unit_path.like(unit.path + "%"), Person.member_type == "union",
                                                   Person.status == "active").order_by(Person.id).limit(n)).all()


def seed(*, province, communes, size, rng, echo):
    today = date.today()
    year = today.year
    grants = db.session.execute(select(User, Unit.path).join(RoleGrant, RoleGrant.user_id == User.id)
                                .join(Unit, Unit.id == RoleGrant.unit_id)
                                .where(RoleGrant.role == "organizer", RoleGrant.revoked_at.is_(None))
                                .order_by(User.id)).all()

    def organizer_of(unit):  # the account with the organizer role closest above the unit
        fits = [(len(path), u) for u, path in grants if unit.path.startswith(path)]
        return max(fits, key=lambda x: x[0])[1] if fits else None
    plan = []  # (unit, kind, title, starts_on, people, organizer)
    chosen = communes if size == "small" else communes[:40]
    for i, c in enumerate(chosen):
        month = 2 + (i % 4)
        start = date(year, month, 10 + i % 8)
        youth = _youth_for(c, rng, 36)
        plan.append((c, "sympathizer", f"Lớp cảm tình Đoàn đợt 1 năm {year} — {c.name}", start, youth[:18]))
        start2 = date(year, 9 + i % 3, 5 + i % 10)
        plan.append((c, "sympathizer", f"Lớp cảm tình Đoàn đợt 2 năm {year} — {c.name}", start2, youth[18:28]))
        cadre_start = date(year, 4 + i % 5, 15)
        plan.append((c, "cadre", f"Tập huấn nghiệp vụ bí thư, phó bí thư chi đoàn năm {year}", cadre_start, _cadres_for(c, 12)))
        if i < 2 or c.code == "TX-XL":  # a class running now, so the demo has sessions to mark and upcoming ones
            plan.append((c, "sympathizer", f"Lớp cảm tình Đoàn đợt 3 năm {year} — {c.name}", today - timedelta(days=2),
                         youth[28:] or youth[:8], (0, 2, 9)))
    districts = db.session.scalars(select(Unit).where(Unit.level == "district").order_by(Unit.id)).all()
    for d in districts:
        plan.append((d, "cadre", f"Bồi dưỡng cán bộ Đoàn cơ sở năm {year} — {d.name}", date(year, 6, 20), _cadres_for(d, 25)))
    plan.append((province, "party", f"Lớp bồi dưỡng nhận thức về Đảng cho đoàn viên ưu tú năm {year}", date(year, 7, 8),
                 _cadres_for(province, 30)))

    n_classes = n_enrol = n_marks = n_admitted = 0
    for unit, kind, title, starts, people, *rest in plan:
        offsets = rest[0] if rest else tuple(range(3 if kind != "party" else 4))
        n_sessions = len(offsets)
        ends = starts + timedelta(days=offsets[-1])
        status = _status(starts, ends, today)
        org = organizer_of(unit)
        klass = TrainingClass(kind=kind, title=title, unit_id=unit.id, unit_path=unit.path, starts_on=starts, ends_on=ends,
                              venue=f"Hội trường {unit.name.replace('Đoàn ', 'UBND ')}", mode=rng.choice(
                                  ["in_person", "in_person", "mixed", "online"]) if kind == "cadre" else "in_person",
                              capacity=40, status=status, min_attendance_pct=80, reflection_required=kind != "cadre",
                              finished_on=ends if status == "finished" else None, created_by_id=org.id if org else None)
        db.session.add(klass)
        db.session.flush()
        n_classes += 1
        db.session.add(ClassScopeUnit(class_id=klass.id, unit_id=unit.id))
        if org:
            db.session.add(ClassOrganizer(class_id=klass.id, user_id=org.id))
        topics = SYMPATHIZER_TOPICS if kind == "sympathizer" else CADRE_TOPICS + ["Một số vấn đề cơ bản về Đảng"]
        session_ids = db.session.scalars(insert(ClassSession).returning(ClassSession.id), [
            dict(class_id=klass.id, held_on=starts + timedelta(days=k), starts_at=time(7, 30) if j % 2 == 0 else time(13, 30),
                 topic=topics[j % len(topics)], lecturer=rng.choice(LECTURERS)) for j, k in enumerate(offsets)]).all()
        session_days = [starts + timedelta(days=k) for k in offsets]
        if not people:
            continue
        enrol_rows = [dict(class_id=klass.id, person_id=p.id, status="enrolled", enrolled_by_id=org.id if org else None,
                           reflection_received=rng.random() < 0.9 if status == "finished" else False,
                           score=rng.choice([7, 7.5, 8, 8.5, 9]) if status == "finished" else None) for p in people]
        enrol_ids = db.session.scalars(insert(Enrolment).returning(Enrolment.id), enrol_rows).all()
        n_enrol += len(enrol_ids)
        present, marks = _seed_marks(rng, zip(session_ids, session_days), enrol_ids, org, today)
        if marks:
            db.session.execute(insert(Attendance), marks)
            n_marks += len(marks)
        if status != "finished":
            continue
        passed_people = _seed_results(klass, zip(enrol_rows, enrol_ids, people), present, n_sessions)
        if kind == "sympathizer":
            n_admitted += _seed_admissions(klass, passed_people, rng, today)
    db.session.flush()
    echo(f"classes: {n_classes} lớp, {n_enrol} lượt học viên, {n_marks} lượt điểm danh, {n_admitted} người được kết nạp")


def _seed_marks(rng, sessions, enrol_ids, org, today):
    """Attendance of the sessions already held: ({enrolment id: sessions present}, the attendance rows)."""
    present = {eid: 0 for eid in enrol_ids}
    marks = []
    for sid, day in sessions:
        if day >= today:  # today's session is for the organizer to mark
            continue
        at = datetime.combine(day, time(1, 30)) + timedelta(minutes=rng.randint(0, 90))
        for eid in enrol_ids:
            r = rng.random()
            st = "present" if r < 0.86 else ("excused" if r < 0.94 else "absent")
            present[eid] += st == "present"
            marks.append(dict(session_id=sid, enrolment_id=eid, status=st, first_marked_at=at, marked_at=at,
                              marked_by_id=org.id if org else None, changes=0))
    return present, marks


def _seed_results(klass, enrolled, present, n_sessions):
    """A finished class's frozen results and certificate numbers; returns the people who passed."""
    cert = 0
    passed_people = []
    for row, eid, p in enrolled:
        share = present[eid] / n_sessions
        ok = klass.passes(share, row["reflection_received"])
        values = {"attendance_pct": round(share * 100), "passed": ok}
        if ok:
            cert += 1
            values["certificate_no"] = cert
            passed_people.append(p)
        db.session.execute(Enrolment.__table__.update().where(Enrolment.id == eid).values(**values))
    return passed_people


def _seed_admissions(klass, people, rng, today):
    """A few graduates get an admission case: most admitted (ceremony recorded), some still in progress."""
    admitted = 0
    for k, p in enumerate(people[:6]):
        if p.member_type != "youth":
            continue
        exists_ = db.session.scalar(select(AdmissionCase.id).where(AdmissionCase.person_id == p.id))
        if exists_:
            continue
        sponsor = db.session.scalar(select(Person.id).where(Person.unit_id == p.unit_id, Person.member_type == "union",
                                                            Person.status == "active", Person.id != p.id).limit(1))
        fin = klass.finished_on
        meeting = fin + timedelta(days=14)
        decision = meeting + timedelta(days=7)
        ceremony = decision + timedelta(days=rng.randint(5, 20))
        parent_id = db.session.scalar(select(Unit.parent_id).where(Unit.id == p.unit_id))
        age_ok = p.birth_date is not None and 16 <= age_on(p.birth_date, decision) <= 30
        full = sponsor is not None and ceremony <= today and k < 4 and age_ok
        present = rng.randint(9, 20)
        row = dict(person_id=p.id, class_id=klass.id, branch_id=p.unit_id, unit_path=p.unit_path,
                   status="admitted" if full else "open", application_on=fin + timedelta(days=3),
                   history_on=fin + timedelta(days=5), certificate_on=fin, sponsor_id=sponsor,
                   sponsor_known_since=fin - timedelta(days=400) if sponsor else None,
                   meeting_on=meeting if meeting <= today and sponsor else None,
                   members_present=present if meeting <= today and sponsor else None,
                   votes_for=present - rng.randint(0, 2) if meeting <= today and sponsor else None,
                   decision_number=f"{rng.randint(10, 99)}-QĐ/ĐTN" if full else None,
                   decision_on=decision if full else None, decision_unit_id=parent_id if full else None,
                   ceremony_on=ceremony if full else None)
        db.session.execute(insert(AdmissionCase), [row])
        if full:
            db.session.execute(Person.__table__.update().where(Person.id == p.id).values(
                member_type="union", joined_on=ceremony, admission_decision=row["decision_number"]))
            db.session.execute(insert(PersonEvent), [dict(person_id=p.id, kind="joined", on=ceremony, unit_id=p.unit_id,
                                                          detail=row["decision_number"])])
            admitted += 1
    return admitted
