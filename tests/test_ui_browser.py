"""The 360 px phone with one thumb, JavaScript on: every page a commune officer, an organizer and an inspector
reach fits the screen (scrollWidth == 360) and every tap target is at least 44 × 44 px; every download link
gives a file of the right type; no response to an htmx request is anything but HTML."""
import io
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from tests.test_browser import ARGS, CHROMIUM, browser, login  # noqa: F401 — shared fixtures
from tests.test_browser import pytestmark as _browser_mark

pytestmark = _browser_mark

FILE_EXT = re.compile(r"\.(pdf|xlsx|csv)(\?|$)")


@pytest.fixture(scope="module")
def live(live_demo):
    """(app, url): the live server on this module's copy of the demo (tests/browser_fixtures.py)."""
    return live_demo.app, live_demo.url


def ids(app, query):
    with app.app_context():
        out = db.session.execute(query).first()
        db.session.remove()
        return out


@pytest.fixture
def phone(browser):  # noqa: F811
    ctx = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=True, locale="vi-VN",
                              accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(15000)
    page.errors = []
    page.htmx_bad = []
    page.on("console", lambda m: m.type == "error" and "status of 4" not in m.text and page.errors.append(m.text))

    def check_htmx(resp):
        if resp.request.headers.get("hx-request") == "true":
            kind = resp.headers.get("content-type", "")
            if not kind.startswith("text/html"):
                page.htmx_bad.append((resp.url, resp.status, kind))
    page.on("response", check_htmx)
    yield page
    ctx.close()


# ---- measuring one page --------------------------------------------------------------------------
SMALL_TARGETS = """() => {
  const out = [];
  const sel = 'a[href], button, select, textarea, summary, input:not([type=hidden])';
  for (const el of document.querySelectorAll(sel)) {
    let t = el;
    if (el.matches('input[type=checkbox], input[type=radio]') || getComputedStyle(el).opacity === '0') t = el.closest('label') || el;
    if (t.getClientRects().length === 0 || getComputedStyle(t).visibility === 'hidden') continue;
    const r = t.getBoundingClientRect();
    if (r.width < 43.5 || r.height < 43.5)
      out.push(`${t.tagName.toLowerCase()} "${(t.innerText || t.name || t.id || '').trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
  }
  return out;
}"""


