# Two commands do everything: `make test` and `make demo`. Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# bubblewrap isolates student code; dataset-fashion-mnist is the default LeNet-5 benchmark data; chromium renders
# the class report and a feedback notebook in the browser test; the handwriting fonts make the scan's held-out
# test digits (tests and the demo's simulated scans) and its training digits.
SYSTEM_PACKAGES := bubblewrap dataset-fashion-mnist chromium fonts-dkg-handwriting fonts-breip fonts-bwht \
	fonts-humor-sans fonts-comic-neue fonts-dancingscript fonts-kristi

.PHONY: test demo bench clean system-deps

# Installs the Debian packages when missing (as root, as CI runs); otherwise says what to install.
system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "cnnlab: please install the Debian packages: $$missing (sudo apt-get install $$missing)"; fi; \
	fi

$(PY):
	$(PYTHON) -m venv $(VENV)

# The pinned CPU build of torch must come first: any other torch request pulls GBs of CUDA wheels. Its source
# is explicit: a local wheel where pip's find-links holds one (these machines), else PyTorch's CPU-only index.
# Its own dependencies (sympy, networkx, ...) come with the project's install from the ordinary index.
TORCH := torch==2.13.0
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
PIP := $(PY) -m pip install -q --disable-pip-version-check
$(STAMP): pyproject.toml | $(PY)
	$(PIP) --no-index --no-deps '$(TORCH)' 2>/dev/null || $(PIP) --no-deps --index-url $(TORCH_CPU_INDEX) '$(TORCH)'
	$(PIP) -e '.[test]'
	touch $@

test: system-deps $(STAMP)
	$(PY) -m pytest -q

demo: system-deps $(STAMP)
	rm -rf out/demo out/demo-grading out/demo-exam out/demo-quiz out/demo-ps2 out/demo-final out/demo-scan  # start clean: every figure is from this run
	$(VENV)/bin/cnnlab validate assignments/cnn-problem-set.yaml
	$(VENV)/bin/cnnlab generate assignments/cnn-problem-set.yaml --roster assignments/roster.csv \
		--secret-file assignments/demo.secret --out out/demo
	$(VENV)/bin/cnnlab table lenet5
	$(VENV)/bin/cnnlab table mlp
	$(PY) -m tests.support.demo out/demo out/demo-grading assignments/roster.csv
	$(VENV)/bin/cnnlab exam assignments/cnn-exam.yaml --roster assignments/roster.csv \
		--secret-file assignments/demo.secret --out out/demo-exam --forms 2
	$(VENV)/bin/cnnlab export moodle assignments/cnn-exam.yaml --variants 10 \
		--secret-file assignments/demo.secret --out out/demo-quiz/moodle.xml
	$(VENV)/bin/cnnlab export qti assignments/cnn-exam.yaml --variants 10 \
		--secret-file assignments/demo.secret --out out/demo-quiz/canvas-qti.zip
	$(VENV)/bin/cnnlab validate assignments/cnn-problem-set-2.yaml
	$(VENV)/bin/cnnlab generate assignments/cnn-problem-set-2.yaml --roster assignments/roster.csv \
		--secret-file assignments/demo.secret --out out/demo-ps2
	$(VENV)/bin/cnnlab exam assignments/cnn-final.yaml --roster assignments/roster.csv \
		--secret-file assignments/demo.secret --out out/demo-final --forms 2
# the printed midterm filled in by 4 students, scanned (simulated), read, corrected and graded; checks the grades
	$(PY) -m tests.support.scan_demo out/demo-exam out/demo-scan assignments/demo.secret

bench: $(STAMP)
	$(PY) benchmarks/conv_speed.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
