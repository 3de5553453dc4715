"""Demo people: realistic Vietnamese names, ages 16–35, mostly Union members, workers, some away working,
secretaries and deputies per branch. Bulk inserts only: `province` (~300,000 people) seeds in about a minute."""
import bisect
import itertools
import time
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, text

from ..extensions import db
from ..text import fold
from ..units.models import Unit
from .models import Person, PersonEvent

# Family names with their rough share in Vietnam.
HO = [("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 4), ("Huỳnh", 1.5), ("Vũ", 3.5), ("Võ", 1),
      ("Phan", 4.5), ("Trương", 2), ("Bùi", 2), ("Đặng", 2), ("Đỗ", 1.5), ("Ngô", 1.3), ("Hồ", 1.3), ("Dương", 1),
      ("Lý", 0.5), ("Đinh", 1), ("Lương", 0.6), ("Mai", 0.6), ("Trịnh", 1), ("Cao", 0.5), ("Lâm", 0.5), ("Hà", 0.8),
      ("Tạ", 0.3), ("Quách", 0.2), ("Đào", 0.6), ("Lưu", 0.4), ("Tô", 0.3), ("Chu", 0.3)]
DEM_NAM = ["Văn", "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Thanh", "Xuân", "Ngọc", "Tiến", "Đình", "Hoàng",
           "Trung", "Mạnh", "Anh", "Bá", "Duy", "Quốc"]
DEM_NU = ["Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Thùy", "Phương", "Minh", "Hồng", "Kim", "Mai", "Khánh", "Thúy",
          "Bích", "Diệu", "Hải", "Lan", "Quỳnh", "Bảo"]
TEN_NAM = ["Anh", "Bình", "Cường", "Dũng", "Đức", "Hải", "Hiếu", "Hùng", "Huy", "Khánh", "Long", "Minh", "Nam", "Phong",
           "Quân", "Sơn", "Thắng", "Thành", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Hoàng", "Đạt", "Kiên", "Lâm", "Phúc",
           "Tài", "Toàn", "Hưng", "Lộc", "Nghĩa", "Quang", "Thịnh", "Trọng", "Tú", "Vũ", "Hậu", "Khoa"]
TEN_NU = ["Anh", "Ánh", "Châu", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hồng", "Huyền", "Hương",
          "Lan", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nhung", "Oanh", "Phương", "Quỳnh", "Thảo", "Thủy",
          "Trang", "Uyên", "Vân", "Yến", "Hòa", "Lệ", "Nhi", "Tâm", "Thư", "Trâm", "Vy", "Xuân"]
AWAY = ["TP. Hồ Chí Minh", "KCN VSIP Bình Dương", "Đồng Nai", "Hà Nội", "KCN Yên Phong, Bắc Ninh", "Hàn Quốc",
        "Nhật Bản", "Đài Loan", "Hải Phòng", "Long An"]
OCC_DEFAULT = [("worker", 22), ("farmer", 18), ("student", 18), ("civil_servant", 5), ("police_militia", 3),
               ("self_employed", 20), ("unemployed", 6), ("other", 8)]
RELIGIONS = [("Không", 88), ("Phật giáo", 8), ("Công giáo", 4)]
ETHNIC = [("Kinh", 88), ("Mường", 6), ("Thái", 4), ("Thổ", 1), ("Dao", 1)]
TARGET = {"small": 1500, "province": 300000}
CHUNK = 5000


class _Picker:
    """Fast weighted choice with a precomputed cumulative table."""

    def __init__(self, pairs):
        self.values = [v for v, _ in pairs]
        self.cum = list(itertools.accumulate(w for _, w in pairs))
        self.bisect = bisect.bisect

    def __call__(self, rng):
        return self.values[min(self.bisect(self.cum, rng.random() * self.cum[-1]), len(self.values) - 1)]


def _rand_date(rng, start, end):
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _bulk(table, rows):
    """Insert many rows: COPY on PostgreSQL (the client-side cost of huge INSERTs dominates there), executemany else."""
    if not rows:
        return
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        cols = list(rows[0])
        raw = conn.connection.dbapi_connection
        with raw.cursor() as cur:
            with cur.copy(f'COPY "{table.name}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) FROM STDIN') as cp:
                for r in rows:
                    cp.write_row([r[c] for c in cols])
    else:
        conn.execute(table.insert(), rows)


def _member_type(rng, org_type):
    if org_type == "federation":
        return "federation" if rng.random() < 0.8 else "youth"
    r = rng.random()
    return "union" if r < 0.78 else ("federation" if r < 0.9 else "youth")


def _occupation(rng, branch_kind, default):
    if branch_kind in ("worker_residential", "enterprise"):
        return "worker" if rng.random() < 0.85 else default(rng)
    if branch_kind == "school":
        return "student" if rng.random() < 0.95 else "civil_servant"
    if branch_kind == "agency":
        return rng.choice(("civil_servant", "police_militia"))
    return default(rng)


def _history_rows(pid, row, plan, now):
    """A seeded person's history: joined (or registered), away, the post they hold."""
    unit_id = row["unit_id"]
    if row["member_type"] == "union" and row["joined_on"]:
        first = {"kind": "joined", "on": row["joined_on"], "detail": row["admission_decision"]}
    else:
        first = {"kind": "registered", "on": plan["registered"], "detail": None}
    rows = [first]
    if row["status"] == "away":
        rows.append({"kind": "away", "on": row["away_since"], "detail": row["away_place"]})
    if plan.get("post"):
        rows.append({"kind": "post_started", "on": plan["post_on"], "detail": plan["post"]})
    return [dict(r, person_id=pid, unit_id=unit_id, recorded_at=now, reason=None) for r in rows]


def seed(*, province, communes, size, rng, echo=print):
    started = time.perf_counter()
    today = date.today()
    now = datetime.now().replace(microsecond=0)
    branches = db.session.execute(
        select(Unit.id, Unit.path, Unit.kind, Unit.org_type, Unit.parent_id)
        .where(Unit.path.like(province.path + "%"), Unit.level == "branch", Unit.status == "active").order_by(Unit.id)
    ).all()
    if not branches:
        return
    per_branch = TARGET.get(size, 1500) / len(branches)
    # Some communes are weak: many away working, fewer records filled in.
    weak = {c.id for c in communes if rng.random() < 0.2}
    ho, occ_default = _Picker(HO), _Picker(OCC_DEFAULT)
    religion, ethnic = _Picker(RELIGIONS), _Picker(ETHNIC)
    serial = 0
    next_id = (db.session.scalar(select(func.max(Person.id))) or 0) + 1
    total_people = total_events = 0
    people, plans = [], []

    def flush():
        nonlocal total_people, total_events, next_id
        if not people:
            return
        ids = list(range(next_id, next_id + len(people)))
        next_id += len(people)
        for pid, row in zip(ids, people):
            row["id"] = pid
        _bulk(Person.__table__, people)
        events = [e for pid, row, plan in zip(ids, people, plans) for e in _history_rows(pid, row, plan, now)]
        _bulk(PersonEvent.__table__, events)
        total_people += len(people)
        total_events += len(events)
        people.clear()
        plans.clear()

    for b_id, b_path, b_kind, b_org, commune_id in branches:
        n = max(3, int(rng.gauss(per_branch, per_branch * 0.3)))
        is_weak = commune_id in weak
        posts = ["secretary", "deputy"] + ["committee"] * rng.randint(0, 2)
        # a few branches still keep a secretary who works away (the plan says: do not)
        away_secretary = rng.random() < (0.25 if is_weak else 0.04)
        for i in range(n):
            serial += 1
            female = rng.random() < 0.5
            age = rng.choice((16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 33, 35)) \
                if rng.random() < 0.97 else rng.randint(16, 35)
            born = _rand_date(rng, date(today.year - age - 1, today.month, 1), date(today.year - age, today.month, 1))
            name = " ".join((ho(rng), rng.choice(DEM_NU if female else DEM_NAM), rng.choice(TEN_NU if female else TEN_NAM)))
            mtype = _member_type(rng, b_org)
            occupation = _occupation(rng, b_kind, occ_default)
            post = posts[i] if i < len(posts) and age >= 18 else None
            status = "active"
            if post == "secretary" and away_secretary:
                status = "away"
            elif post is None and rng.random() < (0.32 if is_weak else 0.1) and age >= 18 and b_kind != "school":
                status = "away"
            joined = None
            if mtype == "union":
                joined = _rand_date(rng, born + timedelta(days=365 * 16), min(today, born + timedelta(days=365 * 22)))
                if joined > today:
                    joined = today
            has_cid = rng.random() < (0.7 if is_weak else 0.9) and age >= 16
            cid = None
            if has_cid:
                century = 2 if born.year >= 2000 else 0
                cid = f"038{century + (1 if female else 0)}{born.year % 100:02d}{(serial * 7919) % 1_000_000:06d}"
            away_since = _rand_date(rng, today - timedelta(days=1100), today - timedelta(days=30)) if status == "away" else None
            people.append({
                "unit_id": b_id, "unit_path": b_path, "full_name": name, "name_key": fold(name),
                "sex": "female" if female else "male", "birth_date": born, "ethnicity": ethnic(rng),
                "religion": religion(rng), "citizen_id": cid,
                "phone": f"09{rng.randint(0, 99_999_999):08d}" if rng.random() < 0.75 else None,
                "permanent_address": None, "current_address": None, "occupation": occupation,
                "workplace": None, "schooling": "12/12" if rng.random() < 0.8 else f"{rng.randint(9, 11)}/12",
                "member_type": mtype, "status": status, "joined_on": joined,
                "admission_decision": f"{rng.randint(1, 250)}-QĐ/ĐTN" if joined else None,
                "card_number": f"{serial:08d}" if joined and rng.random() < 0.6 else None,
                "away_place": rng.choice(AWAY) if status == "away" else None, "away_since": away_since,
                "notes": None, "form_token": None, "created_at": now, "updated_at": now, "version": 1,
            })
            plans.append({"registered": _rand_date(rng, today - timedelta(days=3 * 365), today - timedelta(days=400)),
                          "post": post, "post_on": _rand_date(rng, today - timedelta(days=4 * 365), today - timedelta(days=60))})
            if len(people) >= CHUNK:
                flush()
        if len(people) >= CHUNK:
            flush()
    flush()
    if db.session.connection().dialect.name == "postgresql":
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('person', 'id'), (SELECT max(id) FROM person))"))
    db.session.flush()
    echo(f"members: {total_people:,} people, {total_events:,} history rows in {time.perf_counter() - started:.1f} s")
