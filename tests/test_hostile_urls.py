"""Huge integers and year 0001 anywhere in a URL give 404 or a message, never a 500 (issue 8, item 15).

Walks EVERY rule of the URL map: a huge integer in each int argument (GET and POST), then real small ids with
hostile values in the common query arguments."""
import re

import pytest

from tests.factories_members import *  # noqa: F401,F403

HUGE = "99999999999999999999"
HOSTILE_ARGS = {
    "page": [HUGE, "-" + HUGE, "0", "1e9", "x"],
    "year": [HUGE, "0", "0001", "1", "-1", "99999", "x"],
    "unit": [HUGE, "-1", "0"],
    "from": ["01/01/0001", "31/12/9999", "0001-01-01", HUGE],
    "to": ["01/01/0001", "31/12/9999", HUGE],
    "month": [HUGE, "0001-01", "13", "9999-12"],
    "id": [HUGE], "s": [HUGE, "-1"], "on": ["01/01/0001"], "branch": [HUGE], "person": [HUGE],
    "q": [HUGE, "0001"], "plan": [HUGE], "template": [HUGE], "class": [HUGE], "status": [HUGE], "user": [HUGE],
}


@pytest.fixture
def everyone(tree, make_user, login, make_person):
    make_person(tree.B1, "Nguyễn Văn An")
    make_user("all.roles", *[(tree.P, r) for r in ("admin", "officer", "organizer", "inspector", "viewer")])
    login("all.roles")


def rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint not in ("static", "asset")]


def build(rule, value_for):
    path = rule.rule
    for arg in rule.arguments:
        conv = rule._converters[arg]
        path = re.sub(r"<(?:[^:<>]+:)?%s>" % arg, value_for(arg, conv), path)
    return path


def test_huge_int_in_every_int_argument_is_404_never_500(app, client, everyone):
    seen = 0
    for rule in rules(app):
        if not any(type(c).__name__.lower().startswith(("int", "bounded")) for c in rule._converters.values()):
            continue
        url = build(rule, lambda arg, conv: HUGE if "int" in type(conv).__name__.lower() else "x")
        for method in sorted(rule.methods & {"GET", "POST"}):
            resp = client.open(url, method=method)
            assert resp.status_code == 404, (method, url, resp.status_code)
            seen += 1
    assert seen == sum(len(r.methods & {"GET", "POST"}) for r in rules(app) if "<int:" in r.rule) > 30


@pytest.mark.parametrize("name", sorted(HOSTILE_ARGS))  # one test per argument: the workers share the walk
def test_hostile_query_arguments_on_every_get_rule_never_500(app, client, everyone, name):
    get_rules = [rule for rule in rules(app) if "GET" in rule.methods]
    seen = 0
    for rule in get_rules:
        url = build(rule, lambda arg, conv: "1" if "int" in type(conv).__name__.lower() else "x")
        for value in HOSTILE_ARGS[name]:
            resp = client.get(url, query_string={name: value})
            assert resp.status_code < 500, (url, name, value, resp.status_code)
            seen += 1
    assert seen == len(get_rules) * len(HOSTILE_ARGS[name]) and len(get_rules) > 60
