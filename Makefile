# Two commands do everything: `make test` and `make demo`. Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: test demo bench clean system-deps

$(PY):
	$(PYTHON) -m venv $(VENV)

# The pinned CPU build of torch must come first: any other torch request pulls GBs of CUDA wheels.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test]'
	touch $@

test: $(STAMP)
	$(PY) -m pytest -q

demo: $(STAMP)
	$(VENV)/bin/cnnlab table lenet5
	$(VENV)/bin/cnnlab table mlp

bench: $(STAMP)
	$(PY) benchmarks/conv_speed.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
