# make run   - create .venv, install, start the dashboard on http://localhost:8501 (local disk, SQLite, offline analyser)
# make test  - create .venv, install runtime + test deps, run the whole suite
# make bench - benchmarks (ratios from one run)
# make eval  - the offline analysis measured against the hand labels in tests/data/eval
#             (make eval-variants: on altered copies; make eval-probes: on harder ones, outside CI;
#             EVAL_ARGS="--keep DIR" keeps the poses for re-runs;
#             make eval-sizes: copies and probes with frames of other sizes, SIZES="720 1920", KEEP=DIR)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --disable-pip-version-check -q
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed
PORT ?= 8501

.PHONY: install install-dev run test bench eval eval-variants eval-probes eval-sizes lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q --upgrade pip

# mediapipe 0.10.21 declares numpy<2, protobuf<5 and opencv-contrib-python, yet runs beside
# numpy 2, protobuf 5.29.5 and opencv-python-headless 5: it is installed alone, without deps.
$(RUNTIME): requirements.txt requirements-mediapipe.txt | $(PY)
	$(PIP) -r requirements.txt
	$(PIP) --no-deps -r requirements-mediapipe.txt
	touch $@

$(DEV): $(RUNTIME) requirements-dev.txt
	$(PIP) -r requirements-dev.txt
	touch $@

install: $(RUNTIME)

install-dev: $(DEV)

run: $(RUNTIME)
	PERFORMATE_DATA_DIR=$${PERFORMATE_DATA_DIR:-./data} $(PY) -m streamlit run app.py \
		--server.port $(PORT) --server.headless true --browser.gatherUsageStats false

test: $(DEV)
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(DEV)
	$(PY) -m bench.run_all

eval: $(RUNTIME)
	$(PY) -m core eval $(EVAL_ARGS)

eval-variants: $(RUNTIME)
	$(PY) -m core eval --variants $(EVAL_ARGS)

eval-probes: $(RUNTIME)
	$(PY) -m core eval --probes $(EVAL_ARGS)

# the copies and probes read from frames of other sizes (README: "The same copies at other frame
# sizes"): a rule that holds at 960 px and not at another stands on a reading's edge. Slow, outside
# CI; KEEP=DIR keeps each size's poses in DIR/<size> for re-runs
SIZES ?= 720 1920
eval-sizes: $(RUNTIME)
	set -e; for side in $(SIZES); do \
	  echo "== frames $$side px on the long side"; \
	  PERFORMATE_FRAME_MAX_SIDE=$$side $(PY) -m core eval --variants $(if $(KEEP),--keep $(KEEP)/$$side); \
	  PERFORMATE_FRAME_MAX_SIDE=$$side $(PY) -m core eval --probes $(if $(KEEP),--keep $(KEEP)/$$side); \
	done

lint: $(DEV)
	$(PY) -m ruff check core tests bench pages ui scripts app.py
	$(PY) -m mypy core

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
