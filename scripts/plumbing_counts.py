"""Counts of the pieces issue 10 asked to keep in one copy (run on any commit: `python scripts/plumbing_counts.py`).
Each line: what, how many places in app/ write it by hand. The one helper itself is not counted."""
import re
import sys
from pathlib import Path

ROOT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
PATTERNS = {
    "except ConflictError": r"except\s+\(?[\w, ]*ConflictError",
    "status=422 if form.is_submitted()": r"422 if [\w.]*is_submitted\(\)|is_submitted\(\)\s*else\s*200",
    "hand version checks": r"version\.data\s*!=|!=\s*[\w.]*\.version\b|\.version\s*!=",
    "Page(...) built outside the paginator": r"\bPage\(",
    "?unit= parsed by hand": r"arg_int\(\"unit\"|args(?:\.get)?\(\s*\"unit\"|args\[\"unit\"\]",
    "def add_months": r"def add_months\b",
    "def year bounds": r"def _?year_bounds\b",
    "def ancestors": r"def (?:_ancestors|ancestors_of|get_ancestors)\b",
    "def branches_of": r"def branches_of\b",
    "HX-Request header read by hand": r"headers(?:\.get)?\(\s*\"HX-Request\"|headers\[\"HX-Request\"\]",
    "thousands grouped by hand": r":,\}\"?\)?\.replace\(\",\"",
}
ONE_HELPER = {"Page(...) built outside the paginator": "app/web.py", "def add_months": "app/dates.py",
              "def year bounds": "app/dates.py", "def ancestors": "app/units/queries.py",
              "def branches_of": "app/units/queries.py", "?unit= parsed by hand": "app/units/queries.py"}

for what, pattern in PATTERNS.items():
    n = 0
    for path in sorted((ROOT / "app").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if ONE_HELPER.get(what) == rel:
            continue
        n += len(re.findall(pattern, path.read_text(encoding="utf-8")))
    print(f"{n:4d}  {what}")
