# GridApp: `make run` and `make test` are the two commands of the README's quick start.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export FLASK_APP := wsgi
APT_PACKAGES := fonts-noto-cjk fonts-wqy-microhei chromium poppler-utils wrk nginx

.PHONY: run test install system-packages vendor translations messages bench bench-scale lint format clean-db worker

install: system-packages $(VENV)/.installed vendor translations

# Debian packages: only those missing, only as root (a developer without root installs them once).
system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	$(PYTHON) -c 'import ensurepip' 2>/dev/null || missing="$$missing $(PYTHON)-venv"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    echo "apt-get install:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "warning: missing Debian packages:$$missing (install them as root)"; fi; \
	fi

# The venv's own pip (Python 3.11 bundles 22.3 or later, which installs a pyproject.toml
# project editable): upgrading it first cost a round of index look-ups on every fresh clone.
$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is needed"; exit 1; }
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

vendor:
	@scripts/vendor.sh

translations: $(VENV)/.installed
	@$(BIN)/pybabel compile -q -d gridapp/translations 2>/dev/null || $(BIN)/pybabel compile -d gridapp/translations

run: install
	@$(BIN)/flask db upgrade
	@$(BIN)/flask demo-data --if-empty
	@$(BIN)/flask demo-logins
	@echo "GridApp: http://127.0.0.1:$(PORT)  (Ctrl-C stops the server and the background worker)"
	@trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/huey_consumer gridapp.worker.huey -w 2 -k thread -q & worker=$$!; \
	$(BIN)/gunicorn -c deploy/embedded.conf.py -b 127.0.0.1:$(PORT) wsgi:app

# Babel skips folders starting with "_" unless told otherwise: _partials and _macros hold strings.
messages:
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --ignore-dirs '.*' -w 100 \
		-o /tmp/gridapp-messages.pot .
	$(BIN)/pybabel update -i /tmp/gridapp-messages.pot -d gridapp/translations -l en -w 100 \
		--no-fuzzy-matching

worker: install
	$(BIN)/huey_consumer gridapp.worker.huey -w 2 -k thread

# ruff, then the whole suite (browser included) on SQLite, then again on PostgreSQL when
# TEST_DATABASE_URL is set: each pass spread over TEST_WORKERS pytest-xdist workers, each worker
# with its own database. The passes run one after the other: side by side on 2 cores was slower.
# pytest exits non-zero when a pass collects no test, so an empty pass fails too.
TEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest -q -n $(TEST_WORKERS) --dist worksteal

# Every recipe writes bytecode (into the ignored __pycache__/) even where the environment says not:
# with PYTHONDONTWRITEBYTECODE set, as on these machines, every process compiled GridApp and
# pytest rewrote every test module again, each xdist worker, each server a test starts, each
# pass (collection alone: 7.3 s of CPU instead of 4.3 s per worker).
unexport PYTHONDONTWRITEBYTECODE

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@echo "== SQLite"
	@SECONDS=0; GRIDAPP_TEST_DB=sqlite $(PYTEST); rc=$$?; echo "== SQLite pass: $${SECONDS}s"; exit $$rc
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== PostgreSQL: $$TEST_DATABASE_URL (a database per worker named after it)"; \
	  SECONDS=0; GRIDAPP_TEST_DB=postgresql $(PYTEST); rc=$$?; \
	  echo "== PostgreSQL pass: $${SECONDS}s"; exit $$rc; \
	fi

bench: install
	$(BIN)/python bench/run.py
	$(BIN)/python bench/roster.py
	BENCH_ROSTER_FORMAT=csv $(BIN)/python bench/roster.py

# The figures at district scale on PostgreSQL (127.0.0.1, a database of its own, dropped after):
# bench/scale.py; BENCH_SCALE=county or BENCH_SCHOOLS=N for smaller districts.
bench-scale: install
	$(BIN)/python bench/scale.py

lint:
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format:
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

clean-db:
	rm -f instance/gridapp.db instance/gridapp.db-wal instance/gridapp.db-shm instance/huey.db
