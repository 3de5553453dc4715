"""The shape docs/ARCHITECTURE.md shows: no import goes up a layer, and every domain has the layout it lists."""
import importlib
import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("layers", ROOT / "scripts" / "layers.py")
layers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(layers)

# Upward imports tolerated for a while, each with the change that removes it: {(path, imported module): why}. Empty since
# issue 10 (there were 21, counted by statement); a NEW one fails at once, and a listed one that goes says so.
KNOWN = {}


def test_no_import_goes_up_a_layer():
    found = layers.upward_imports()
    unnamed = [i for i in found if not i.why and (i.path, i.target) not in KNOWN]
    assert not unnamed, "imports from a lower layer to a higher one (register with app/seams.py instead, or name " \
                        "the cycle with `# layer: <why>` on the line):\n" + "\n".join(map(str, unnamed))
    gone = set(KNOWN) - {(i.path, i.target) for i in found}
    assert not gone, f"no longer imported upwards — remove from KNOWN: {sorted(gone)}"


def test_imports_are_at_the_top():
    """A function-local import of an app module is allowed only where its line names the cycle it breaks."""
    local = [f"{path}:{line}: {target}" for path, line, target, why in layers.local_imports() if not why]
    assert not local, "import at the top of the module (or name the cycle with `# layer: <why>`):\n" + "\n".join(local)


def test_the_script_sees_upward_imports_top_level_and_local(tmp_path):
    """The counter itself: a base module importing a domain at the top, a domain importing a higher one inside a
    function, and a named exception."""
    app = tmp_path / "app"
    (app / "members").mkdir(parents=True)
    (app / "activities").mkdir()
    for f in ("__init__.py", "members/__init__.py", "activities/__init__.py", "activities/models.py"):
        (app / f).write_text("")
    (app / "access.py").write_text("from .members import models\n")
    (app / "members" / "queries.py").write_text(
        "from ..units.models import Unit\n"  # down: fine
        "def f():\n    from ..activities.models import A\n"
        "def g():\n    from app.activities import models  # layer: a test of the comment\n")
    (app / "cli.py").write_text("from .inspections import seed\n")  # the composition root may
    found = layers.upward_imports(app, root=tmp_path)
    assert [(i.path, i.target, i.local, i.why) for i in found] == [
        ("app/access.py", "app.members", False, None),
        ("app/members/queries.py", "app.activities.models", True, None),
        ("app/members/queries.py", "app.activities", True, "a test of the comment"),
    ]


def _layout():
    """(base files, domain folders, files of each domain) as the layout block of docs/ARCHITECTURE.md lists them."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    block = re.search(r"```text\napp/\n(.*?)```", text, re.S).group(1)
    base, domains, per_domain = [], [], []
    for line in block.splitlines():
        indent = len(line) - len(line.lstrip())
        names = re.findall(r"(?<![\w/.])([a-z_]+(?:\.py|/))(?=\s|$)", line)
        if indent == 2 and len([n for n in names if n.endswith("/")]) > 1:
            domains = [n.rstrip("/") for n in names]
        elif indent == 2:
            base += names
        elif indent == 4:
            per_domain += names
    return base, domains, per_domain


def test_the_layout_architecture_md_shows():
    base, domains, per_domain = _layout()
    assert tuple(domains) == layers.DOMAINS, "docs/ARCHITECTURE.md and scripts/layers.py list the domains alike"
    assert {"__init__.py", "seams.py", "access.py", "web.py", "audit/"} <= set(base)
    for name in base:
        assert (ROOT / "app" / name).exists(), f"app/{name} is shown in docs/ARCHITECTURE.md"
    assert {"__init__.py", "models.py", "routes.py", "services.py", "queries.py", "permissions.py"} <= set(per_domain)
    for domain in domains:
        for name in per_domain:
            path = ROOT / "app" / domain / name
            package = path.with_suffix("") / "__init__.py"  # routes.py may have grown into routes/
            assert path.exists() or package.exists(), f"app/{domain}/{name}"
        assert (ROOT / "templates" / domain).is_dir()


# The one exception: the restructuring is done from the unit tree's pages, and its issue asked for /units/restructure.
PREFIXES = {"restructure": "/units/restructure"}


@pytest.mark.parametrize("name", layers.DOMAINS)
def test_one_name_per_domain(app, name):
    """The folder, the blueprint and the URL prefix share the domain's name; create_app registers every domain."""
    from app import DOMAINS

    assert name in DOMAINS
    bp = importlib.import_module(f"app.{name}").bp
    assert bp.name == name and bp.url_prefix == PREFIXES.get(name, f"/{name}")
    assert app.blueprints[name] is bp


def test_every_domain_is_in_a_layer():
    from app import DOMAINS

    on_disk = {p.parent.name for p in (ROOT / "app").glob("*/__init__.py")}
    assert on_disk == set(layers.DOMAINS) | set(layers.BASE_PACKAGES), "a new folder: add it to scripts/layers.py"
    assert [d for d in DOMAINS if d in layers.DOMAINS] == list(layers.DOMAINS), "create_app registers them in layer order"
