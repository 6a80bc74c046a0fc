# govpulse — make targets. `make run` starts the service with demo settings
# on the local PostgreSQL; `make test` runs every test against real
# PostgreSQL, NATS JetStream (embedded) and the Prometheus tools.

SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
BIN := bin/govpulse
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: build run test test-deps vet bench compose-check clean

build:
	$(GO) build -trimpath -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/govpulse

## run: govpulse serve with the demo settings of examples/demo.env
run: build
	scripts/ensure-services.sh
	set -a && . examples/demo.env && set +a && exec $(BIN) serve

## test-deps: install and start what the tests need
test-deps:
	scripts/ensure-services.sh

## test: vet and every test (needs PostgreSQL; see README)
test: test-deps
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

## bench: the ingest benchmark (medians of 5 runs)
bench: build
	scripts/ensure-services.sh
	$(BIN) bench --database-url "$${GOVPULSE_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"

compose-check:
	scripts/check-compose.sh

clean:
	rm -rf bin
