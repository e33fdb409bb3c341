# ztm: the two commands a newcomer needs are `make run` and `make test`.
GO ?= go
BIN := bin/ztm

.PHONY: run test demo build bench fuzz lint clean

# The first build compiles SQLite and the terminal libraries: minutes on a
# small machine, with no output from go unless asked. So say so, and list
# the packages as they build (-v) when there is no binary yet.
FIRST_BUILD = $(if $(wildcard $(BIN)),,-v)

# ztm is pure Go (SQLite included), so it is built without cgo: a static
# binary starts without the dynamic loader, about 0.7 ms sooner per
# command (a script's `ztm token` before each API call); user lookups and
# DNS use Go's own. The whole-process tests and benchmarks build ztm, and
# age as their yardstick, with these same settings (ui/cli/main_test.go's
# buildEnv, held to this line by TestBuildsAsMakeBuild).
BUILD_ENV := CGO_ENABLED=0
BUILD_NOTE = @echo "ztm: building $(BIN)$(if $(wildcard $(BIN)),, for the first time: this compiles SQLite and the terminal libraries and can take a few minutes; the packages are listed as they build)..."

## run: start ztm (the dashboard, with its guided set-up on first run) on the default vault
run:
	$(BUILD_NOTE)
	$(BUILD_ENV) $(GO) build $(FIRST_BUILD) -o $(BIN) .
	$(abspath $(BIN))

## test: every test, with the race detector (the tmux end-to-end tests skip without tmux, unless ZTM_REQUIRE_TMUX=1)
## (the team-vault tests use the PostgreSQL in ZTM_TEST_POSTGRES, or start a throwaway one from the server
## binaries; without either they skip, unless ZTM_REQUIRE_POSTGRES=1)
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

## demo: the dashboard against the built-in fake Zoho, with sample profiles
demo:
	$(BUILD_NOTE)
	$(BUILD_ENV) $(GO) build $(FIRST_BUILD) -o $(BIN) .
	$(abspath $(BIN)) demo

## build: the binary in bin/
build:
	$(BUILD_NOTE)
	$(BUILD_ENV) $(GO) build $(FIRST_BUILD) -o $(BIN) .

## bench: the headline figures (vault, OAuth, dashboard, whole-process ztm token), then the
## whole-process figures at 10 to 100,000 profiles (README's Figures table; BENCH_SIZES=10,1000 for fewer)
BENCH_SIZES ?= 10,1000,10000,100000
bench:
	$(GO) test -run '^$$' -bench . -benchtime 20x -count 5 ./vault/ | tee bench-vault.txt
	$(GO) test -run '^$$' -bench . -benchtime 1x -count 3 ./oauth/ | tee bench-oauth.txt
	$(GO) test -run '^$$' -bench . -count 5 ./ui/tui/ | tee bench-ui.txt
	$(GO) test -run '^$$' -bench . -benchtime 50x -count 5 ./ui/cli/ | tee bench-cli.txt
	@echo; echo "Medians over the runs above (ns/op, then the custom metrics):"
	@cat bench-*.txt | awk '/^Benchmark/ { for (i = 3; i < NF; i += 2) print $$1 " " $$(i+1), $$i }' | sort -k1,2 -k3,3g | \
		awk '{ k = $$1 " " $$2 } k != p { if (p != "") out(); p = k; n = 0 } { v[++n] = $$3 } END { if (p != "") out() } \
		function out() { m = (n % 2) ? v[(n+1)/2] : (v[n/2] + v[n/2+1]) / 2; printf "%-62s %-10s %14.6g\n", substr(p, 1, index(p, " ")-1), substr(p, index(p, " ")+1), m }'
	@echo; echo "Whole processes, alternated with age -d on the same vault (medians):"
	ZTM_BENCH_FIGURES=1 ZTM_BENCH_SIZES=$(BENCH_SIZES) $(GO) test -v -count=1 -timeout 60m -run '^TestProcessFigures$$' ./ui/cli/ | tee bench-process.txt

## fuzz: every fuzz target for FUZZTIME each (make fuzz FUZZTIME=10m for a long run);
## an input that crashes one is kept in its testdata/fuzz corpus, which go test replays
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzOpen$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 20x ./vault/
	$(GO) test -run '^$$' -fuzz '^FuzzOpenImage$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 20x ./vault/
	$(GO) test -run '^$$' -fuzz '^FuzzParsePasted$$' -fuzztime $(FUZZTIME) ./oauth/
	$(GO) test -run '^$$' -fuzz '^FuzzParseTokenResponse$$' -fuzztime $(FUZZTIME) ./oauth/

## lint: formatting, vet, staticcheck, and the house rules (files under 400 lines, functions under 80)
lint:
	@test -z "$$(gofmt -l .)" || (echo "gofmt would change:"; gofmt -l .; exit 1)
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	$(GO) run ./.ci/layout

clean:
	rm -rf bin bench-*.txt
