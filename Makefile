# The two commands a newcomer needs: `make run` and `make test`
# (`make test ARGS="tests/test_pages.py -k switch"` passes arguments to pytest).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test build lint clean screenshots vendor

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# make run [PORT=8081] [WORKERS=4]: the production server (docs/operations.md), on
# server.port of the configuration (8080) unless PORT is given.
PORT ?=
WORKERS ?= 2

run: $(STAMP)
	$(VENV)/bin/lodpub serve --workers $(WORKERS)$(if $(PORT), --port $(PORT))

build: $(STAMP)
	$(VENV)/bin/lodpub build

lint: $(STAMP)
	$(VENV)/bin/ruff check publisher tests examples scripts $(wildcard bench)
	$(VENV)/bin/lint-imports

test: $(STAMP) lint
	$(VENV)/bin/pytest $(ARGS)

# PNG screenshots of the main pages, desktop and phone, into docs/screenshots/ (needs
# chromium, chromium-driver and `npm ci` in tests/node, as .ci/run installs them).
screenshots: $(STAMP)
	$(PY) scripts/screenshots.py docs/screenshots

# Refresh the vendored front-end files from npm at the versions pinned in vendor/.
vendor:
	python3 scripts/vendor.py

clean:
	rm -rf dist .dist.builds .pytest_cache
