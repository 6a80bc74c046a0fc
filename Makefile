# govpulse — make targets. `make run` starts the service with demo settings
# on the local PostgreSQL; `make test` runs every test against real
# PostgreSQL, NATS JetStream (embedded) and the Prometheus tools.

SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
BIN := bin/govpulse
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: build run demo dashboards test test-faults test-deps vet bench fuzz compose-check fresh-machine-check clean

build:
	$(GO) build -trimpath -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/govpulse

## run: govpulse serve with the demo settings of examples/demo.env.
## PostgreSQL: GOVPULSE_DATABASE_URL if set, else the local server, which
## scripts/ensure-postgres.sh starts, or installs with apt-get (see README).
run: build
	@db_url="$$(scripts/ensure-postgres.sh)" || exit 1; \
	set -a && . examples/demo.env && set +a; \
	export GOVPULSE_DATABASE_URL="$$db_url"; \
	exec $(BIN) serve

## demo: govpulse serve with examples/demo.env, loaded with a year of demo
## events that reproduce the seed report's figures; Ctrl-C stops it.
## DEMO_FLAGS passes flags to govpulse demo, e.g. DEMO_FLAGS="--scale 0.2".
## PostgreSQL as for run: GOVPULSE_DATABASE_URL, or the local server,
## started or installed with apt-get when missing.
demo: build
	@db_url="$$(scripts/ensure-postgres.sh)" || exit 1; \
	set -a && . examples/demo.env && set +a; \
	export GOVPULSE_DATABASE_URL="$$db_url"; \
	$(BIN) serve & pid=$$!; \
	trap 'kill -INT $$pid 2>/dev/null; wait $$pid' INT TERM; \
	for _ in $$(seq 1 60); do \
	  $(BIN) healthcheck >/dev/null 2>&1 && break; \
	  kill -0 $$pid 2>/dev/null || { echo "govpulse serve exited; see its log above" >&2; exit 1; }; \
	  sleep 1; \
	done; \
	$(BIN) demo --url "http://$$GOVPULSE_HTTP_ADDR" $(DEMO_FLAGS) || { kill -INT $$pid; wait $$pid; exit 1; }; \
	echo; echo "govpulse is serving the demo data at http://$$GOVPULSE_HTTP_ADDR (try /v1/stats/cases?group_by=channel, /metrics); Ctrl-C stops it"; \
	wait $$pid

## fresh-machine-check: make demo on a fresh Debian root (debootstrap) with
## Go and no PostgreSQL, chrooted in a network namespace of its own, as
## root; once as it is, once with 127.0.0.1:5432 taken. 5 to 15 minutes
## (3 more the first time, for debootstrap); not part of test. It runs the
## committed HEAD (a clean clone). See README, Operations.
fresh-machine-check:
	scripts/fresh-machine-demo.sh
	scripts/fresh-machine-demo.sh --5432-taken

## test-deps: install and start what the tests need (PostgreSQL; promtool,
## prometheus, amtool and alertmanager, and chromium for the portal's
## browser tests, from Debian packages)
test-deps:
	scripts/ensure-services.sh
	scripts/install-test-tools.sh

## test: vet and every test (needs PostgreSQL; see README)
test: test-deps
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

## fuzz: run every fuzz target for FUZZTIME each (seed corpora in each
## package's testdata/fuzz; a failing input is written there too). A count
## of inputs (Nx), not a duration: Go 1.26's fuzzing coordinator can report
## a bare "context deadline exceeded" failure, with no failing input, when a
## duration ends while a worker is busy (golang/go#75804, fixed in Go
## 1.27); a count has no deadline to race. 60000x is about 5 to 15 s a
## target here.
FUZZTIME ?= 60000x
FUZZ_TARGETS := \
	events:FuzzDecodeRequest events:FuzzIngestAgreesWithLog events:FuzzEventData \
	events:FuzzDecodeBinary events:FuzzScanners events:FuzzParseCatalog \
	events:FuzzStoredPlainAgrees events:FuzzStrictCheckAgrees events:FuzzTrustedReadingAgrees events:FuzzPolicyIDShaped events:FuzzRepeatedAgrees internal/jsonhttp:FuzzAppendString \
	httpapi:FuzzParseQuery sources:FuzzParse targets:FuzzParse
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
	  pkg=$${t%%:*}; name=$${t##*:}; \
	  echo "fuzz $$pkg $$name for $(FUZZTIME)"; \
	  $(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) -parallel 2 ./$$pkg; \
	done

## test-faults: the long fault and scale-out tests (faults/, build tag
## "faults"): govpulse killed with SIGKILL under 200,000 events, PostgreSQL
## and NATS restarted mid-load, a JetStream cluster losing a node, three
## instances with one killed. A few minutes; the quick fault tests run in
## `make test`.
test-faults: test-deps
	$(GO) test -tags faults -run '^TestFault' -count=1 -timeout 20m -v ./faults/

## bench: every benchmark in one run (medians of 5, each beside a same-run
## baseline), written to docs/PERFORMANCE.md; BENCH_FLAGS passes more flags
## (govpulse bench -h lists them)
bench: build
	scripts/ensure-services.sh
	$(BIN) bench --database-url "$${GOVPULSE_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}" --report docs/PERFORMANCE.md $(BENCH_FLAGS)

## dashboards: regenerate the Grafana boards, data sources and alert rules
## the compose stack provisions (deploy/grafana), and the Prometheus rules
## and Alertmanager routes (deploy/prometheus, deploy/alertmanager)
dashboards: build
	$(BIN) dashboards --out deploy/grafana
	$(BIN) rules --out deploy --receivers-file deploy/alertmanager/receivers.yaml --external-url http://localhost:8080

## compose-check: validate docker-compose.yml and the files under deploy/
compose-check:
	scripts/check-compose.sh

clean:
	rm -rf bin
