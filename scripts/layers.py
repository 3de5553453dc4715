#!/usr/bin/env python3
"""Count imports that go from a lower layer of app/ to a higher one (issue 10, docs/ARCHITECTURE.md).

Layers, lowest first:
  0  base         app/*.py (extensions, config, text, locks, forms, pdf, web, access, errors, seams, dates, …) and app/audit/
  1… the domains  units, auth, members, activities, classes, inspections (in this order)
The composition root (app/__init__.py, app/cli.py, app/seed.py) may import anything and is not checked.
A module may import its own layer and lower ones. Every import is read — top-level and inside functions.
An upward import that must stay is marked on its line with `# layer: <why>`; it is listed apart and not counted.

    python scripts/layers.py            # prints each upward import, then the count; exit status 1 if any
    python scripts/layers.py --local    # first lists the function-local imports of app modules too
"""
import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
DOMAINS = ("units", "auth", "members", "activities", "classes", "inspections", "review", "targets", "year", "restructure")
BASE_PACKAGES = ("audit",)
ROOT_MODULES = ("app", "app.cli", "app.seed")  # the composition root


@dataclass(frozen=True)
class Import:
    path: str  # file, relative to the repository
    line: int
    source: str  # importing module, dotted
    target: str  # imported module, dotted
    source_layer: str
    target_layer: str
    local: bool  # inside a function
    why: str | None  # the `# layer:` comment, when there is one

    def __str__(self):
        where = "function-local" if self.local else "top-level"
        text = (f"{self.path}:{self.line}: {self.source} ({self.source_layer}) imports {self.target} "
                f"({self.target_layer}), {where}")
        return text + (f" — {self.why}" if self.why else "")


def module_name(path, root=ROOT):
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module):
    """'base', a domain's name, or None (the composition root, or outside app)."""
    parts = module.split(".")
    if parts[0] != "app" or module in ROOT_MODULES:
        return None
    if len(parts) == 1:
        return None
    if parts[1] in DOMAINS:
        return parts[1]
    return "base"


def rank(layer):
    return 0 if layer == "base" else 1 + DOMAINS.index(layer)


def _resolve(module, is_package, node):
    """The dotted names an ImportFrom/Import node refers to (a `from x import y` may name submodule x.y)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if node.level:
        base = module.split(".")
        if not is_package:
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    if node.module is None:  # from . import x, y: the names are modules (or attributes of the package)
        return [f"{prefix}.{a.name}" for a in node.names]
    return [prefix]


def _layer_comment(lines, node):
    for ln in range(node.lineno, (node.end_lineno or node.lineno) + 1):
        text = lines[ln - 1]
        if "# layer:" in text:
            return text.split("# layer:", 1)[1].strip() or "(no reason given)"
    return None


def imports_of(path, root=ROOT):
    module = module_name(path, root)
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    tree = ast.parse(source, filename=str(path))
    out = []

    def visit(node, local):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                for target in _resolve(module, path.name == "__init__.py", child):
                    out.append((child, target, local))
            inner = local or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            visit(child, inner)

    visit(tree, False)
    return module, lines, out


def upward_imports(app_dir=APP, root=ROOT):
    """Every import from a lower layer to a higher one: [Import], with `why` set where the line says why."""
    found = []
    for path in sorted(Path(app_dir).rglob("*.py")):
        module, lines, imports = imports_of(path, root)
        src = layer_of(module)
        if src is None:
            continue
        for node, target, local in imports:
            dst = layer_of(target)
            if dst is None or rank(dst) <= rank(src):
                continue
            found.append(Import(path.relative_to(root).as_posix(), node.lineno, module, target, src, dst, local,
                                _layer_comment(lines, node)))
    return found


def local_imports(app_dir=APP, root=ROOT):
    """Function-local imports of app modules (any direction) outside the composition root: [(path, line, target, why)]."""
    out = []
    for path in sorted(Path(app_dir).rglob("*.py")):
        module, lines, imports = imports_of(path, root)
        if layer_of(module) is None:
            continue
        for node, target, local in imports:
            if local and target.startswith("app."):
                out.append((path.relative_to(root).as_posix(), node.lineno, target, _layer_comment(lines, node)))
    return out


def main(argv):
    if "--local" in argv:  # also list the function-local imports of app modules (any direction)
        local = local_imports()
        for path, line, target, why in local:
            print(f"{path}:{line}: function-local import of {target}" + (f" — {why}" if why else ""))
        print(f"Function-local imports: {len(local)}\n")
    found = upward_imports()
    counted = [i for i in found if not i.why]
    named = [i for i in found if i.why]
    for i in counted:
        print(i)
    if named:
        print("\nNamed in a `# layer:` comment (not counted):")
        for i in named:
            print(" ", i)
    print(f"\nUpward imports: {len(counted)}" + (f" (+{len(named)} named)" if named else ""))
    return 1 if counted else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