def measure(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    small = page.evaluate(SMALL_TARGETS)
    return width, small


def crawl(page, base, start="/", limit=70):
    """Follow the links of the site, one page per URL shape (ids and query values folded)."""
    seen, todo, pages, files = set(), [start], [], set()
    while todo and len(pages) < limit:
        url = urljoin(base, todo.pop(0))
        parts = urlsplit(url)
        if parts.netloc != urlsplit(base).netloc:
            continue
        shape = re.sub(r"\d+", "#", parts.path) + "?" + ",".join(sorted(k.split("=")[0] for k in parts.query.split("&") if k))
        if shape in seen:
            continue
        seen.add(shape)
        resp = page.goto(url)
        if resp is None or resp.status != 200 or "text/html" not in resp.headers.get("content-type", ""):
            continue
        pages.append((parts.path + ("?" + parts.query if parts.query else ""), *measure(page)))
        for href, download, boost in page.eval_on_selector_all(
                "a[href]", "els => els.map(a => [a.getAttribute('href'), a.hasAttribute('download'), a.getAttribute('hx-boost')])"):
            if FILE_EXT.search(href) or download:
                files.add((href, download, boost))
            elif href.startswith("/") and "logout" not in href:
                todo.append(href)
    return pages, files


@pytest.mark.parametrize("username", ["xa.officer", "xa.organizer", "xa.inspector"])
def test_every_page_fits_360_with_big_tap_targets(phone, live, username):
    app, base = live
    login(phone, base, username)
    pages, files = crawl(phone, base)
    assert len(pages) >= 8, pages
    wide = [(p, w) for p, w, _ in pages if w != 360]
    small = [(p, s) for p, _, s in pages if s]
    print("\n".join(f"{p:<60} {w} {len(s)}" for p, w, s in pages))
    assert not wide, wide
    assert not small, small
    # every link to a file is a real download, never a boosted fetch
    assert all(d and b == "false" for _, d, b in files), files
    assert not phone.htmx_bad, phone.htmx_bad
    assert not phone.errors, phone.errors  # no CSP refusals, no failed requests


def _download(page, selector):
    with page.expect_download(timeout=60_000) as info:
        page.click(selector)
    d = info.value
    data = Path(d.path()).read_bytes()
    return d.suggested_filename, data


MAGIC = {".xlsx": b"PK", ".pdf": b"%PDF", ".csv": None}


def _check_file(name, data):
    ext = "." + name.rsplit(".", 1)[-1]
    assert ext in MAGIC, name
    if MAGIC[ext]:
        assert data.startswith(MAGIC[ext]), (name, data[:20])
    else:
        text = data.decode("utf-8-sig")
        assert "<html" not in text.lower() and "," in text.splitlines()[0], text[:200]


def _all_downloads_on(page, base, path):
    page.goto(base + path)
    page.wait_for_load_state()
    links = page.locator("main a[download]")
    n = links.count()
    assert n, path
    names = []
    for i in range(n):
        page.goto(base + path)
        name, data = _download(page, f"main a[download] >> nth={i}")
        _check_file(name, data)
        names.append(name)
        assert not page.htmx_bad, page.htmx_bad
    return names


def test_every_download_gives_a_file_with_javascript_on(phone, live):
    from app.classes.models import AdmissionCase, ClassSession, TrainingClass
    from app.inspections.models import Inspection, TemplateVersion

    app, base = live
    klass, session = ids(app, select(TrainingClass.id, ClassSession.id).join(ClassSession.training_class)
                         .where(TrainingClass.title.like("Lớp cảm tình Đoàn đợt 3%Quảng Ngọc")).order_by(ClassSession.id))
    (case,) = ids(app, select(AdmissionCase.id).order_by(AdmissionCase.id))
    (done,) = ids(app, select(TrainingClass.id).where(TrainingClass.status == "finished").order_by(TrainingClass.id))
    (inspection,) = ids(app, select(Inspection.id).order_by(Inspection.id))
    (version,) = ids(app, select(TemplateVersion.id).order_by(TemplateVersion.id))
    login(phone, base, "tinh.admin")
    got = []
    got += _all_downloads_on(phone, base, "/members/")
    got += _all_downloads_on(phone, base, "/members/import")
    got += _all_downloads_on(phone, base, f"/classes/{klass}/sessions/{session}/sign-in")
    got += _all_downloads_on(phone, base, f"/classes/{klass}/grid")
    got += _all_downloads_on(phone, base, f"/classes/{done}/certificates")
    got += _all_downloads_on(phone, base, f"/classes/admissions/{case}/checklist")
    got += _all_downloads_on(phone, base, f"/inspections/{inspection}")
    got += _all_downloads_on(phone, base, f"/inspections/versions/{version}")
    exts = {n.rsplit(".", 1)[-1] for n in got}
    assert exts == {"xlsx", "csv", "pdf"}, got


def test_a_boosted_fetch_of_a_file_is_turned_into_a_download(phone, live):
    """Even a link that forgot hx-boost="false": the server answers htmx with HX-Redirect, the browser downloads."""
    app, base = live
    login(phone, base, "tinh.admin")
    phone.goto(base + "/members/")
    phone.evaluate("""() => { const a = document.createElement('a'); a.id = 'plain'; a.href = '/members/export.csv';
                              a.textContent = 'x'; document.querySelector('main').prepend(a); htmx.process(a); }""")
    name, data = _download(phone, "#plain")
    _check_file(name, data)
    assert data.decode("utf-8-sig").splitlines()[0].startswith("STT,Họ và tên,")  # the list's export, headers first
    assert "danh-sach" in name


def test_inspection_print_previews_are_pages_of_the_site(phone, live):
    """Minutes, notice and blank checklist: phone width, the menu, a way back and the PDF download (item 5)."""
    from app.inspections.models import Inspection, TemplateVersion

    app, base = live
    (inspection,) = ids(app, select(Inspection.id).order_by(Inspection.id))
    (version,) = ids(app, select(TemplateVersion.id).order_by(TemplateVersion.id))
    login(phone, base, "tinh.admin")
    for path, back in [(f"/inspections/{inspection}/minutes", f"/inspections/{inspection}"),
                       (f"/inspections/{inspection}/notice", f"/inspections/{inspection}"),
                       (f"/inspections/versions/{version}/checklist", f"/inspections/versions/{version}")]:
        phone.goto(base + path)
        assert phone.evaluate("window.innerWidth") == 360
        assert phone.evaluate("document.documentElement.scrollWidth") == 360, path
        assert phone.locator("meta[name=viewport]").count() == 1
        assert phone.locator("nav.nav a").count() >= 4
        assert phone.locator(f"main a[href='{back}']").count() >= 1, path
        assert phone.locator("main .preview h1").count() == 1
        assert not phone.evaluate(SMALL_TARGETS), (path, phone.evaluate(SMALL_TARGETS))
        phone.locator(f"main .actions a[href='{back}']").click()
        phone.wait_for_url(base + back)


def test_top_menu_fits_a_phone(phone, live):
    """Every menu entry is on the screen (the menu wraps), none hidden off to the right (item 7)."""
    app, base = live
    login(phone, base, "tinh.admin")  # the admin has the most entries
    boxes = phone.eval_on_selector_all("nav.nav a", "els => els.map(a => { const r = a.getBoundingClientRect(); return [a.innerText, r.left, r.right, r.height]; })")
    assert len(boxes) >= 7
    assert all(left >= 0 and right <= 360 and h >= 44 for _, left, right, h in boxes), boxes
    assert phone.evaluate("(() => { const n = document.querySelector('nav.nav'); return n.scrollWidth <= n.clientWidth; })()")


def _offscreen_numbers(page, selector):
    return page.eval_on_selector_all(selector, """els => els.filter(e => e.getClientRects().length)
        .map(e => [e.innerText, e.getBoundingClientRect().right]).filter(([t, r]) => r > 360)""")


def test_standing_and_grid_show_key_figures_without_sideways_scrolling(phone, live):
    """Item 8: every number of the standing table and every person's attendance total is on screen."""
    from app.classes.models import TrainingClass
    from app.units.models import Unit

    app, base = live
    (commune,) = ids(app, select(Unit.id).where(Unit.code == "QX-QN"))
    (klass,) = ids(app, select(TrainingClass.id).where(TrainingClass.title.like("Lớp cảm tình Đoàn đợt 3%Quảng Ngọc")))
    login(phone, base, "xa.officer")
    phone.goto(f"{base}/activities/units/{commune}/standing")
    assert phone.locator("table tbody tr").count() >= 3
    assert not _offscreen_numbers(phone, "table tbody td")
    assert phone.evaluate("document.querySelector('table').getBoundingClientRect().right") <= 360
    phone.goto(f"{base}/classes/{klass}/grid")
    assert phone.locator("table.grid tbody tr").count() >= 3
    assert not _offscreen_numbers(phone, "table.grid td, table.grid th")
    assert phone.evaluate("document.querySelector('table.grid').getBoundingClientRect().right") <= 360
    # the column choice: every session's mark is one tap away, without JavaScript too
    phone.check("#all-sessions")
    assert phone.locator("table.grid th.s").first.is_visible()


@pytest.mark.parametrize("js", [True, False], ids=["js-on", "js-off"])
def test_search_results_come_first_and_filters_are_folded(browser, live, js):  # noqa: F811
    """Item 10: on a 360 × 640 screen the first person found is visible without scrolling; filters fold."""
    app, base = live
    ctx = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=js, locale="vi-VN")
    page = ctx.new_page()
    login(page, base, "xa.officer")
    page.goto(base + "/members/")
    first = page.locator("#results .list > li").first.bounding_box()
    assert first["y"] + first["height"] <= 640, first
    assert not page.locator("select#type").is_visible()
    page.click("details.more > summary")
    page.select_option("select#type", "union")
    if not js:
        page.click("form[role=search] button[type=submit]")
    page.wait_for_url("**type=union**")
    assert page.locator("#results .list > li").count() >= 1
    ctx.close()


AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"  # vendored for tests only, never served


def axe_violations(page):
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())  # run through the devtools protocol: the page's CSP stays strict
    result = page.evaluate("async () => (await axe.run(document)).violations.map(v => [v.id, v.impact, v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')])")
    return result


def most_used_pages(app):
    from app.activities.models import Activity
    from app.classes.models import ClassSession, TrainingClass
    from app.inspections.models import Inspection
    from app.members.models import Person
    from app.units.models import Unit

    (commune,) = ids(app, select(Unit.id).where(Unit.code == "QX-QN"))
    (branch,) = ids(app, select(Unit.id).where(Unit.parent_id == commune).order_by(Unit.id))
    (person,) = ids(app, select(Person.id).where(Person.unit_id == branch).order_by(Person.id))
    (activity,) = ids(app, select(Activity.id).where(Activity.unit_id == branch).order_by(Activity.id.desc()))
    klass, session = ids(app, select(TrainingClass.id, ClassSession.id).join(ClassSession.training_class)
                         .where(TrainingClass.title.like("Lớp cảm tình Đoàn đợt 3%Quảng Ngọc")).order_by(ClassSession.id))
    (inspection,) = ids(app, select(Inspection.id).order_by(Inspection.id))
    return [
        ("xa.officer", f"/units/{commune}"), ("xa.officer", "/members/"), ("xa.officer", f"/members/{person}"),
        ("xa.officer", "/members/new"), ("xa.officer", "/members/import"), ("xa.officer", "/activities/"),
        ("xa.officer", f"/activities/{activity}"), ("xa.officer", f"/activities/dues/{branch}"),
        ("xa.officer", f"/activities/units/{commune}/standing"), ("xa.organizer", "/classes/"),
        ("xa.organizer", f"/classes/{klass}"), ("xa.organizer", f"/classes/{klass}/people"),
        ("xa.organizer", f"/classes/{klass}/sessions/{session}/attendance"), ("xa.inspector", "/inspections/"),
        ("tinh.admin", f"/inspections/{inspection}"), ("xa.officer", "/auth/password"),
    ]


