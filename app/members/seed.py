"""Demo people: realistic Vietnamese names, ages 16–35, mostly Union members, workers, some away working,
secretaries and deputies per branch, living in households of 1–4 at addresses typed as communes type them.
Bulk inserts only: `province` (~300,000 people) seeds in about a minute."""
import bisect
import itertools
import random
import re
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
# How communes type an address: the hamlet ({n} its number), the house ({h}), and how the two are put together.
# Every form folds to the same household key (app/review/households.py): "Số 12, Thôn 3" = "thôn 3, số 12" = "SN12, T3".
HAMLET_FORMS = {
    "Thôn": ("Thôn {n}", "Thôn {n}", "thôn {n}", "thon {n}", "T{n}", "Th. {n}"),
    "Khu phố": ("Khu phố {n}", "Khu phố {n}", "khu phố {n}", "KP{n}", "KP {n}", "kp {n}"),
    "Ấp": ("Ấp {n}", "Ấp {n}", "ấp {n}", "ap {n}"),
    "Xóm": ("Xóm {n}", "Xóm {n}", "xóm {n}", "xom {n}"),
    "Tổ dân phố": ("Tổ dân phố {n}", "Tổ dân phố {n}", "tổ dân phố {n}", "TDP {n}", "TDP{n}"),
}
HOUSE_FORMS = ("Số {h}", "Số {h}", "số {h}", "SN {h}", "so {h}", "Nhà {h}", "sn{h}")
LAYOUTS = ("{house}, {hamlet}", "{house}, {hamlet}", "{hamlet}, {house}", "{house} {hamlet}", "{house} - {hamlet}")
HOUSEHOLD_SIZES = ((1, 30), (2, 35), (3, 22), (4, 13))
_HAMLET = re.compile(r"(Thôn|Khu phố|Ấp|Xóm|Tổ dân phố) (\d+)$")
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


def hamlet_of(branch_name):
    """("Thôn", 3) of a branch named after its hamlet ("Chi đoàn Thôn 3", "Chi hội thanh niên Khu phố 2"), else None."""
    m = _HAMLET.search(branch_name or "")
    return (m.group(1), int(m.group(2))) if m else None


def typed_address(rng, hamlet, house=None, tails=(), form=None):
    """An address as someone typed it: the hamlet ("Thôn", 3), the house number (None: only the hamlet), maybe a tail
    (", xã An Phú"). form: (hamlet form, house form, layout, tail index) — a household's first record keeps one."""
    word, n = hamlet
    form = form or address_form(rng, word)
    text = form[0].format(n=n)
    if house is not None:
        text = form[2].format(house=form[1].format(h=house), hamlet=text)
    return text + tails[form[3] - 1] if form[3] and tails else text


def address_form(rng, word):
    return rng.choice(HAMLET_FORMS[word]), rng.choice(HOUSE_FORMS), rng.choice(LAYOUTS), rng.choice((0, 0, 1, 1, 2))


def commune_tails(commune_name, province_name):
    """(", xã An Phú", ", Xã An Phú, Thanh Hóa") of "Đoàn xã An Phú" in "Tỉnh đoàn Thanh Hóa"."""
    commune = commune_name.removeprefix("Đoàn ")
    province = province_name.removeprefix("Tỉnh đoàn ").removeprefix("Thành đoàn ")
    return f", {commune}", f", {commune[:1].upper()}{commune[1:]}, {province}"


class _Addresses:
    """Current addresses of a branch's people, household by household (1–4 people at one house): a residential branch
    lives in its hamlet, any other in a hamlet of its commune; house numbers go up along the street."""

    def __init__(self, rng, province, communes, branches):
        self.rng = rng
        self.sizes = _Picker(HOUSEHOLD_SIZES)
        self.tails = {c.id: commune_tails(c.name, province.name) for c in communes}
        self.hamlets = {}
        for b in branches:
            hamlet = hamlet_of(b.name)
            if hamlet and b.kind == "residential":
                self.hamlets.setdefault(b.parent_id, []).append(hamlet)
        self.houses = {}  # (commune, hamlet) → the last house number given

    def branch(self, name, kind, commune_id):
        """An endless generator of the branch's addresses, one per person, in the order the people are made."""
        rng = self.rng
        own = hamlet_of(name) if kind == "residential" else None
        choices = [own] if own else (self.hamlets.get(commune_id) or [("Thôn", k) for k in range(1, 6)])
        tails = self.tails.get(commune_id, ())
        left = 0
        while True:
            if left == 0:  # a new household
                left = self.sizes(rng)
                hamlet = rng.choice(choices)
                key = (commune_id, hamlet)
                house = self.houses[key] = self.houses.get(key, 0) + rng.randint(1, 9)
                form = address_form(rng, hamlet[0])
            left -= 1
            r = rng.random()
            if r < 0.05:  # only the hamlet: the team asks at the door
                yield typed_address(rng, hamlet, None, tails)
            elif r < 0.65:  # as the family's first record was typed
                yield typed_address(rng, hamlet, house, tails, form)
            else:  # typed by someone else, another way
                yield typed_address(rng, hamlet, house, tails)


def seed(*, province, communes, size, rng, echo=print):
    started = time.perf_counter()
    today = date.today()
    now = datetime.now().replace(microsecond=0)
    branches = db.session.execute(
        select(Unit.id, Unit.path, Unit.kind, Unit.org_type, Unit.parent_id, Unit.name)
        .where(Unit.path.like(province.path + "%"), Unit.level == "branch", Unit.status == "active").order_by(Unit.id)
    ).all()
    if not branches:
        return
    # A stream of its own (derived from the seed, drawing nothing from it): every other value stays what it was.
    addresses = _Addresses(random.Random(hash(rng.getstate()[1])), province, communes, branches)
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

    for b_id, b_path, b_kind, b_org, commune_id, b_name in branches:
        n = max(3, int(rng.gauss(per_branch, per_branch * 0.3)))
        address = addresses.branch(b_name, b_kind, commune_id)
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
                "permanent_address": None, "current_address": next(address), "occupation": occupation,
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
