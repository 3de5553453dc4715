#!/usr/bin/env bash
# The whole suite: SQLite (with browser tests when Chromium is there), then PostgreSQL in a database
# of its own. In CI (CI=true) a missing PostgreSQL or Chromium fails the run; on a laptop it is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_ADMIN_URL=${PG_ADMIN_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
PG_TEST_DB=${PG_TEST_DB:-sodoan_test}

if [ ! -x /usr/bin/chromium ]; then
  if [ "${CI:-}" = "true" ]; then echo "CI: /usr/bin/chromium is required for the browser tests"; exit 1; fi
  echo "NOTE: /usr/bin/chromium not found — browser tests will be skipped (apt-get install chromium)."
fi

echo "== ruff (pyflakes, pycodestyle errors, import order, bugbear, complexity) =="
$BIN/ruff check .

# Two workers (the CI machine has two cores); each has its own database.
WORKERS=${TEST_WORKERS:-2}
echo "== pytest on SQLite =="
$BIN/python -m pytest -n "$WORKERS" "$@"

if $BIN/python - "$PG_ADMIN_URL" "$PG_TEST_DB" <<'PY'
import sys, psycopg
url, name = sys.argv[1], sys.argv[2]
try:
    with psycopg.connect(url, autocommit=True, connect_timeout=3) as conn:
        conn.execute("SELECT 1")
except Exception as exc:
    print(f"PostgreSQL not reachable: {exc}")
    sys.exit(1)
PY
then
  echo "== pytest on PostgreSQL ($PG_TEST_DB) =="
  TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/$PG_TEST_DB" $BIN/python -m pytest -n "$WORKERS" -m "not browser" "$@"
else
  if [ "${CI:-}" = "true" ]; then echo "CI: PostgreSQL is required"; exit 1; fi
  echo "NOTE: PostgreSQL not reachable — the PostgreSQL run was skipped."
fi
