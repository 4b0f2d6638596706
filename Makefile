# fangfan: `make run` serves the whole system on embedded defaults; `make test` runs the whole suite.
comma := ,
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test services bench migrate clean mutation

# The environment is rebuilt only when pyproject.toml changes (or the venv is missing).
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "fangfan needs Python 3.11, found " + sys.version' 
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Not echoed: what fangfan run prints first is where to look and how to make a first request.
run: $(STAMP)
	@$(BIN)/fangfan run

test: $(STAMP) services
	$(BIN)/python -m pytest

# Start the local PostgreSQL and Redis when installed but stopped; fail clearly when absent.
services:
	@bash deploy/ensure-services.sh

# Mutation testing of the rule modules; slow (minutes per module), so not part of `make test`.
# Fails when a module kills under 90 % of its mutants. MODULES=workdays,idnumber narrows it.
mutation: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,mutation]'
	$(BIN)/python -m tests.mutation.run $(subst $(comma), ,$(MODULES))

bench: $(STAMP) services
	$(BIN)/python -m bench

migrate: $(STAMP)
	$(BIN)/fangfan migrate

clean:
	rm -rf $(VENV) data *.egg-info
