# Reel: `make run` serves http://127.0.0.1:8080 with embedded defaults; `make test` runs every test.
DOTNET ?= dotnet
CONFIG ?= Release
URLS ?= http://127.0.0.1:8080
DATA_DIR ?= ./data

.PHONY: run build test bench lint format clean deps test-deps

run: deps
	$(DOTNET) build src/Reel.Server -c $(CONFIG) --nologo -v quiet
	$(DOTNET) src/Reel.Server/bin/$(CONFIG)/net10.0/Reel.Server.dll --urls $(URLS) --DataDir $(DATA_DIR)

build:
	$(DOTNET) build Reel.slnx -c $(CONFIG) --nologo -v quiet

test: test-deps
	$(DOTNET) test Reel.slnx -c $(CONFIG) --nologo --logger "console;verbosity=normal"

bench: deps
	bash bench/run.sh

lint:
	$(DOTNET) format Reel.slnx --verify-no-changes --severity warn

format:
	$(DOTNET) format Reel.slnx

deps:
	@bash scripts/ensure-deps.sh ffmpeg ffprobe

test-deps:
	@bash scripts/ensure-deps.sh ffmpeg ffprobe mpv

clean:
	$(DOTNET) clean Reel.slnx -c $(CONFIG) --nologo -v quiet
