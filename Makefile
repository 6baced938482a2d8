# tenantctl — see README.md. Two commands do everything on a fresh machine
# with a Docker engine: `make demo` and `make test`.

GO        ?= go
BIN       := bin/tenantctl
APP_VERSIONS := 1.0.0 1.1.0

.PHONY: all build deps images demo test unit integration bench fuzz fmt vet clean demo-clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./cmd/tenantctl

# What the tests need (sshd, ip, nsenter, curl, debootstrap, Chromium) and
# a Docker engine that answers: installed with apt-get and started only
# when missing, so it returns at once when all is there. Needs root when it
# has something to do.
deps:
	bash examples/ci/test-deps.sh

# The example images, built locally (there is no registry): the app FROM
# scratch, PostgreSQL 15 from Debian's packages. Present images are reused.
images:
	bash examples/images/build-app.sh $(APP_VERSIONS)
	bash examples/images/build-postgres.sh
	bash examples/images/build-edge.sh

# Build everything, apply the example tenants and print their URLs.
demo: build images
	$(BIN) init
	$(BIN) apply --auto-approve

# Remove the demo tenants, data included (globex only: acme is protected).
demo-clean: build
	$(BIN) destroy globex --auto-approve --delete-data

# Independent integration tests call t.Parallel(); they mostly wait on the
# engine, so -parallel runs more of them at once than the default
# (GOMAXPROCS: 2 on a 2-core machine). On 2 busy cores cmd/tenantctl's
# take about 3.5 min so, against 8-12 min one at a time.
TEST_PARALLEL ?= 4

test: deps vet cross images fuzz
	$(GO) test -count=1 -timeout 45m -parallel $(TEST_PARALLEL) ./...
	@# Restarts the Docker engine mid-apply, so it runs alone, last.
	TENANTCTL_TEST_ENGINE_RESTART=1 $(GO) test -count=1 -timeout 10m -run IntegrationEngineRestart -v ./cmd/tenantctl/

# The CLI for the machines ops run it from, built without cgo for each
# system: bin/cross/tenantctl-OS-ARCH (.exe on Windows).
CROSS_PLATFORMS := windows/amd64 darwin/arm64 darwin/amd64 linux/arm64
.PHONY: cross
cross:
	@for p in $(CROSS_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		echo "build $$os/$$arch"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -o bin/cross/tenantctl-$$os-$$arch$$ext ./cmd/tenantctl || exit 1; \
	done

# A short fuzzing pass over the HCL loader and the plan-file reader. Each
# new interesting input is minimized for at most 5 s: with the default,
# 60 s, a pass sometimes stalled for most of a minute.
FUZZ := -fuzztime 3000x -fuzzminimizetime 5s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' $(FUZZ) ./provisioner/config/
	$(GO) test -run '^$$' -fuzz '^FuzzLoadTemplate$$' $(FUZZ) ./provisioner/config/
	$(GO) test -run '^$$' -fuzz '^FuzzParseSavedPlan$$' $(FUZZ) ./provisioner/plan/

# Unit tests only: no engine needed.
unit:
	$(GO) test -short -count=1 ./...

integration: deps images
	$(GO) test -count=1 -timeout 45m -parallel $(TEST_PARALLEL) -run Integration ./...

# Benchmarks on the real engine; benchstat prints medians.
BENCHSTAT := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
bench: build images
	@mkdir -p bin
	$(GO) test -run '^$$' -bench '^Benchmark[^TC]' -count 6 -timeout 60m ./provisioner/bench/ ./provisioner/plan/ | tee bin/bench.txt
	@# 20 tenants per run take minutes: 3 runs each.
	$(GO) test -run '^$$' -bench '^BenchmarkTwentyTenants' -count 3 -timeout 60m ./provisioner/bench/ | tee -a bin/bench.txt
	$(GO) test -run '^$$' -bench '^BenchmarkCapacity50' -benchtime 1x -timeout 30m ./provisioner/bench/ | tee -a bin/bench.txt
	$(GO) run $(BENCHSTAT) bin/bench.txt | tee bin/bench-table.txt
	$(GO) run $(BENCHSTAT) -format csv bin/bench.txt > bin/bench.csv
	@echo "raw results: bin/bench.txt; table: bin/bench-table.txt; CSV: bin/bench.csv"

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }
	$(GO) vet ./...

clean:
	rm -rf bin
