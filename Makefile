# The two commands a newcomer needs: `make run` (the demo) and `make test` (the whole suite).
PYTEST_ARGS ?=

.PHONY: run test test-main test-deb lint bench addon clean

run:
	tools/bootstrap.sh main
	.venv/bin/swarmplayer demo

test: lint test-main test-deb

lint:
	tools/bootstrap.sh main
	.venv/bin/ruff check service tests bench tools addon addon_entry.py service_entry.py
	.venv/bin/lint-imports  # the layers and the one libtorrent importer (.importlinter)

test-main:
	tools/bootstrap.sh main
	.venv/bin/python -m pytest $(PYTEST_ARGS)

# The same suite on Debian's libtorrent 2.0.8, what 32-bit Raspberry Pi OS runs; the real-Kodi
# and Chromium tier (e2e) runs once, in test-main: it drives the same service either way.
test-deb:
	tools/bootstrap.sh deb
	.venv-deb/bin/python -m pytest -m "not e2e" $(PYTEST_ARGS)

bench: bench/node_modules/.installed
	tools/bootstrap.sh bench
	.venv/bin/python -m bench

# The Kodi add-on zip (.gitattributes export-ignore leaves the rest out), from the tracked files as
# they are now: `git stash create` commits the work tree's changes aside without touching it.
ADDON_VERSION = $(shell sed -n 's/.*<addon id="[^"]*" name="[^"]*" version="\([^"]*\)".*/\1/p' addon.xml)
addon:
	mkdir -p build
	git archive --format=zip --prefix=plugin.video.swarmplayer/ \
		-o build/plugin.video.swarmplayer-$(ADDON_VERSION).zip $$(git stash create | grep . || echo HEAD)
	@echo build/plugin.video.swarmplayer-$(ADDON_VERSION).zip

# The competitors (peerflix, webtorrent-cli) at the lock file's versions. No install scripts:
# one dependency's insists on pnpm, and prebuilt native add-ons would come from GitHub; every
# one has a pure-JavaScript fallback. `npm install --no-save`, not `npm ci`: webtorrent-cli's
# optional airplay-js@^0.3.0 is on no registry (404), so the lock cannot hold it, and npm ci
# refuses a lock without every optional dependency; npm install skips it and changes nothing.
bench/node_modules/.installed: bench/package.json bench/package-lock.json
	tools/bootstrap.sh bench
	cd bench && npm install --ignore-scripts --no-audit --no-fund --no-save
	touch $@

clean:
	rm -rf .venv .venv-deb build *.egg-info service/*.egg-info
