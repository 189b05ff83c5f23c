# Two commands for a fresh machine: `make demo` (install, load the demo, serve on :8000) and `make test`.
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
PY := .venv/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: install demo run test lint check messages ci clean

# uv lives in its own small virtualenv so that syncing the project's .venv never removes it.
$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: $(UV) pyproject.toml uv.lock
	UV_PROJECT_ENVIRONMENT=.venv $(UV) sync --frozen
	touch $@

install: .venv/.synced

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo
	@echo "Open http://$(HOST)/ and log in with one of the logins above."
	$(PY) manage.py runserver $(HOST)

run: install
	$(PY) manage.py runserver $(HOST)

test: install
	$(PY) -m pytest

lint: install
	.venv/bin/ruff check .

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

# Regenerate both catalogs from the code and templates, then compile them (the .mo files are committed so that
# a machine without gettext still runs in French).
messages: install
	$(PY) manage.py makemessages --locale fr --locale en --no-location --no-obsolete --ignore .venv --ignore .tools --ignore tests
	$(PY) manage.py compilemessages --ignore .venv --ignore .tools

ci:
	bash .ci/run

clean:
	rm -rf .venv .tools db.sqlite3 staticfiles
