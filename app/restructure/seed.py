"""Demo restructuring history, seeded last (every domain has its records on the old tree by then), through the
restructuring engine itself (plans → services.start/run), as an admin would:

- `province`: the 27 pre-2025 district-level units (app/seed.py PRE_2025_DISTRICTS, a demo approximation of the
  2024 map) are dissolved on 1 July 2025 by Resolution 1686/NQ-UBTVQH15: their communes go directly under the
  province, the districts close; then two communes of former Hoằng Hóa are merged into one. Afterwards the demo's
  tree is today's (communes under the province) and the history views have a past tree to show.
- `small`: its two districts stay (the `huyen.*` accounts use them); two Youth Federation branches (chi hội) of
  Hạc Thành ward were merged on 1 July 2025: no demo account works there, and a chi hội is neither graded nor has
  members' evaluations, so last year's year-end records (made by the year seed on every Union branch) stay true.

Deterministic: it draws nothing from the demo's random stream, and picks units by code and id.
"""
import time
from datetime import date

from sqlalchemy import select

from ..auth.models import User
from ..extensions import db
from ..units.models import Unit
from . import plans, services

EFFECTIVE_ON = date(2025, 7, 1)
DISSOLVE_DECISION = "Nghị quyết số 1686/NQ-UBTVQH15 (demo)"
MERGE_DECISION = "Quyết định số 12/QĐ-TĐTN-TCKT (demo)"
BRANCH_DECISION = "Quyết định số 35/QĐ-ĐTN (demo)"
# the province demo's merge: (merged away, into) by the communes' names; the small demo's commune by code
PROVINCE_MERGE = ("Đoàn xã Hoằng Thanh", "Đoàn xã Hoằng Tiến")
SMALL_COMMUNE = "HT"


def seed(*, province, communes, size, rng, echo=print):
    db.session.commit()  # the domains' records are on the old tree; each step of an operation commits its own
    admin = db.session.scalar(select(User).where(User.username == "tinh.admin"))
    if size == "small":
        _merge_two_branches(admin, echo)
    else:
        _dissolve_districts(admin, province, echo)
        _merge_two_communes(admin, echo)


def _run(plan, admin, echo):
    if not plan.ok:
        raise RuntimeError(f"demo restructuring refused: {plan.conflicts}")
    op = services.start(plan, by=admin)
    t = time.perf_counter()
    op = services.run(op.id, by_id=admin.id)
    if op.status != "applied":
        raise RuntimeError(f"demo restructuring failed: {op.error}")
    moved = ", ".join(f"{k} {v:,}" for k, v in op.moved.items() if v)
    echo(f"restructure: {op.kind} · {op.decision}: {moved} in {time.perf_counter() - t:.1f} s")
    return op


def _dissolve_districts(admin, province, echo):
    districts = db.session.scalars(select(Unit).where(Unit.parent_id == province.id, Unit.level == "district",
                                                      Unit.status == "active").order_by(Unit.id)).all()
    if not districts:
        return None
    plan = plans.dissolve(admin, units=districts, decision=DISSOLVE_DECISION, effective_on=EFFECTIVE_ON,
                          note="Kết thúc hoạt động cấp huyện từ 01/07/2025.")
    return _run(plan, admin, echo)


def _merge_two_communes(admin, echo):
    """PROVINCE_MERGE's first commune into its second; should their branches clash (a commune may hold two branches of
    one name, which the former commune's name cannot tell apart), the next pair of communes of that name stem."""
    stem = PROVINCE_MERGE[0].rsplit(" ", 1)[0]
    communes = db.session.scalars(select(Unit).where(Unit.name.like(stem + " %"), Unit.level == "commune",
                                                     Unit.status == "active").order_by(Unit.name)).all()
    by_name = {u.name: u for u in communes}
    pairs = [tuple(by_name.get(n) for n in PROVINCE_MERGE)] + list(zip(communes, communes[1:]))
    for source, target in pairs:
        if source is None or target is None:
            continue
        plan = plans.merge(admin, sources=[source], target=target, decision=MERGE_DECISION,
                           effective_on=EFFECTIVE_ON, rename=True,
                           note="Sáp nhập tổ chức Đoàn theo địa giới hành chính mới.")
        if plan.ok:
            return _run(plan, admin, echo)
    return None


def _merge_two_branches(admin, echo):
    commune = db.session.scalar(select(Unit).where(Unit.code == SMALL_COMMUNE, Unit.level == "commune"))
    if commune is None:
        return None
    branches = db.session.scalars(select(Unit).where(Unit.parent_id == commune.id, Unit.level == "branch",
                                                     Unit.kind == "residential", Unit.org_type == "federation",
                                                     Unit.status == "active")
                                  .order_by(Unit.id.desc())).all()
    # the last residential chi hội into the one before it (the first pair a transfer waiting on does not block)
    for source, target in zip(branches, branches[1:]):
        plan = plans.merge(admin, sources=[source], target=target, decision=BRANCH_DECISION,
                           effective_on=EFFECTIVE_ON, note="Sáp nhập thôn, tổ dân phố.")
        if plan.ok:
            return _run(plan, admin, echo)
    return None