def test_axe_finds_nothing_on_the_most_used_pages(phone, live):
    app, base = live
    found, who = [], None
    for username, path in most_used_pages(app):
        if username != who:
            phone.context.clear_cookies()
            login(phone, base, username)
            who = username
        resp = phone.goto(base + path)
        assert resp.status == 200, path
        found += [(path, *v) for v in axe_violations(phone)]
        if path == "/members/new":  # the check itself works: an input without a label is found
            phone.evaluate("document.querySelector('main').append(Object.assign(document.createElement('input'), {id: 'nolabel'}))")
            assert "label" in [v[0] for v in axe_violations(phone)]
    assert not found, "\n".join(map(str, found))
    assert not phone.errors, phone.errors


def test_htmx_swaps_break_no_content_security_rule(phone, live):
    """Item 20: htmx adds no inline style (indicator styles are in app.css); boosted navigation, live search,
    inline validation and one-tap attendance raise no CSP violation."""
    from app.activities.models import Activity
    from app.units.models import Unit

    app, base = live
    (commune,) = ids(app, select(Unit.id).where(Unit.code == "QX-QN"))
    (branch,) = ids(app, select(Unit.id).where(Unit.parent_id == commune).order_by(Unit.id))
    (activity,) = ids(app, select(Activity.id).where(Activity.unit_id == branch).order_by(Activity.id.desc()))
    phone.add_init_script("window.__csp = []; document.addEventListener('securitypolicyviolation', "
                          "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
    login(phone, base, "xa.officer")
    assert phone.evaluate("htmx.config.includeIndicatorStyles") is False
    phone.click("nav.nav a:has-text('Đoàn viên')")  # boosted
    phone.wait_for_selector("#results")
    # htmx wires the swapped-in page's triggers as it settles: typing before that would go unheard (under load)
    phone.wait_for_function("() => { const q = document.querySelector('#q'); return q && q['htmx-internal-data']; }")
    phone.fill("#q", "nguyen")
    phone.wait_for_url("**q=nguyen**")
    phone.click("nav.nav a:has-text('Sinh hoạt')")
    phone.wait_for_selector("h1")
    phone.goto(f"{base}/activities/{activity}")
    row = phone.locator("li:has(.seg)").first
    row.locator("label").nth(1).click()
    phone.wait_for_timeout(500)
    phone.goto(f"{base}/members/new?unit={commune}")
    phone.fill("#citizen_id", "12ab")
    phone.locator("#citizen_id").dispatch_event("change")
    phone.wait_for_selector("#err-citizen_id .error")
    assert phone.evaluate("window.__csp") == []
    assert phone.evaluate("document.querySelectorAll('style, [style]').length") == 0
    assert not phone.errors, phone.errors


# ---- issue 9 items 2, 3, 4 and 6 as a phone user meets them (JavaScript on, and off where a form is sent) ----------
@pytest.fixture(params=[True, False], ids=["js-on", "js-off"])
def any_phone(browser, request):  # noqa: F811
    ctx = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=request.param,
                              locale="vi-VN", accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(15000)
    page.js = request.param
    yield page
    ctx.close()


def _list_count(page):
    """The list's own figure ("37 người")."""
    text = page.inner_text("#results p.muted")
    return int(re.match(r"([\d.,]+)", text).group(1).replace(".", "").replace(",", ""))


@pytest.mark.parametrize("query", ["verdict=paper", "verdict=real", "verdict=incomplete", "failing=dues"])
def test_filtered_list_downloads_the_rows_it_shows(phone, live, query):
    """Item 2: a filtered list's Excel download (JS on, boosted page) has exactly the list's rows."""
    import openpyxl

    app, base = live
    login(phone, base, "xa.officer")
    phone.goto(f"{base}/members/?{query}")
    shown = _list_count(phone)
    name, data = _download(phone, "#results a[href*='export.xlsx']")
    _check_file(name, data)
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    rows = [r for r in sheet.iter_rows(values_only=True) if any(v not in (None, "") for v in r)]
    header = next(i for i, r in enumerate(rows) if "Họ và tên" in r)
    assert len(rows) - header - 1 == shown, (query, shown, len(rows) - header - 1)
    assert not phone.htmx_bad, phone.htmx_bad


HOSTILE = '<a href="http://evil.example/">Bấm</a><img src=x onerror="window.pwned=1">'


def test_hostile_names_stay_text_on_every_page_that_shows_them(phone, live):
    """Item 3: a stored name with markup is shown as text — list, search, person page, duplicate-name message."""
    from app.members.models import Person
    from app.units.models import Unit

    app, base = live
    with app.app_context():
        commune = db.session.scalar(select(Unit).where(Unit.code == "QX-QN"))
        branch = db.session.scalar(select(Unit).where(Unit.parent_id == commune.id, Unit.level == "branch")
                                   .order_by(Unit.id))
        from datetime import date

        from app.members.services import create_person
        existing = db.session.scalar(select(Person).where(Person.full_name == HOSTILE))
        if existing is None:
            with app.test_request_context():
                existing, _new = create_person(branch=branch, full_name=HOSTILE, birth_date=date(2002, 3, 4),
                                               sex="male", member_type="youth")
                db.session.commit()
        pid, bid, birth = existing.id, branch.id, existing.birth_date
        db.session.remove()
    login(phone, base, "xa.officer")
    for path in [f"/members/?q={HOSTILE[:12]}", f"/members/{pid}", f"/members/?unit={bid}"]:
        phone.goto(base + path)
        assert phone.locator("a[href='http://evil.example/']").count() == 0, path
        assert not phone.evaluate("window.pwned === 1"), path
    phone.goto(f"{base}/members/new?unit={bid}")
    phone.fill("#full_name", HOSTILE)
    phone.fill("#birth_date", birth.strftime("%d/%m/%Y"))
    phone.click("main form button[type=submit]")
    # the 422 comes back through htmx (no page load): wait for the duplicate-name message itself
    # (a locator, not wait_for_function: a string predicate is an eval, which the page's CSP refuses)
    phone.locator("main :text('evil.example')").first.wait_for()
    assert phone.locator("a[href='http://evil.example/']").count() == 0
    assert not phone.evaluate("window.pwned === 1")
    assert "evil.example" in phone.inner_text("main")  # said, as text


def test_an_untouched_account_form_makes_a_viewer_of_the_admins_own_unit(any_phone, live):
    """Item 4: saved untouched, the new-account form gives the least reach; an admin grant asks to be confirmed."""
    from app.auth.models import RoleGrant, User
    from app.units.models import Unit

    app, base = live
    page = any_phone
    login(page, base, "xa.admin")
    tag = "js" if page.js else "nojs"
    page.goto(base + "/auth/users/new")
    page.fill("#username", f"moi.{tag}")
    page.fill("#full_name", "Người Mới")
    page.fill("#password", "Thon-Ba-Dong-Xuan-7")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/auth/users/\d+"))
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == f"moi.{tag}"))
        grants = [(g.role, db.session.get(Unit, g.unit_id).code) for g in
                  db.session.scalars(select(RoleGrant).where(RoleGrant.user_id == user.id))]
        db.session.remove()
    assert grants == [("viewer", "QX-QN")], grants
    page.goto(base + "/auth/users/new")
    page.fill("#username", f"quantri.{tag}")
    page.fill("#full_name", "Quản Trị Mới")
    page.fill("#password", "Thon-Ba-Dong-Xuan-7")
    page.select_option("#role", "admin")
    page.click("main form button[type=submit]")
    page.wait_for_selector("#confirm_admin")
    assert page.input_value("#full_name") == "Quản Trị Mới"  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == f"quantri.{tag}")) is None
        db.session.remove()


