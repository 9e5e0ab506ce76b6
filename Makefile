# SyncPod: `make demo` runs the embedded demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_DATAPOINTS ?= 120
DEMO_SEED ?= 7
# Embedded mode: no service variables reach the demo.
EMBEDDED := env -u DATABASE_URL -u REDIS_URL

.PHONY: install demo test lint format serve worker bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

demo: install
	$(EMBEDDED) $(BIN)/python manage.py migrate --noinput -v0
	$(EMBEDDED) $(BIN)/python manage.py collectstatic --noinput -v0
	$(EMBEDDED) $(BIN)/python manage.py seed_demo --datapoints $(DEMO_DATAPOINTS) --seed $(DEMO_SEED)
	@echo "Serving SyncPod on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(EMBEDDED) $(BIN)/daphne -b $(HOST) -p $(PORT) config.asgi:application

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

test: lint
	SYNCPOD_CHANNEL_PREFIX=syncpod-test-$$$$ SYNCPOD_CELERY_PREFIX=syncpod-test-$$$$: \
		$(BIN)/pytest $(PYTEST_ARGS)

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Services mode (DATABASE_URL and REDIS_URL set): web and worker as separate processes.
serve: install
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/daphne -b $(HOST) -p $(PORT) config.asgi:application

# One worker that also runs the periodic jobs (stale tasks, escalations, snapshots);
# with several workers, run `celery -A config beat` once instead of -B.
worker: install
	$(BIN)/celery -A config worker -B --loglevel=INFO --concurrency=2

clean:
	rm -rf $(VENV) var .pytest_cache
