# Raylabel: `make demo` runs the platform on this machine, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
GPU_STAMP := $(VENV)/.installed-gpu
MMDET3D_STAMP := $(VENV)/.installed-mmdet3d

# The suite runs against the real services on this machine (started if they are down).
TEST_ENV := DATABASE_URL=postgres://postgres@127.0.0.1:5432/raylabel \
	CELERY_BROKER_URL=redis://127.0.0.1:6379/15 \
	RAYLABEL_VAR_DIR=$(CURDIR)/var/test \
	DJANGO_SETTINGS_MODULE=config.settings

.PHONY: demo test install system-deps services migrate frontend api-types bench clean

install: $(STAMP) frontend

# The browser app: built with npm from the registry when frontend/ has a package.json.
frontend:
	@if [ -f frontend/package.json ]; then \
		cd frontend && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; } \
		&& npm run build; \
	fi

# The browser app's API types from the OpenAPI schema (tests/test_api_types.py fails when they drift).
api-types: install
	scripts/generate_api_types.sh

$(STAMP): requirements.txt requirements-dev.txt scripts/install_system_deps.sh
	scripts/install_system_deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

# The suite also runs nerfstudio's nerfacto on the CPU (a few steps: checkpoint round trip, run import).
$(GPU_STAMP): $(STAMP) requirements-gpu.txt
	$(PY) -m pip install -q -r requirements-gpu.txt -r requirements-dev.txt
	touch $(GPU_STAMP)

# The 3D detection scoring model (mmdet3d). mmcv's CPU ops are built once and reused from the wheel cache.
$(MMDET3D_STAMP): $(STAMP) requirements-mmdet3d.txt scripts/install_mmdet3d.sh
	PY=$(PY) scripts/install_mmdet3d.sh
	touch $(MMDET3D_STAMP)

system-deps:
	scripts/install_system_deps.sh

services:
	scripts/ensure_services.sh

migrate: install
	$(PY) manage.py migrate --noinput

demo: install $(MMDET3D_STAMP)
	scripts/demo.sh

test: install $(GPU_STAMP) $(MMDET3D_STAMP) services
	rm -rf var/test && mkdir -p var/test
	@if [ -f frontend/package.json ]; then cd frontend && npm test; fi
	$(TEST_ENV) $(PY) -m pytest

clean:
	rm -rf var $(VENV)