def test_import_preview_lists_each_change_old_to_new(any_phone, live):
    """Item 6: an update row shows each changed field, old → new, before anything is written."""
    from app.members.models import Person
    from app.units.models import Unit

    app, base = live
    page = any_phone
    with app.app_context():
        commune = db.session.scalar(select(Unit).where(Unit.code == "QX-QN"))
        person = db.session.scalar(select(Person).join(Unit, Person.unit_id == Unit.id)
                                   .where(Unit.parent_id == commune.id, Person.status == "active",
                                          Person.citizen_id.is_(None), Person.full_name.not_like("%<%"))
                                   .order_by(Person.id.desc()))
        code, name, birth, phone_before, cid = person.unit.code, person.full_name, person.birth_date, person.phone, commune.id
        db.session.remove()
    new_phone = "0912345678" if phone_before != "0912345678" else "0987654321"
    data = ("\ufeffMã chi đoàn,Họ và tên,Ngày sinh,Số điện thoại\n"
            f"{code},{name},{birth:%d/%m/%Y},{new_phone}\n").encode()
    login(page, base, "xa.officer")
    page.goto(f"{base}/members/import?unit={cid}")
    page.set_input_files("#file", files=[{"name": "capnhat.csv", "mimeType": "text/csv", "buffer": data}])
    page.click("button[type=submit]:has-text('Tải lên và xem trước')")
    page.wait_for_selector("button:has-text('Xác nhận nhập')")
    change = page.inner_text("ul.changes")
    assert new_phone in change and "→" in change, change
    if phone_before:
        assert phone_before in change
    with app.app_context():
        assert db.session.get(Person, person.id).phone == phone_before  # nothing written before confirming
        db.session.remove()
