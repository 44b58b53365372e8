# Two commands: `make demo` (set up + main job) and `make test` (the whole test suite).
VENV ?= .venv
PY := $(VENV)/bin/python
# Test data folder (see tests/conftest.py); tests that need it skip when it is absent.
HRISIM_SHARED ?= $(abspath ../shared)
# Test processes (pytest-xdist); worksteal rebalances when one worker draws the long rendering tests.
TEST_WORKERS ?= 2

.PHONY: demo test bench clean

$(VENV)/.installed: setup.cfg pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/hrisim demo --out out/demo

test: $(VENV)/.installed
	HRISIM_SHARED=$(HRISIM_SHARED) $(PY) -m pytest -q -n $(TEST_WORKERS) --dist worksteal

bench: $(VENV)/.installed
	$(PY) benchmarks/render.py

clean:
	rm -rf out .pytest_cache
