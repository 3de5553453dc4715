"""Factories for the members' evaluation: a branch whose Union members have a year of records that make each of the
four default grades the proposal, with the five-criteria verdict set by hand."""
from datetime import date

from sqlalchemy import update

from app.activities.models import Activity, Attendance, DuesPayment, PersonStanding
from app.year import catalogue
from tests.factories_members import person_in

YEAR = date.today().year - 1  # a whole year in the past: every record of it is dated before today
# member i of a branch: (present at the 4 activities with a roll, months of dues) → the proposal with the defaults
PATTERN = ((4, 12, "excellent"), (3, 10, "good"), (2, 6, "done"), (1, 2, "failed"))
NAMES = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khánh", "Lan", "Minh", "Nga", "Phúc", "Quân", "Sơn", "Thảo",
         "Uyên", "Vinh", "Xuân", "Yến")


def grades_by_code(kind="member"):
    return {g.code: g for g in catalogue.grades(kind)}


def expected(i):
    return PATTERN[i % len(PATTERN)][2]


def graded_branch(db, branch, n=8, year=YEAR, paper=(), prefix="Đoàn Viên", verdict="real"):
    """`n` Union members on `branch` (names sort in creation order), four activities of `year` with the roll taken,
    attendance and dues by PATTERN; the verdict of each is `verdict` (members whose index is in `paper`: "paper").
    Committed. Returns the people in order."""
    catalogue.ensure()
    acts = [Activity(unit_id=branch.id, unit_path=branch.path, held_on=date(year, 2 + 3 * k, 10), kind="regular",
                     title=f"Sinh hoạt quý {k + 1}") for k in range(4)]
    db.session.add_all(acts)
    people = []
    for i in range(n):
        name = f"{prefix} {i:03d} {NAMES[i % len(NAMES)]}"
        p = person_in(db, branch, name, registered=False, commit=False, joined_on=date(year - 3, 3, 26),
                      status="active", occupation="farmer")
        present, dues, _g = PATTERN[i % len(PATTERN)]
        for k, a in enumerate(acts):
            db.session.add(Attendance(activity_id=a.id, person_id=p.id, status="present" if k < present else "absent"))
        for m in range(1, dues + 1):
            db.session.add(DuesPayment(person_id=p.id, month=date(year, m, 1), amount=2000))
        people.append(p)
    db.session.commit()
    set_verdicts(db, people, verdict, paper)
    return people


def set_verdicts(db, people, verdict="real", paper=()):
    """The five criteria's verdict of these people, written over what the records gave (the tests decide it)."""
    for i, p in enumerate(people):
        db.session.execute(update(PersonStanding).where(PersonStanding.person_id == p.id)
                           .values(verdict="paper" if i in paper else verdict))
    db.session.commit()
