"""Deterministic demo data: the unit tree and demo accounts. Domains add their own through app/<domain>/seed.py."""
import random
from datetime import date

from sqlalchemy import select

from .activities import seed as activities_seed
from .auth.models import RoleGrant, User
from .auth.passwords import DEMO_PASSWORD  # one constant: the password rules refuse it outside the demo
from .classes import seed as classes_seed
from .extensions import db
from .inspections import seed as inspections_seed
from .members import seed as members_seed
from .restructure import seed as restructure_seed
from .review import seed as review_seed
from .targets import seed as targets_seed
from .units.models import Unit
from .year import seed as year_seed

ENTERPRISES = ["Công ty TNHH May Hoàng Long", "Công ty CP Giày Sao Vàng", "Công ty TNHH Điện tử Tân Phú",
               "Công ty TNHH Gỗ Minh Phát", "Công ty CP Thực phẩm Đồng Xanh", "Công ty TNHH Bao bì Thành Công",
               "Công ty TNHH Cơ khí Việt Đức", "Công ty CP Xi măng Long Sơn"]
SCHOOLS = ["Trường THPT Lê Lợi", "Trường THPT Hàm Rồng", "Trường THCS Nguyễn Du", "Trường THPT Đào Duy Từ",
           "Trường THCS Trần Phú"]
AGENCIES = ["UBND xã", "Công an xã", "Trạm Y tế", "Ban Chỉ huy Quân sự"]


# The province demo's 27 district-level units before the 2025 reform (Thanh Hóa: 2 cities, 2 towns, 23 districts):
# (name, code, kind, the words of today's commune names that place a commune in it). Today's communes are grouped
# under them by name (the seat's namesake, then a shared word; wards without one go to the city; the rest are dealt
# to the smallest district): a demo approximation, not the real 2024 map. app/restructure/seed.py then dissolves them
# through the restructuring engine, as on 1 July 2025, so the demo has a past tree to show.
PRE_2025_DISTRICTS = (
    ("Thành đoàn Thanh Hóa", "TPTH", "city", ("Hạc Thành", "Hàm Rồng", "Đông Quang", "Đông Tiến", "Nguyệt Viên",
                                               "Quảng Phú", "Đào Duy Từ")),
    ("Thành đoàn Sầm Sơn", "TPSS", "city", ("Sầm Sơn", "Nam Sầm Sơn", "Quang Trung")),
    ("Thị đoàn Bỉm Sơn", "TXBS", "town", ("Bỉm Sơn",)),
    ("Thị đoàn Nghi Sơn", "TXNS", "town", ("Nghi Sơn", "Hải", "Tĩnh Gia", "Trúc Lâm", "Tân Dân", "Ngọc Sơn")),
    ("Huyện đoàn Bá Thước", "BT", "district", ("Bá Thước", "Điền", "Thiết", "Lương")),
    ("Huyện đoàn Cẩm Thủy", "CT", "district", ("Cẩm",)),
    ("Huyện đoàn Đông Sơn", "DS", "district", ("Đông",)),
    ("Huyện đoàn Hà Trung", "HTR", "district", ("Hà",)),
    ("Huyện đoàn Hậu Lộc", "HL", "district", ("Hậu Lộc", "Triệu Lộc", "Hoa Lộc", "Vạn Lộc")),
    ("Huyện đoàn Hoằng Hóa", "HH", "district", ("Hoằng",)),
    ("Huyện đoàn Lang Chánh", "LC", "district", ("Lang Chánh", "Đồng Lương", "Giao An", "Văn Phú")),
    ("Huyện đoàn Mường Lát", "ML", "district", ("Mường", "Pù Nhi", "Nhi Sơn", "Quang Chiểu", "Tam Chung")),
    ("Huyện đoàn Nga Sơn", "NGS", "district", ("Nga",)),
    ("Huyện đoàn Ngọc Lặc", "NL", "district", ("Ngọc",)),
    ("Huyện đoàn Như Thanh", "NT", "district", ("Như Thanh", "Thanh")),
    ("Huyện đoàn Như Xuân", "NX", "district", ("Như Xuân",)),
    ("Huyện đoàn Nông Cống", "NC", "district", ("Nông Cống", "Trung Chính", "Công Chính", "Tượng Lĩnh")),
    ("Huyện đoàn Quan Hóa", "QH", "district", ("Hồi Xuân", "Trung", "Phú Lệ", "Hiền Kiệt")),
    ("Huyện đoàn Quan Sơn", "QS", "district", ("Quan Sơn", "Na Mèo", "Sơn Điện", "Sơn Thủy", "Tam Thanh")),
    ("Huyện đoàn Quảng Xương", "QX", "district", ("Quảng",)),
    ("Huyện đoàn Thạch Thành", "TT", "district", ("Thạch", "Thành Vinh", "Vân Du")),
    ("Huyện đoàn Thiệu Hóa", "THH", "district", ("Thiệu",)),
    ("Huyện đoàn Thọ Xuân", "TX", "district", ("Thọ", "Xuân", "Sao Vàng", "Lam Sơn")),
    ("Huyện đoàn Thường Xuân", "TGX", "district", ("Thường Xuân", "Bát Mọt", "Yên Nhân", "Lương Sơn", "Vạn Xuân")),
    ("Huyện đoàn Triệu Sơn", "TS", "district", ("Triệu", "Hợp Tiến", "Tân Ninh", "An Nông")),
    ("Huyện đoàn Vĩnh Lộc", "VL", "district", ("Vĩnh", "Tây Đô", "Biện Thượng")),
    ("Huyện đoàn Yên Định", "YD", "district", ("Yên", "Định")),
)


