"""Demo activities, attendance and dues for the last 12 months, then every person's standing.

Realism: each commune has a quality (good / middling / weak); weak communes hold fewer activities (some of their
branches are silent for months), their people attend and pay less, so paper members concentrate there.
Attendance is kept for the branch's three most recent activities (the software's first months), which keeps
the province at well under a million rows. Bulk inserts in chunks; the standing is computed at the end from
these records with the same SQL as in production (refresh_standing).
"""
import time
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select

from ..dates import add_months, month_start
from ..extensions import db
from ..members.models import ON_ROLL, Person, PersonEvent
from ..units.models import Unit
from .models import Activity, Attendance, DuesPayment
from .standing import dues_window, refresh_all_at_commit, setting

CHUNK = 20000
TITLES = {
    "regular": ["Sinh hoạt chi đoàn tháng {m}", "Sinh hoạt định kỳ tháng {m}: đánh giá công tác đoàn"],
    "thematic": ["Chuyên đề “Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh”",
                 "Chuyên đề Tuổi trẻ với an toàn giao thông", "Chuyên đề Chuyển đổi số cho đoàn viên"],
    "volunteer": ["Ngày Chủ nhật xanh", "Ra quân Tháng Thanh niên", "Hiến máu tình nguyện", "Làm đường giao thông nông thôn"],
    "young_workers": ["Giao lưu thanh niên công nhân khu trọ", "Tư vấn pháp luật lao động cho công nhân"],
    "care": ["Tặng quà Tết cho đoàn viên khó khăn", "Trung thu cho thiếu nhi", "Thăm hỏi gia đình chính sách"],
}
QUALITY = (("good", 0.6), ("middling", 0.25), ("weak", 0.15))
HOLD = {"good": 0.92, "middling": 0.8, "weak": 0.55}  # chance a non-silent branch meets in a given month
ENGAGED = {"good": 0.88, "middling": 0.7, "weak": 0.35}


def _pick(rng, pairs):
    r = rng.random()
    for value, w in pairs:
        r -= w
        if r <= 0:
            return value
    return pairs[-1][0]


def _bulk(model, rows):
    """Many rows at once: COPY on PostgreSQL (executemany of millions of rows is client-bound there), executemany
    on SQLite. Rows are dicts with the same keys."""
    if not rows:
        return
    conn = db.session.connection()
    if conn.dialect.name != "postgresql":
        conn.execute(insert(model), rows)
        return
    cols = list(rows[0])
    with conn.connection.dbapi_connection.cursor() as cur:
        names = ", ".join(f'"{c}"' for c in cols)
        with cur.copy(f'COPY "{model.__tablename__}" ({names}) FROM STDIN') as cp:
            for r in rows:
                cp.write_row([r[c] for c in cols])


def seed(*, province, communes, size, rng, echo=print):
    started = time.perf_counter()
    today = date.today()
    now = datetime.now().replace(microsecond=0)
    quality = {c.id: _pick(rng, QUALITY) for c in communes}
    if len(communes) >= 3 and "weak" not in quality.values():  # every demo shows a weak commune somewhere
        quality[communes[-1 - rng.randrange(len(communes) - 1)].id] = "weak"
    branches = db.session.execute(
        select(Unit.id, Unit.path, Unit.kind, Unit.parent_id)
        .where(Unit.path.like(province.path + "%"), Unit.level == "branch", Unit.status == "active").order_by(Unit.id)
    ).all()
    activity_rows, plan = _plan_activities(rng, branches, communes, quality, today, now)
    ids = []
    for i in range(0, len(activity_rows), CHUNK):
        chunk = activity_rows[i:i + CHUNK]
        ids += db.session.scalars(insert(Activity).returning(Activity.id, sort_by_parameter_order=True), chunk).all()
    recent = {}
    for aid, (b_id, held) in zip(ids, plan):
        if b_id is not None:
            recent.setdefault(b_id, []).append((held, aid))
    n_att, n_dues, n_confirmed = _people_records(rng, province, branches, quality, recent, today, now)
    db.session.flush()
    # The standing is computed from these records just before the seed's commit, after every domain has seeded
    # (the classes seed admits members after this one): one INSERT … SELECT over the whole province.
    refresh_all_at_commit()
    echo(f"activities: {len(activity_rows):,} activities, {n_att:,} attendance rows, {n_dues:,} dues payments, "
         f"{n_confirmed:,} confirmations in {time.perf_counter() - started:.1f} s; standing computed at commit")


