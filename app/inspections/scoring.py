"""Scores are computed from the answers and the item weights, never typed.

A scored item is a yes/no/partly item with a weight above 0: yes counts 1, partly ½, no 0; "not applicable"
leaves the item out. An unanswered scored item counts 0. Scores are out of 100, rounded to one decimal.
"""
from .models import CHOICE_SCORE


def answer_is_complete(item, choice=None, number=None, text=None):
    if item.answer_type == "choice":
        return choice in ("yes", "no", "partly", "na")
    if item.is_number:
        return number is not None
    return bool((text or "").strip())


def section_score(items, answers):
    got = total = 0.0
    for item in items:
        if not item.scored:
            continue
        a = answers.get(item.id)
        choice = a.choice if a is not None else None
        if choice == "na":
            continue
        total += item.weight
        got += item.weight * CHOICE_SCORE.get(choice, 0.0)
    return (got, total)


def scores(sections, answers):
    """→ ({section_id: score or None}, overall or None)."""
    per, got_all, total_all = {}, 0.0, 0.0
    for s in sections:
        got, total = section_score(s.items, answers)
        per[s.id] = round(100 * got / total, 1) if total else None
        got_all += got
        total_all += total
    return per, (round(100 * got_all / total_all, 1) if total_all else None)