def _district_of(wards):
    """The index in PRE_2025_DISTRICTS of each ward's district (deterministic; see PRE_2025_DISTRICTS)."""
    place = [w.name.split(" ", 1)[1] for w in wards]
    out = [None] * len(wards)
    for rule in (lambda name, words: name in words,  # the seat: "Xã Hoằng Hóa" in Hoằng Hóa
                 lambda name, words: any(name.startswith(x) or x in name.split(" ") for x in words)):
        for i, name in enumerate(place):
            if out[i] is None:
                out[i] = next((d for d, spec in enumerate(PRE_2025_DISTRICTS) if rule(name, spec[3])), None)
    for i, w in enumerate(wards):
        if out[i] is None and w.division_type.value == "phường":
            out[i] = 0
    sizes = [out.count(d) for d in range(len(PRE_2025_DISTRICTS))]
    for i in range(len(wards)):
        if out[i] is None:
            out[i] = min(range(len(sizes)), key=lambda d: (sizes[d], d))
            sizes[out[i]] += 1
    return out


def _branch_specs(rng, commune_code, n):
    """n branch (name, code, kind, org_type) tuples of a realistic mix."""
    specs, hamlet = [], 0
    for i in range(n):
        roll = rng.random()
        if roll < 0.62:
            hamlet += 1
            word = rng.choice(["Thôn", "Thôn", "Khu phố", "Ấp", "Xóm", "Tổ dân phố"])
            org = "federation" if rng.random() < 0.12 else "union"
            prefix = "Chi hội thanh niên" if org == "federation" else "Chi đoàn"
            specs.append((f"{prefix} {word} {hamlet}", f"{commune_code}-B{i + 1:02d}", "residential", org))
        elif roll < 0.74:
            specs.append((f"Chi đoàn công nhân khu trọ {rng.choice(['Bắc', 'Nam', 'Đông', 'Tây', 'Trung'])} {i + 1}",
                          f"{commune_code}-B{i + 1:02d}", "worker_residential", "union"))
        elif roll < 0.86:
            specs.append((f"Chi đoàn {rng.choice(ENTERPRISES)}", f"{commune_code}-B{i + 1:02d}", "enterprise", "union"))
        elif roll < 0.95:
            specs.append((f"Chi đoàn {rng.choice(SCHOOLS)}", f"{commune_code}-B{i + 1:02d}", "school", "union"))
        else:
            specs.append((f"Chi đoàn {rng.choice(AGENCIES)}", f"{commune_code}-B{i + 1:02d}", "agency", "union"))
    return specs


def _add(units, parent, **kw):
    kw.setdefault("founded_on", date(2010, 3, 26))  # demo units are old: a branch with no activity shows as silent
    u = Unit(parent_id=parent.id if parent else None, depth=(parent.depth + 1) if parent else 0, **kw)
    units.append((u, parent))
    return u


def _flush_paths(pending):
    db.session.add_all([u for u, _ in pending])
    db.session.flush()
    for u, parent in pending:
        u.path = (parent.path if parent else "/") + f"{u.id}/"
    db.session.flush()
    pending.clear()


