# The two commands: `make run` and `make test`. Both install what they need.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat setup.cfg pyproject.toml | sha1sum | cut -c1-12)
TESTSTAMP := $(STAMP)-test

.PHONY: run test lint bench bench-queue bench-cleaning translations catalogues clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TESTSTAMP): $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP) $@

translations: $(STAMP)
	$(BIN)/pybabel -q compile -d hotline/translations

# After changing a translatable string: new entries appear untranslated in every
# language's messages.po; translate them, then `make translations`.
catalogues: $(TESTSTAMP)
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k _n --no-location -o hotline/translations/messages.pot .
	$(BIN)/pybabel -q update -i hotline/translations/messages.pot -d hotline/translations --no-fuzzy-matching
	rm hotline/translations/messages.pot

run: $(STAMP) translations
	@test -f keys/pepper || HOTLINE_INSECURE_COOKIES=1 $(BIN)/hotline init
	HOTLINE_INSECURE_COOKIES=1 $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

lint: $(TESTSTAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The suite (on every core, see tests/conftest.py) and mypy run side by side:
# the suite spends much of its time waiting on PostgreSQL and subprocesses.
# Both must pass; the suite's summary stays the last line.
# Some machines set PYTHONDONTWRITEBYTECODE: then every test worker, gunicorn and
# console subprocess compiles Hotline and re-rewrites the test modules' asserts
# from source. The suite's bytecode is cached like any build product instead.
test: export PYTHONDONTWRITEBYTECODE =
test: $(TESTSTAMP) translations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@$(BIN)/pytest & suite=$$!; \
	$(BIN)/mypy; types=$$?; \
	wait $$suite; tests=$$?; \
	test $$types -eq 0 && test $$tests -eq 0

bench: $(TESTSTAMP) translations
	$(BIN)/python -m bench

bench-queue: $(TESTSTAMP) translations
	$(BIN)/python -m bench.queue_finding

bench-cleaning: $(TESTSTAMP)
	$(BIN)/python -m bench.cleaning

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
