# kith: `make run` serves on http://127.0.0.1:8080 with SQLite in ./data; `make test` runs every test.

# FTS5 is not in mattn/go-sqlite3 by default. Every go command gets the same
# tags, so sqlite3.c compiles once per build mode.
export GOFLAGS := -tags=sqlite_fts5
export CGO_ENABLED := 1
# SQLite re-plans a statement when a value bound to it might change the plan
# (a LIMIT ?, an equality with 0 or 1), and go-sqlite3 clears the bindings
# after every query, so without QPSG (the query planner stability guarantee)
# each prepared statement was parsed and planned again at every run: a third
# of a signed-out thread page's CPU.
CGO_CFLAGS ?= -g -O2
CGO_CFLAGS += -DSQLITE_ENABLE_QPSG
export CGO_CFLAGS

VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
GOLANGCI_VERSION := v2.15.0

.PHONY: help build run test test-short bench bench-large lint fmt clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

build: ## write bin/kith (views, static files and migrations embedded)
	go build -ldflags "$(LDFLAGS)" -o bin/kith ./cmd/kith

run: build ## build and serve with the defaults (SQLite in ./data)
	./bin/kith serve

test: ## run every test with the race detector; PostgreSQL and Chromium suites run when present
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || echo "NOTE: PostgreSQL is not reachable on 127.0.0.1:5432: its suites will be SKIPPED (set KITH_TEST_POSTGRES)."
	@command -v chromium >/dev/null 2>&1 || echo "NOTE: chromium is not installed: browser tests will be SKIPPED (apt-get install -y chromium)."
	go test -race -count=1 -timeout 15m ./...

test-short: ## the tests without the race detector, for a quick loop
	go test -count=1 ./...

BENCH_FLAGS ?=

bench: build ## seed 10,000 posts, serve them, drive kith over loopback and print the figures (BENCH_FLAGS=--db postgres://...)
	go build -o bin/kithbench ./cmd/kithbench
	./bin/kithbench --kith bin/kith $(BENCH_FLAGS)

bench-large: build ## the same at 1,000,000 posts and 100,000 members (seeding takes minutes; the data is kept in data/bench)
	go build -o bin/kithbench ./cmd/kithbench
	./bin/kithbench --kith bin/kith --members 100000 --spaces 200 --threads 50000 --posts 1000000 $(BENCH_FLAGS)

lint: ## gofmt, go vet and golangci-lint (errcheck on; models kept free of app and echo)
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	go vet ./...
	go run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_VERSION) run ./...

fmt: ## format the code
	gofmt -w .

clean: ## remove build output
	rm -rf bin
