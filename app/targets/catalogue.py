"""The indicators Sổ Đoàn ships with (the seed's targets and the young-worker programme's). Migration 0009 inserts
them; `ensure()` adds any missing one (the demo seed and the tests call it). A province admin adds more (naming one
of the computations in app.targets.actuals) or retires one; nothing here is ever deleted."""
from sqlalchemy import func, select

from ..audit.services import record, snapshot
from ..dates import utcnow
from ..errors import check_version
from ..extensions import db
from .models import Indicator

UPPER = "province,district,commune"
# (code, name, count unit, kind, levels, actual, seed hint, position)
BUILTIN = (
    ("admitted", "Kết nạp đoàn viên mới", "người", "count", UPPER, "admitted", None, 10),
    ("admitted_workers", "Kết nạp đoàn viên mới là thanh niên công nhân", "người", "count", UPPER, "admitted_workers",
     None, 20),
    ("worker_branches_5", "Thành lập chi đoàn, chi hội công nhân (từ 5 đoàn viên, hội viên trở lên)", "chi đoàn",
     "count", UPPER, "worker_branches_5", "Mỗi đơn vị ít nhất 2 chi đoàn, chi hội mỗi năm", 30),
    ("enterprise_orgs_10", "Tổ chức Đoàn, Hội trong doanh nghiệp ngoài nhà nước có từ 10 thành viên", "tổ chức",
     "count", UPPER, "enterprise_orgs_10", "Ít nhất 1 nơi có điều kiện", 40),
    ("yw_activities", "Hoạt động dành cho thanh niên công nhân", "hoạt động", "count", UPPER, "yw_activities",
     "Mỗi huyện ít nhất 2 hoạt động mỗi năm", 50),
    ("yw_communes_share", "Tỷ lệ cơ sở có hoạt động dành cho thanh niên công nhân", "%", "percent",
     "province,district", "yw_communes_share", "Ít nhất 2/3 số cơ sở", 60),
    ("party_introduced_rate", "Tỷ lệ đoàn viên ưu tú là công nhân được giới thiệu kết nạp Đảng", "%", "percent", UPPER,
     "party_introduced_rate", "5% số đoàn viên ưu tú là công nhân", 70),
    ("party_admitted_rate", "Tỷ lệ được kết nạp Đảng trong số được giới thiệu", "%", "percent", UPPER,
     "party_admitted_rate", "10% số được giới thiệu", 80),
    ("sympathizer_graduates", "Thanh niên hoàn thành lớp cảm tình Đoàn", "người", "count", UPPER,
     "sympathizer_graduates", None, 90),
    ("cadres_trained", "Bí thư, phó bí thư chi đoàn được tập huấn trong năm", "người", "count", UPPER,
     "cadres_trained", None, 100),
    ("real_share", "Tỷ lệ đoàn viên thực chất (đạt “5 có”)", "%", "percent", UPPER, "real_share", None, 110),
    ("review_coverage", "Tỷ lệ người được rà soát tại nhà (tháng 3)", "%", "percent", UPPER, "review_coverage", None,
     120),
)


def ensure():
    """Insert the built-in indicators that are missing (by code). Returns how many were added."""
    have = set(db.session.scalars(select(Indicator.code)))
    added = 0
    for code, name, count_unit, kind, levels, actual, hint, position in BUILTIN:
        if code not in have:
            db.session.add(Indicator(code=code, name=name, count_unit=count_unit, kind=kind, levels=levels,
                                     actual=actual, seed_hint=hint, position=position))
            added += 1
    db.session.flush()
    return added


# ---- catalogue services (wt-actuals) ---------------------------------------------------------------------------------
CATALOGUE_FIELDS = ("code", "name", "count_unit", "kind", "levels", "actual", "seed_hint", "active")


def list_indicators(include_retired=True):
    """The catalogue in its order: active ones first."""
    stmt = select(Indicator).order_by(Indicator.active.desc(), Indicator.position, Indicator.id)
    if not include_retired:
        stmt = stmt.where(Indicator.active.is_(True))
    return db.session.scalars(stmt).all()


def get(indicator_id):
    return db.session.get(Indicator, indicator_id)


def by_code(code):
    return db.session.scalar(select(Indicator).where(Indicator.code == code))


def code_taken(code):
    return db.session.scalar(select(Indicator.id).where(Indicator.code == code)) is not None


def add_indicator(*, code, name, count_unit, kind, levels, actual, seed_hint=None, user=None):
    """A province admin adds an indicator naming one of the actuals for the chosen levels. Flushes; audited."""
    position = (db.session.scalar(select(func.max(Indicator.position))) or 0) + 10
    ind = Indicator(code=code, name=name, count_unit=count_unit, kind=kind, levels=",".join(levels), actual=actual,
                    seed_hint=seed_hint or None, position=position, created_by_id=user.id if user else None)
    db.session.add(ind)
    db.session.flush()
    record(action="target_indicator_added", obj=ind, after=snapshot(ind, CATALOGUE_FIELDS), summary=f"{code} — {name}",
           user=user)
    return ind


def retire_indicator(*, indicator, expected_version=None, user=None):
    """Retire (never delete): it leaves the registration forms; targets already registered keep it. A retired one
    retired again answers as the first time did."""
    if check_version(indicator, expected_version, {"active": False}) or not indicator.active:
        return indicator
    before = snapshot(indicator, CATALOGUE_FIELDS)
    indicator.active = False
    indicator.retired_at = utcnow()
    db.session.flush()
    record(action="target_indicator_retired", obj=indicator, before=before, after=snapshot(indicator, CATALOGUE_FIELDS),
           summary=f"{indicator.code} — {indicator.name}", user=user)
    return indicator
