"""Walk every route of app.url_map: login required, CSRF on every POST, no GET writes, scoped access."""
import importlib
import pkgutil
import re

import pytest
from sqlalchemy import text

import tests
from tests.conftest import make_app

PUBLIC = {"static", "asset", "auth.login", "auth.set_language", "health_live", "health_ready"}
# Routes without an object in the URL whose scoping is checked by their domain's own tests (lists filtered in SQL).
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def all_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint not in PUBLIC), key=lambda r: r.rule)


def fill(rule, samples):
    def sub(m):
        name = m.group(2)
        if name not in samples:
            raise AssertionError(f"no sample id for <{name}> in {rule.rule}: add it to a tests/samples_<domain>.py")
        return str(samples[name])

    return PARAM.sub(sub, rule.rule)


def rule_count(app, method, with_arguments=False):
    """How many (rule, method) pairs of app.url_map a walk must visit: its floor is the whole map, not a guess."""
    return sum(method in r.methods for r in app.url_map.iter_rules()
               if r.endpoint not in PUBLIC and (r.arguments or not with_arguments))


def methods(rule):
    return sorted(m for m in rule.methods if m in ("GET", "POST"))


class Ctx:
    pass


@pytest.fixture
def samples(db, tree, make_unit, make_user):
    ctx = Ctx()
    ctx.db, ctx.tree, ctx.make_unit, ctx.make_user = db, tree, make_unit, make_user
    out = {}
    for mod in pkgutil.iter_modules(tests.__path__):
        if mod.name.startswith("samples_"):
            out.update(importlib.import_module(f"tests.{mod.name}").make_samples(ctx))
    db.session.commit()
    return out


def test_every_route_requires_login(app, client, samples):
    checked = 0
    for rule in all_rules(app):
        url = fill(rule, samples)
        for m in methods(rule):
            checked += 1
            resp = client.open(url, method=m)
            # a POST is answered 303 (what it carried is kept for after sign-in), a GET 302
            assert resp.status_code == (303 if m == "POST" else 302) and "/auth/login" in resp.location, (
                m, url, resp.status_code)
    assert checked == rule_count(app, "GET") + rule_count(app, "POST") > 100


def test_every_post_requires_csrf(db, samples, tree, make_user):
    admin = make_user("csrf.admin", *[(tree.P, r) for r in ("admin", "officer", "organizer", "inspector", "viewer")])
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = admin.get_id()  # really signed in (the id carries the session stamp)
        sess["_fresh"] = True
    checked = 0
    before = _dump(db)
    for rule in all_rules(app):
        if "POST" in rule.methods:
            url = fill(rule, samples)
            resp = client.post(url, data={"x": "1"})
            # refused: the error page, or (what was typed kept) back to the form's own page — never saved
            assert resp.status_code == 400 or (resp.status_code == 303 and resp.location == url), (
                rule.rule, resp.status_code)
            checked += 1
    resp = client.post("/auth/login", data={"username": "csrf.admin", "password": "x"})
    assert resp.status_code == 400
    assert checked == rule_count(app, "POST") > 50
    after = _dump(db)
    before.pop("form_stash", None), after.pop("form_stash", None)
    assert before == after  # no POST without a CSRF token wrote anything


def _dump(db):
    rows = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows[table.name] = sorted(map(repr, conn.execute(text(f'SELECT * FROM "{table.name}"')).all()))
    return rows


def test_no_get_changes_data(app, client, db, samples, tree, make_user, login):
    make_user("all.roles", *[(tree.P, r) for r in ("admin", "officer", "organizer", "inspector", "viewer")])
    login("all.roles")
    before = _dump(db)
    seen = 0
    for rule in all_rules(app):
        if "GET" in rule.methods:
            resp = client.get(fill(rule, samples))
            assert resp.status_code < 500, (rule.rule, resp.status_code)
            seen += 1
    db.session.remove()
    assert _dump(db) == before
    assert seen == rule_count(app, "GET") > 50


def test_out_of_subtree_access_is_refused_on_every_object_route(app, client, samples, tree, make_user, login):
    """An account with every role on commune C2 must not reach any object of commune C1."""
    make_user("outsider", *[(tree.C2, r) for r in ("admin", "officer", "organizer", "inspector", "viewer")])
    login("outsider")
    checked = 0
    for rule in all_rules(app):
        if not rule.arguments:
            continue
        url = fill(rule, samples)
        for m in methods(rule):
            resp = client.open(url, method=m, data={})
            assert resp.status_code in (403, 404), (m, url, resp.status_code)
            checked += 1
    assert checked == rule_count(app, "GET", with_arguments=True) + rule_count(app, "POST", with_arguments=True) > 50
