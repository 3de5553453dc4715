"""Rewrite old-style accent placement (hoà, xoá, thuỷ) into the official style (hòa, xóa, thủy) in templates,
app code, tests, the catalogues and the README. Safe to re-run (e.g. after merging branches); `qu` is left alone
(quý is the same in both styles). tests/test_ui_language.py checks the result."""
import re
import sys
from pathlib import Path

MAP = {"oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa", "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe",
       "oẹ": "ọe", "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy"}
OLD = re.compile(r"(?i)(?<![qQ])(" + "|".join(MAP) + r")(?![a-zà-ỹA-ZÀ-Ỹ])")


def fix(match):
    old = match.group(1)
    return "".join(n.upper() if o.isupper() else n for o, n in zip(old, MAP[old.lower()]))


def main(root="."):
    root = Path(root)
    files = [*root.glob("templates/**/*.html"), *root.glob("app/**/*.py"), *root.glob("tests/*.py"),
             root / "translations/en/LC_MESSAGES/messages.po", root / "translations/messages.pot", root / "README.md"]
    for path in files:
        if path.name == "test_ui_language.py" or not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        new = OLD.sub(fix, text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(path)


if __name__ == "__main__":
    main(*sys.argv[1:])
