"""The proposal rule (app.year.queries.evaluation.propose): a pure function of the evidence, the rules' numbers and the
grades in force. A paper member is never proposed above the lowest grade; the numbers stored by a province admin
override the defaults."""
from types import SimpleNamespace as G

import pytest

from app.year import rules
from app.year.models import GradingRule
from app.year.queries.evaluation import attendance_share, grade_problem, propose, top_grade

EXCELLENT, GOOD, DONE, FAILED = (G(id=i, code=c, name=c, rank=i, kind="member", active=True)
                                 for i, c in enumerate(("excellent", "good", "done", "failed"), 1))
GRADES = [FAILED, DONE, EXCELLENT, GOOD]  # any order
DEFAULTS = {code: default for code, (default, _label) in rules.DEFAULTS.items()}


def ev(present=4, held=4, dues=12, verdict="real", **more):
    return {"held": held, "present": present, "dues": dues, "classes": 0, "verdict": verdict, **more}


@pytest.mark.parametrize("evidence, grade", [
    (ev(), EXCELLENT),
    (ev(present=9, held=10, dues=12), EXCELLENT),  # 90 %
    (ev(present=8, held=10, dues=12), GOOD),  # 80 %: not 90
    (ev(dues=11), GOOD),
    (ev(present=3), GOOD),  # 75 %
    (ev(present=3, dues=9), DONE),
    (ev(present=2, dues=6), DONE),
    (ev(present=2, dues=5), FAILED),
    (ev(present=1, dues=12), FAILED),  # 25 %
    (ev(verdict="incomplete"), GOOD),  # "excellent" needs the five criteria met
    (ev(verdict=None), GOOD),  # no standing (over the Union's age): not real, not paper
    (ev(held=0, present=0), FAILED),  # no activity with a roll: attendance unknown, no grade above the lowest
    ({}, FAILED),
    (None, FAILED),
])
def test_the_thresholds_best_grade_met(evidence, grade):
    assert propose(evidence, DEFAULTS, GRADES) is grade


@pytest.mark.parametrize("evidence", [ev(), ev(present=3, dues=10), ev(present=2, dues=6)])
def test_a_paper_member_is_never_proposed_above_the_lowest_grade(evidence):
    assert propose({**evidence, "verdict": "paper"}, DEFAULTS, GRADES) is FAILED


def test_grades_are_data_an_added_grade_is_never_proposed_a_retired_one_leaves_the_proposals():
    fair = G(id=9, code="kha", rank=2, kind="member", active=True)  # added by an admin: no numbers
    assert propose(ev(present=3, dues=10), DEFAULTS, [*GRADES, fair]) is GOOD
    assert propose(ev(), DEFAULTS, [GOOD, DONE, FAILED]) is GOOD  # "excellent" retired
    five = G(id=10, code="five", rank=5, kind="member", active=True)  # a new lowest grade: the paper members' one
    assert propose(ev(verdict="paper"), DEFAULTS, [*GRADES, five]) is five
    assert propose(ev(present=1), DEFAULTS, [*GRADES, five]) is five
    assert propose(ev(), DEFAULTS, []) is None


def test_stored_rules_override_the_defaults(db):
    evidence = ev(present=7, held=10, dues=10)  # 70 %
    assert propose(evidence, rules.current(), GRADES) is DONE
    db.session.add_all([GradingRule(code="member.good.attendance", value=70),
                        GradingRule(code="member.excellent.dues", value=10),
                        GradingRule(code="member.excellent.attendance", value=70)])
    db.session.commit()
    values = rules.current()
    assert values["member.good.attendance"] == 70 and values["member.done.dues"] == 6  # the others keep their default
    assert propose(evidence, values, GRADES) is EXCELLENT
    assert propose({**evidence, "verdict": "paper"}, values, GRADES) is FAILED  # whatever the numbers say


def test_attendance_share_and_the_decision_rules():
    assert attendance_share(ev(present=2, held=3)) == 67 and attendance_share(ev(held=0)) is None
    assert top_grade(GRADES) is EXCELLENT
    member_grade = G(proposed_grade_id=GOOD.id)
    assert grade_problem(member_grade, GOOD, None, False, GRADES) is None
    assert grade_problem(member_grade, EXCELLENT, None, False, GRADES)[0] == "reason"
    assert grade_problem(member_grade, EXCELLENT, "Tiêu biểu", True, GRADES) is None
    assert grade_problem(member_grade, GOOD, None, True, GRADES)[0] == "outstanding"
    assert grade_problem(member_grade, G(id=7, kind="unit", active=True), "x", False, GRADES)[0] == "grade"
    assert grade_problem(member_grade, G(id=8, kind="member", active=False), "x", False, GRADES)[0] == "grade"
    assert grade_problem(member_grade, DONE, "x" * 501, False, GRADES)[0] == "reason"
