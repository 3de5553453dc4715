#!/usr/bin/env bash
# Re-extract the Vietnamese source strings and merge them into the English catalogue.
# --ignore-dirs keeps templates/_macros (Babel skips folders starting with "_" by default).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs '.* __pycache__ .venv' -o translations/messages.pot .
.venv/bin/pybabel update -i translations/messages.pot -d translations -l en --no-fuzzy-matching
echo "Now translate the empty msgstr entries in translations/en/LC_MESSAGES/messages.po"
