# Reel: `make run` serves http://127.0.0.1:8080 with embedded defaults; `make test` runs every test.
DOTNET ?= dotnet
CONFIG ?= Release
URLS ?= http://127.0.0.1:8080
DATA_DIR ?= ./data

# The web UI is rebuilt only when its sources or dependencies changed (make compares the files' times).
WEB_SOURCES := $(shell find web/src web/public web/scripts -type f 2>/dev/null) $(wildcard web/*.json web/*.ts web/*.js web/index.html)
WEB_INSTALLED := web/node_modules/.package-lock.json
WEB_BUNDLE := web/dist/index.html

.PHONY: run build web cli test test-fast bench lint format clean deps test-deps

run: deps $(WEB_BUNDLE)
	$(DOTNET) build src/Reel.Server -c $(CONFIG) --nologo -v quiet
	$(DOTNET) src/Reel.Server/bin/$(CONFIG)/net10.0/Reel.Server.dll --urls $(URLS) --DataDir $(DATA_DIR)

build: $(WEB_BUNDLE)
	$(DOTNET) build Reel.slnx -c $(CONFIG) --nologo -v quiet

web: $(WEB_BUNDLE)

# The `reel` command-line client, as a dotnet tool in ~/.dotnet/tools (installed, or updated when it was).
cli:
	$(DOTNET) pack src/Reel.Cli -c $(CONFIG) --nologo -v quiet -o artifacts/packages
	$(DOTNET) tool update --global Reel.Cli --add-source artifacts/packages

$(WEB_INSTALLED): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error

$(WEB_BUNDLE): $(WEB_INSTALLED) $(WEB_SOURCES)
	cd web && npm run build

# Every failed test is named once more at the end of the log, after the hundreds of lines of passes before it.
TEST_RESULTS := artifacts/test-results
# $(call dotnet_test,NAME,ARGUMENTS): one test pass, its results under $(TEST_RESULTS)/NAME.
dotnet_test = $(DOTNET) test $(2) -c $(CONFIG) --nologo --logger "console;verbosity=normal" --logger trx --results-directory $(TEST_RESULTS)/$(1) \
	|| { bash scripts/test-failures.sh $(TEST_RESULTS)/$(1); false; }

test: test-deps $(WEB_BUNDLE)
	rm -rf $(TEST_RESULTS) && mkdir -p $(TEST_RESULTS)
	# The web checks run beside the .NET build and tests, and their output follows them: the web client's API types
	# are the ones generated from the committed OpenAPI document (the server tests check that document against the one
	# the server serves), then the web unit tests.
	# One .NET pass: the store and storage contract suites and the cluster tests run on PostgreSQL and S3 (a throwaway
	# cluster and a Swift server the tests start and stop) beside SQLite and local disk; the HTTP suites run on SQLite.
	{ cd web && npm run --silent check:contract && npm test; } > $(TEST_RESULTS)/web.log 2>&1 & web=$$!; \
	$(call dotnet_test,all,Reel.slnx); dotnet=$$?; \
	wait $$web; web=$$?; cat $(TEST_RESULTS)/web.log; \
	[ $$web -eq 0 ] || echo "The web checks failed; see above."; \
	[ $$dotnet -eq 0 ] && [ $$web -eq 0 ]

# For local work: everything but the browser, cluster, crash-recovery, mpv and CLI tests (which start browsers, several
# servers or kill them); make test runs those too.
FAST_TESTS := FullyQualifiedName!~.Browser.&FullyQualifiedName!~.Cluster.&FullyQualifiedName!~RecoveryTests&FullyQualifiedName!~MpvTests&FullyQualifiedName!~CliTests

test-fast: test-deps $(WEB_BUNDLE)
	rm -rf $(TEST_RESULTS)
	cd web && npm test
	$(call dotnet_test,fast,Reel.slnx --filter "$(FAST_TESTS)")

bench: deps
	@bash scripts/ensure-deps.sh wrk nginx chromium $(S3_SERVER)
	bash bench/run.sh

lint: deps $(WEB_INSTALLED)
	$(DOTNET) format Reel.slnx --verify-no-changes --severity warn
	cd web && npm run check && npm run lint

format:
	$(DOTNET) format Reel.slnx

deps:
	@bash scripts/ensure-deps.sh ffmpeg ffprobe node npm

S3_SERVER := swift-ring-builder swift-proxy-server swift-object-server swift-container-server swift-account-server memcached curl

test-deps:
	@bash scripts/ensure-deps.sh ffmpeg ffprobe node npm mpv chromium pg_virtualenv $(S3_SERVER)

clean:
	$(DOTNET) clean Reel.slnx -c $(CONFIG) --nologo -v quiet
