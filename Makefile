# The two commands a newcomer needs:  `make run`  and  `make test`.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 7860
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test setup browser lint bench

# torch first and pinned: the CPU build is on this machine's disk, while a bare "torch" requirement
# would pull a multi-gigabyte CUDA build.
# xllamacpp (the reading model's llama.cpp) is compiled for this CPU from its sdist (about 6 minutes on two
# cores): its prebuilt wheel uses AVX2 only and judges at half the speed. The sdist's defaults would fetch
# BoringSSL and Rust crates over the network; the app needs neither (a local HTTP listener, no grammars).
XLLAMACPP_CMAKE_ARGS := -DLLAMA_LLGUIDANCE=OFF -DLLAMA_BUILD_BORINGSSL=OFF -DLLAMA_OPENSSL=OFF
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	CMAKE_ARGS="$(XLLAMACPP_CMAKE_ARGS)" $(PY) -m pip install --quiet --no-binary xllamacpp -e '.[test]'
	touch $@

setup: $(VENV)/.installed

## Start the web chat over corpus/ (builds or refreshes index/ first).
run: setup
	$(PY) app.py --host $(HOST) --port $(PORT)

## Install what the tests need (Chromium and a CJK font for the browser test) and run them all.
test: setup browser
	$(PY) -m ruff check .
	$(PY) -m pytest

browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|noto.*cjk"; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
		else \
			echo "browser tests need Debian packages: sudo apt-get install -y chromium fonts-wqy-microhei"; exit 1; \
		fi; \
	fi

lint: setup
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

bench: setup
	$(PY) bench/seed_latency.py
