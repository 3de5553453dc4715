# Sổ Đoàn — the two commands a newcomer needs: `make run` and `make test`.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py

.PHONY: run test deps translations syscheck bench clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@command -v $(PY) >/dev/null || { echo "Cần Python 3.11 ($(PY) not found). Install python3.11 or run: make PY=/path/to/python3.11"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	@touch $@

deps: $(BIN)/.installed

translations: deps
	@$(BIN)/pybabel compile -d translations -D messages >/dev/null

syscheck:
	@bash scripts/check-system.sh

## make run: install, migrate, seed the demo province when empty, serve on http://127.0.0.1:5000
run: deps translations syscheck
	APP_ENV=development $(BIN)/flask db upgrade
	APP_ENV=development $(BIN)/flask seed-demo --size small --if-empty
	@echo "Sổ Đoàn: http://127.0.0.1:5000"
	APP_ENV=development $(BIN)/flask run --host 127.0.0.1 --port 5000

## make test: install what the tests need and run the whole suite (SQLite, then PostgreSQL when reachable)
test: deps translations syscheck
	@bash scripts/test.sh

bench: deps translations
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/imports.py
	$(BIN)/python bench/pdfs.py
	$(BIN)/python bench/concurrency.py
	$(BIN)/python bench/review.py
	$(BIN)/python bench/targets.py
	$(BIN)/python bench/year.py
	$(BIN)/python bench/restructure.py
	$(BIN)/python bench/asof.py

clean:
	rm -rf $(VENV) instance .pytest_cache
