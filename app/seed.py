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
        for w in wards:
            kind = {"phường": "ward", "thị trấn": "township"}.get(w.division_type.value, "commune")
            communes.append(_add(pending, province, name=f"Đoàn {w.name[0].lower()}{w.name[1:]}", code=str(int(w.code)),
                                 level="commune", kind=kind, official_code=str(int(w.code))))
        per_commune = (18, 30)
    _flush_paths(pending)
    for c in communes:
        for name, code, kind, org in _branch_specs(rng, c.code, rng.randint(*per_commune)):
            _add(pending, c, name=name, code=code, level="branch", kind=kind, org_type=org)
    _flush_paths(pending)
    return province, communes


# The domains with demo records of their own (app/<name>/seed.py), in the order they are seeded.
DOMAIN_SEEDS = (members_seed, activities_seed, classes_seed, inspections_seed, review_seed, targets_seed, year_seed)
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
