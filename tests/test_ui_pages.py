"""Every page a commune officer, an organizer, an inspector and an admin reach (the demo, followed link by
link): element ids are unique, every form field has a label, no download link is boosted, and an htmx request
for a file is answered with HTML that sends the browser to the file (HX-Redirect), never with the file."""
import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from app.seed import DEMO_PASSWORD
from tests.conftest import HTMX

FILE_LINK = re.compile(r"\.(pdf|xlsx|csv)(\?|$)")


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.fields, self.labels_for, self.links, self.file_links = [], [], set(), [], []
        self.open_labels = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id") and not (tag == "input" and a.get("type") == "hidden"):
            self.ids.append(a["id"])
        if tag == "label":
            self.open_labels += 1
            if a.get("for"):
                self.labels_for.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit", "button"):
            self.fields.append((tag, a.get("name"), a.get("id"), self.open_labels > 0, a.get("aria-label")))
        if tag == "a" and a.get("href"):
            if FILE_LINK.search(a["href"]):
                self.file_links.append((a["href"], "download" in a, a.get("hx-boost")))
            else:
                self.links.append(a["href"])

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels -= 1


def problems(html):
    p = Page()
    p.feed(html)
    out = [f"duplicate id {i}" for i, n in Counter(p.ids).items() if n > 1]
    out += [f"no label for {tag} {name}" for tag, name, id_, wrapped, aria in p.fields
            if not wrapped and not aria and id_ not in p.labels_for]
    out += [f"file link {href} is not a plain download" for href, download, boost in p.file_links
            if not download or boost != "false"]
    return out, p


def walk(client, start, limit):
    seen, todo, bad, files, n = set(), [start], [], set(), 0
    while todo and n < limit:
        url = todo.pop(0)
        parts = urlsplit(url)
        shape = re.sub(r"\d+", "#", parts.path) + "?" + ",".join(sorted(k.split("=")[0] for k in parts.query.split("&") if k))
        if shape in seen or parts.netloc:
            continue
        seen.add(shape)
        resp = client.get(url)
        if resp.status_code in (301, 302, 303):
            todo.insert(0, resp.headers["Location"])
            seen.discard(shape)
            continue
        if resp.status_code != 200 or resp.mimetype != "text/html":
            continue
        n += 1
        found, page = problems(resp.get_data(as_text=True))
        bad += [(url, p) for p in found]
        files.update(h for h, _, _ in page.file_links)
        todo += [h for h in page.links if h.startswith("/") and "logout" not in h]
    return n, bad, files


@pytest.fixture
def demo(demo_app):
    """The module's copy of the run's demo (tests/demo.py); the walk only reads."""
    return demo_app


@pytest.mark.parametrize("username", ["xa.officer", "xa.organizer", "xa.inspector", "tinh.admin"])
def test_pages_have_unique_ids_labelled_fields_and_plain_downloads(demo, username):
    client = demo.test_client()
    assert client.post("/auth/login", data={"username": username, "password": DEMO_PASSWORD}).status_code == 303
    n, bad, files = walk(client, "/", limit=60)
    assert n >= 15, n
    assert not bad, bad
    # the same file links, asked for by htmx (a boosted click): HTML that sends the browser to the file
    one_each = {}
    for href in sorted(files, key=len):  # one link per file kind (filtered exports are the importer's tests)
        one_each.setdefault(re.sub(r"\d+", "#", urlsplit(href).path), href)
    assert one_each
    for href in one_each.values():
        resp = client.get(href, headers=dict(HTMX, **{"HX-Boosted": "true"}))
        assert resp.status_code == 200 and resp.mimetype == "text/html", (href, resp.status_code, resp.mimetype)
        assert resp.headers["HX-Redirect"] == href
        assert resp.get_data() == b""
        plain = client.get(href)
        assert plain.status_code == 200 and plain.mimetype != "text/html", href