def _plan_activities(rng, branches, communes, quality, today, now):
    """Activities: 1–2 a month per branch, some branches silent for the last months; a few commune-wide ones.
    ([row dicts], [(branch id or None, held on)] in the same order)."""
    this_month = month_start(today)
    activity_rows, plan = [], []

    def add(unit_id, unit_path, held, kind, title):
        activity_rows.append({"unit_id": unit_id, "unit_path": unit_path, "held_on": held, "kind": kind, "title": title,
                              "notes": None, "created_at": now, "version": 1, "form_token": None})

    for b_id, b_path, b_kind, commune_id in branches:
        q = quality.get(commune_id, "good")
        silent = rng.randint(4, 9) if rng.random() < {"good": 0.03, "middling": 0.1, "weak": 0.4}[q] else 0
        for k in range(11, -1, -1):  # nothing in the last `silent` months
            if k < silent or rng.random() > HOLD[q]:
                continue
            first = add_months(this_month, -k)
            last_day = min(today, add_months(first, 1) - timedelta(days=1))
            if last_day < first:
                continue
            for _ in range(1 if rng.random() < 0.7 else 2):
                held = first + timedelta(days=rng.randint(0, (last_day - first).days))
                if b_kind in ("worker_residential", "enterprise") and rng.random() < 0.3:
                    kind = "young_workers"
                else:
                    kind = _pick(rng, (("regular", 0.7), ("thematic", 0.12), ("volunteer", 0.12), ("care", 0.06)))
                add(b_id, b_path, held, kind, rng.choice(TITLES[kind]).format(m=f"{held:%m/%Y}"))
                plan.append((b_id, held))
    for c in communes:  # a few commune-wide activities (no roll call kept)
        for _ in range(rng.randint(1, 4)):
            held = today - timedelta(days=rng.randint(5, 360))
            kind = rng.choice(("volunteer", "care", "thematic"))
            add(c.id, c.path, held, kind, rng.choice(TITLES[kind]).format(m=f"{held:%m/%Y}"))
            plan.append((None, held))
    return activity_rows, plan


def _people_records(rng, province, branches, quality, recent, today, now):
    """Attendance at each branch's three latest activities, dues for the 12 complete months (and some for the current
    one), confirmations of people away. (attendance rows, dues payments, confirmations) written."""
    roll = {}
    for pid, unit_id, status, mtype, occupation, joined in db.session.execute(
            select(Person.id, Person.unit_id, Person.status, Person.member_type, Person.occupation, Person.joined_on)
            .where(Person.unit_path.like(province.path + "%"), Person.status.in_(ON_ROLL)).order_by(Person.id)):
        roll.setdefault(unit_id, []).append((pid, status, mtype, occupation, joined))
    registered = dict(db.session.execute(
        select(PersonEvent.person_id, func.min(PersonEvent.on)).where(PersonEvent.kind == "registered")
        .group_by(PersonEvent.person_id)).all())
    first_m, last_m = dues_window(today)
    months = [add_months(first_m, k) for k in range(setting("CRITERIA_DUES_WINDOW_MONTHS"))]
    dues_types = tuple(setting("DUES_MEMBER_TYPES"))
    salaried = tuple(setting("DUES_SALARIED_OCCUPATIONS"))
    low, high = int(setting("DUES_AMOUNT_NO_SALARY")), int(setting("DUES_AMOUNT_SALARIED"))
    att, dues, confirmed = [], [], []
    written = {Attendance: 0, DuesPayment: 0}

    def flush(force=False):
        for model, rows in ((Attendance, att), (DuesPayment, dues)):
            if rows and (force or len(rows) >= CHUNK):
                _bulk(model, rows)
                written[model] += len(rows)
                rows.clear()

    for b_id, _path, _kind, commune_id in branches:
        q = quality.get(commune_id, "good")
        latest = sorted(recent.get(b_id, ()), reverse=True)[:3]
        for pid, status, mtype, occupation, joined in roll.get(b_id, ()):
            engaged = rng.random() < (ENGAGED[q] * (0.25 if status == "away" else 1))
            for _held, aid in latest:
                if engaged:
                    s = _pick(rng, (("present", 0.86), ("excused", 0.1), ("absent", 0.04)))
                else:
                    s = _pick(rng, (("absent", 0.72), ("excused", 0.16), ("present", 0.12)))
                att.append({"activity_id": aid, "person_id": pid, "status": s, "marked_at": now})
            if status == "away" and engaged and rng.random() < 0.6:
                confirmed.append({"person_id": pid, "kind": "confirmed", "on": today - timedelta(days=rng.randint(10, 300)),
                                  "unit_id": b_id, "reason": None, "detail": "Xác nhận qua điện thoại",
                                  "recorded_at": now})
            if mtype in dues_types:
                start = joined or registered.get(pid)
                amount = high if occupation in salaried else low
                p_pay = 0.96 if engaged else 0.3
                for m in months:
                    if start and start >= add_months(m, 1):
                        continue
                    if rng.random() < p_pay:
                        dues.append({"person_id": pid, "month": m, "amount": amount, "recorded_at": now})
                if engaged and rng.random() < 0.5:  # some already paid the current month
                    dues.append({"person_id": pid, "month": add_months(last_m, 1), "amount": amount, "recorded_at": now})
            flush()
    flush(force=True)
    _bulk(PersonEvent, confirmed)
    return written[Attendance], written[DuesPayment], len(confirmed)