def seed_units(size, rng):
    pending = []
    province = _add(pending, None, name="Tỉnh đoàn Thanh Hóa", code="TH", level="province", kind="province", official_code="38")
    _flush_paths(pending)
    communes = []
    if size == "small":
        d1 = _add(pending, province, name="Huyện đoàn Quảng Xương", code="QX", level="district", kind="district")
        d2 = _add(pending, province, name="Huyện đoàn Thọ Xuân", code="TX", level="district", kind="district")
        _flush_paths(pending)
        for parent, name, code, kind in [
            (d1, "Đoàn xã Quảng Ngọc", "QX-QN", "commune"), (d1, "Đoàn xã Quảng Trạch", "QX-QT", "commune"),
            (d1, "Đoàn thị trấn Tân Phong", "QX-TP", "township"), (d2, "Đoàn xã Xuân Lập", "TX-XL", "commune"),
            (d2, "Đoàn xã Xuân Hòa", "TX-XH", "commune"), (province, "Đoàn phường Hạc Thành", "HT", "ward"),
        ]:
            communes.append(_add(pending, parent, name=name, code=code, level="commune", kind=kind,
                                 official_code="14797" if code == "HT" else None))
        per_commune = (9, 11)
    else:
        from vietnam_provinces import Ward

        wards = sorted((w for w in Ward.iter_all() if int(w.province_code) == 38), key=lambda w: w.name)
        districts = [_add(pending, province, name=name, code=code, level="district", kind=kind)
                     for name, code, kind, _words in PRE_2025_DISTRICTS]
        _flush_paths(pending)
        for w, d in zip(wards, _district_of(wards)):
            kind = {"phường": "ward", "thị trấn": "township"}.get(w.division_type.value, "commune")
            communes.append(_add(pending, districts[d], name=f"Đoàn {w.name[0].lower()}{w.name[1:]}",
                                 code=str(int(w.code)), level="commune", kind=kind, official_code=str(int(w.code))))
        per_commune = (18, 30)
    _flush_paths(pending)
    for c in communes:
        for name, code, kind, org in _branch_specs(rng, c.code, rng.randint(*per_commune)):
            _add(pending, c, name=name, code=code, level="branch", kind=kind, org_type=org)
    _flush_paths(pending)
    return province, communes


# The domains with demo records of their own (app/<name>/seed.py), in the order they are seeded.
DOMAIN_SEEDS = (members_seed, activities_seed, classes_seed, inspections_seed, review_seed, targets_seed, year_seed,
                restructure_seed)
ROLE_SET = ("admin", "officer", "organizer", "inspector", "viewer")


def seed_accounts(province, communes):
    """Demo accounts for every role at every level. Admins hold every role on their unit so they can grant them."""
    district = db.session.scalar(select(Unit).where(Unit.level == "district").order_by(Unit.id).limit(1))
    commune = next(c for c in communes if c.parent_id == (district.id if district else province.id))
    branch = db.session.scalar(select(Unit).where(Unit.parent_id == commune.id).order_by(Unit.id).limit(1))
    levels = [("tinh", province), ("huyen", district), ("xa", commune), ("chi", branch)]
    other = next((c for c in communes if c.parent_id != commune.parent_id), None)
    if other is not None:
        levels.append(("xa2", other))
    accounts = []
    for prefix, unit in levels:
        if unit is None:
            continue
        for role in ROLE_SET:
            if prefix == "chi" and role in ("admin", "inspector", "organizer"):
                continue
            user = User(username=f"{prefix}.{role}", full_name=f"{_demo_name(prefix, role)}", phone=None)
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            db.session.flush()
            roles = ROLE_SET if role == "admin" else (role,)
            for r in roles:
                db.session.add(RoleGrant(user_id=user.id, unit_id=unit.id, role=r))
            accounts.append((user.username, role, unit.name))
    db.session.flush()
    return accounts


def _demo_name(prefix, role):
    first = {"admin": "Lê Văn Quản", "officer": "Nguyễn Thị Ánh", "organizer": "Trần Minh Đức", "inspector": "Phạm Thu Hà",
             "viewer": "Hoàng Văn Lâm"}[role]
    return f"{first} ({prefix})"


def seed_demo(size="small", seed=2021, echo=print):
    rng = random.Random(seed)
    province, communes = seed_units(size, rng)
    accounts = seed_accounts(province, communes)
    ctx = {"province": province, "communes": communes, "size": size, "rng": rng, "echo": echo}
    for domain in DOMAIN_SEEDS:
        domain.seed(**ctx)
    db.session.commit()
    return accounts
