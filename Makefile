# Developer commands. Everything is plain cargo underneath; `make help` lists the targets.
# The local server and the migration commands start their own PostgreSQL (see infra/local).

CARGO ?= cargo
.DEFAULT_GOAL := help

.PHONY: help run run-lambda test lint fmt gen gen-check migrate-up migrate-down migrate-status migrate-new seed \
        build sam-resources sam-validate sam-build sam-local-api sam-local-invoke deploy coverage ci

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

run: ## Run the local API server (every route, one process)
	$(CARGO) run -p local

run-lambda: ## Run the same API from each function's own release binary (built first), as AWS runs them
	$(CARGO) run -p local -- lambda

test: ## Run every test (API tests start a throwaway PostgreSQL)
	$(CARGO) test --workspace

lint: ## rustfmt check + clippy with warnings as errors
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt: ## Format the code
	$(CARGO) fmt --all

gen: ## Regenerate functions/src/bin/*.rs and template.yaml's functions from the route table
	$(CARGO) xtask gen

gen-check: ## Fail if the generated files are stale
	$(CARGO) xtask gen --check

migrate-up: ## Apply pending migrations to the local database
	$(CARGO) run -p local -- migrate up

migrate-down: ## Revert the latest migration of the local database
	$(CARGO) run -p local -- migrate down

migrate-status: ## Applied and pending migrations of the local database
	$(CARGO) run -p local -- migrate status

migrate-new: ## Create migrations/NNNN_<NAME>.{up,down}.sql: make migrate-new NAME=add_invoices
	@test -n "$(NAME)" || { echo "usage: make migrate-new NAME=what_it_does" >&2; exit 2; }
	$(CARGO) run -p local -- migrate new $(NAME)

seed: ## Migrate, then load demo data into the local database
	$(CARGO) run -p local -- migrate up
	$(CARGO) run -p local -- seed

build: ## Release build of every function binary
	$(CARGO) build --release -p functions

sam-resources: ## Count the resources of the transformed template (fails above 450)
	"$$(infra/scripts/venv.sh aws-sam-translator pyyaml)/python" infra/scripts/check-sam-resources.py

sam-validate: ## sam validate --lint (offline; installs aws-sam-cli into .venv)
	infra/scripts/sam-validate.sh

sam-build: ## sam build: every function with cargo-lambda (installs aws-sam-cli and cargo-lambda into .venv)
	infra/scripts/sam-build.sh

sam-local-api: ## sam local start-api on 127.0.0.1:3000 against the local stack's database (needs Docker; `make run` beside it)
	bash infra/scripts/sam-local.sh start-api

sam-local-invoke: ## sam local invoke of events/<ID>.json with the demo admin's token: make sam-local-invoke ID=health_db (needs Docker, `make run`)
	bash infra/scripts/sam-local.sh invoke $(ID)

deploy: ## sam build + deploy, migrate, smoke test: make deploy ENV=dev|staging|prod [ARGS="..."]
	./deploy.sh $(or $(ENV),dev) $(ARGS)

# Tool versions not from PyPI (infra/tools/pins.env); `make` reads NAME=VALUE lines as variables.
include infra/tools/pins.env

coverage: ## Line coverage of the whole workspace, failing under 80% (the old service's gate); HTML in target/llvm-cov/html
	rustup component add llvm-tools-preview
	$(CARGO) llvm-cov --version 2>/dev/null | grep -qx 'cargo-llvm-cov $(CARGO_LLVM_COV_VERSION)' || \
		$(CARGO) install cargo-llvm-cov --version '=$(CARGO_LLVM_COV_VERSION)' --locked
	$(CARGO) llvm-cov --workspace --fail-under-lines 80 --html
	$(CARGO) llvm-cov report --summary-only

ci: ## What CI runs
	bash .ci/run
