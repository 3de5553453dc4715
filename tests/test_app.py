import pytest

from app import create_app
from app.auth.models import RoleGrant, User
from tests.conftest import make_app



def test_production_without_secret_key_refuses_to_start(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"APP_ENV": "production", "SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_development_generates_and_reuses_a_key(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    a = create_app({"APP_ENV": "development", "SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    b = create_app({"APP_ENV": "development", "SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert a.config["SECRET_KEY"] == b.config["SECRET_KEY"] and len(a.config["SECRET_KEY"]) == 64
    assert (tmp_path / "secret_key").exists()


def test_error_pages_are_vietnamese(client, tree, make_user, login):
    make_user("u1", (tree.C1, "officer"))
    login("u1")
    resp = client.get("/khong-co-trang-nay")
    assert resp.status_code == 404 and "Không tìm thấy trang" in resp.get_data(as_text=True)


def test_create_admin_command(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "quantri", "--full-name", "Quản trị tỉnh", "--province", "Tỉnh đoàn Mới",
                                 "--code", "TM", "--password", "Quan-tri-2026"])
    assert result.exit_code == 0, result.output
    user = db.session.query(User).filter_by(username="quantri").one()
    assert {g.role for g in db.session.query(RoleGrant).filter_by(user_id=user.id)} == {"admin", "officer", "organizer", "inspector", "viewer"}
    weak = runner.invoke(args=["create-admin", "x2", "--full-name", "X", "--province", "Tỉnh đoàn Mới", "--password", "123"])
    assert weak.exit_code != 0 and "10 ký tự" in weak.output


def test_seed_demo_small_shape(demo_db):
    """The run's demo (tests/demo.py seeds it once with seed_demo(size="small"))."""
    from app.units.models import Unit

    db = demo_db
    levels = {}
    for u in db.session.query(Unit):
        levels[u.level] = levels.get(u.level, 0) + 1
    assert levels["province"] == 1 and levels["district"] == 2 and levels["commune"] == 6
    assert 50 <= levels["branch"] <= 70
    direct = db.session.query(Unit).filter(Unit.level == "commune", Unit.depth == 1).count()
    assert direct == 1  # one commune directly under the province
    assert db.session.query(User).filter_by(username="xa.officer").one()




def test_settings_from_prefixed_environment(monkeypatch):
    from app.members.criteria import setting

    monkeypatch.setenv("SODOAN_CRITERIA_PERSON_MONTHS", "6")
    monkeypatch.setenv("SODOAN_DUES_AMOUNT_SALARIED", "6000")
    app = make_app()
    with app.app_context():
        assert setting("CRITERIA_PERSON_MONTHS") == 6 and setting("DUES_AMOUNT_SALARIED") == 6000
        assert setting("CRITERIA_DUES_MAX_UNPAID") == 3  # untouched defaults stay


def test_unreadable_date_says_so_even_when_required(app):
    from werkzeug.datastructures import MultiDict
    from wtforms.validators import DataRequired

    from app.forms import VNDateField, VersionedForm, choices

    class F(VersionedForm):
        on = VNDateField("Ngày", validators=[DataRequired("Vui lòng nhập ngày.")])

    with app.test_request_context(method="POST"):
        form = F(formdata=MultiDict({"on": "31/02/2008"}), meta={"csrf": False})
        assert not form.validate()
        assert form.on.errors == ["Ngày không hợp lệ — nhập theo dạng ngày/tháng/năm, ví dụ 05/03/2004."]
        form = F(formdata=MultiDict({"on": ""}), meta={"csrf": False})
        assert not form.validate() and form.on.errors == ["Vui lòng nhập ngày."]


def test_choice_labels_follow_the_locale(app):
    from flask_babel import force_locale

    from app.classes.forms import ClassForm

    with app.test_request_context(), force_locale("en"):
        labels = [str(c.label) for c in ClassForm(meta={"csrf": False}).kind.choices]
    assert "Lớp cảm tình Đoàn" not in labels and any("ympathizer" in label for label in labels), labels


def test_stored_utc_times_are_shown_in_vietnam_time(app):
    from datetime import datetime

    from app.formatting import date_vn

    with app.test_request_context():
        assert date_vn(datetime(2026, 11, 27, 3, 2)) == "27/11/2026 10:02"
        assert date_vn(datetime(2026, 11, 27, 20, 30)) == "28/11/2026 03:30"


def test_a_refused_form_says_so_at_the_top(client, tree, make_user, login):
    make_user("xa.admin", (tree.C1, "admin"))
    login("xa.admin")
    html = client.post(f"/units/{tree.C1.id}/new", data={"level_kind": "branch:residential", "name": "", "code": "Z"}
                       ).get_data(as_text=True)
    top = html.split('<main id="main">', 1)[1][:400]
    assert 'class="flash error" role="alert"' in top and "Chưa lưu" in top
    assert "Chưa lưu" not in client.get(f"/units/{tree.C1.id}/new").get_data(as_text=True)


def test_english_counts_use_plural_forms(client, tree, make_user, login):
    make_user("xa.admin", (tree.C1, "admin"))
    login("xa.admin")
    client.post("/auth/language", data={"lang": "en", "next": "/"})
    assert "1 account<" in client.get(f"/auth/users?unit={tree.C1.id}").get_data(as_text=True)
    make_user("xa.viewer", (tree.C1, "viewer"))
    assert "2 accounts<" in client.get(f"/auth/users?unit={tree.C1.id}").get_data(as_text=True)
    client.post("/auth/language", data={"lang": "vi", "next": "/"})
    assert "2 tài khoản<" in client.get(f"/auth/users?unit={tree.C1.id}").get_data(as_text=True)


def test_english_catalogue_is_complete():
    """Every Vietnamese message has an English translation that compiles (fuzzy entries would be skipped)."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    po = Path(__file__).resolve().parent.parent / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    bad = [m.id for m in catalog if m.id and (m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string))]
    assert not bad, bad[:10]


def test_english_catalogue_covers_a_fresh_extraction(tmp_path):
    """Extract the messages from the code and templates now (as scripts/i18n-update.sh does) and compare with
    the English catalogue: a message added without running the update would show in Vietnamese to English
    readers, and the catalogue checked only against itself would not notice."""
    import subprocess
    import sys
    from pathlib import Path

    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent
    pot = tmp_path / "fresh.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "-q", "extract", "-F", "babel.cfg", "-k", "_l",
                    "-k", "lazy_gettext", "--ignore-dirs", ".* __pycache__ .venv", "-o", str(pot), "."],
                   cwd=root, check=True, capture_output=True)
    with pot.open("rb") as f:
        fresh = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    with (root / "translations/en/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog
                  if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)}
    assert len(fresh) > 300, len(fresh)
    missing = sorted(fresh - translated)
    assert not missing, missing[:10]
