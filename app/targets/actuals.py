"""The actual of each indicator, computed from the records — never typed, never stored.

CONTRACT (the registration, progress and party parts call only this; wt-actuals implements it):

    ACTUALS: {key: Actual}            the computations an Indicator.actual may name
    Actual(key, label, kind, levels, unit_label, records_kind)
        kind "count" or "percent"; records_kind "people" / "units" / "activities" / "steps" (what the records page lists)

    values(key, units, year, as_of=None) -> {unit.id: Value}
        the actual of each unit's subtree for the year (to `as_of`, default today), in a FIXED number of SQL
        statements whatever len(units) (the province progress page asks for 166 communes at once).
    monthly(key, unit, year, as_of=None) -> [Value] * 12
        the cumulative actual at the end of each month (months after as_of: None), a fixed number of statements.
    Value(value, numerator=None, denominator=None)
        value: a number (count) or a share in % (percent, one decimal; None when the denominator is 0).
    records_stmt(key, unit, year) -> (kind, select)
        the rows behind the number, for the records page (review.people-like, paginated by web.paginate).
    eligible_youth(unit) -> int
        youth aged 16–30 on the unit's rolls who are not Union members (the plausibility check of "new members").

The shipped catalogue (seeded by app.targets.seed, codes are stable): admitted, admitted_workers,
worker_branches_5, enterprise_orgs_10, yw_activities, yw_communes_share, party_introduced_rate,
party_admitted_rate, sympathizer_graduates, cadres_trained, real_share, review_coverage (only when the review
domain has a campaign for the year; else its Value is None).
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Value:
    value: float | None
    numerator: int | None = None
    denominator: int | None = None


@dataclass(frozen=True)
class Actual:
    key: str
    label: object
    kind: str = "count"
    records_kind: str = "people"


ACTUALS = {}
