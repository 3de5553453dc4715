"""What records say is escaped: a name holding HTML is shown as text on every page that shows it, and in the
duplicate-citizen-ID and duplicate-name messages (a lazy translated string with record text inside used to
be trusted as HTML by Jinja)."""
import ast
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import errors_in
from tests.factories_members import *  # noqa: F401,F403
from tests.test_members_records import _good

HOSTILE = [
    '<a href="https://evil.example/x">Bấm vào đây</a>',
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
]
ROOT = Path(__file__).resolve().parent.parent


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.bad = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "evil.example" in (attrs.get("href") or ""):
            self.bad.append((tag, attrs))
        if tag == "img" and "onerror" in attrs:
            self.bad.append((tag, attrs))

    def handle_data(self, data):
        pass


def live_tags(html):
    parser = Tags()
    parser.feed(html)
    scripts = re.findall(r"<script>alert\(1\)", html)
    return parser.bad + scripts


@pytest.mark.parametrize("name", HOSTILE)
def test_duplicate_citizen_id_message_shows_the_name_as_text(client, db, tree, make_user, login, make_person, name):
    make_person(tree.B1, name, citizen_id="038200006666")
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    resp = client.post(f"/members/new?unit={tree.C1.id}", data=_good(tree, citizen_id="038200006666"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert not live_tags(html), live_tags(html)
    assert any(name in e for e in [m.replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"').replace("&quot;", '"')
                                   .replace("&amp;", "&") for m in re.findall(r'class="error"[^>]*>(.*?)</p>', html)])


@pytest.mark.parametrize("name", HOSTILE)
def test_duplicate_name_message_shows_the_name_as_text(client, db, tree, make_user, login, make_person, name):
    first = make_person(tree.B1, name, birth_date=date(2006, 1, 8))
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    resp = client.post(f"/members/new?unit={tree.C1.id}",
                       data=_good(tree, full_name=name, birth_date="08/01/2006", citizen_id="", form_token="tok-twin"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert any(f"mã hồ sơ {first.id}" in e for e in errors_in(html)), errors_in(html)  # beside the field, as text
    assert not live_tags(html), live_tags(html)


def test_pages_that_show_hostile_names_show_text(client, db, tree, make_user, login, make_person):
    people = [make_person(tree.B1, name) for name in HOSTILE]
    make_user("xa.officer", (tree.C1, "officer"))
    login("xa.officer")
    urls = [f"/members/?unit={tree.C1.id}", f"/members/?unit={tree.B1.id}&q=evil", f"/units/{tree.B1.id}",
            "/audit/"] + [f"/members/{p.id}" for p in people] + [f"/members/{p.id}/edit" for p in people]
    for url in urls:
        resp = client.get(url)
        if resp.status_code in (403, 404):
            continue
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200, url
        assert not live_tags(html), (url, live_tags(html))
    html = client.get(f"/members/{people[0].id}").get_data(as_text=True)
    assert "&lt;a href=" in html  # the name is there, as text


def _lazy_calls_with_values(path):
    """lazy_gettext(..., name=value): Jinja trusts a lazy string as HTML (LazyString.__html__), so the value
    would not be escaped. Messages that carry values must use gettext (a plain str) instead."""
    tree = ast.parse(path.read_text(), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_l", "lazy_gettext"):
            if node.keywords or len(node.args) > 1:
                out.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return out


def test_no_lazy_message_carries_values_and_nothing_is_marked_safe():
    lazy = [hit for path in sorted((ROOT / "app").rglob("*.py")) for hit in _lazy_calls_with_values(path)]
    assert not lazy, lazy
    marked = [f"{p.relative_to(ROOT)}" for p in list((ROOT / "app").rglob("*.py")) + list((ROOT / "templates").rglob("*.html"))
              if re.search(r"\|\s*safe\b|Markup\(", p.read_text())]
    assert not marked, marked
