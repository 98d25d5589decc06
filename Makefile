# make run  - build everything and start the demo at http://127.0.0.1:8080 (ADDR=host:port for another)
# make example-react - the same service and the React example at http://127.0.0.1:3001
# make test - every test: Go (native, -race), typings, headless Chromium end to end
# make bench - sizes, start-up, latency and throughput figures
# make fuzz  - each fuzz target for FUZZTIME (default 1m) instead of make test's 3s

GO ?= go
ADDR ?= 127.0.0.1:8080
DIST := web/internal/sdkassets/dist
WASM_SOURCES := $(shell find sdk wasm -name '*.go') go.mod go.sum
WEB_SOURCES := $(shell find web -type f -not -path '$(DIST)/*')
SERVER := bin/kustomer-chat-server
SCALEENV := bin/kustomer-chat-scaleenv

.PHONY: build run test test-go test-fuzz fuzz test-faults test-browser test-bench-smoke bench clean npm-package example-react

build: $(SERVER)

bin/kustomer-chat.wasm: $(WASM_SOURCES)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='-s -w' -o $@ ./wasm

# The browsers of the SPEC: current and previous Chromium, Firefox, Safari 16.4+.
ESBUILD := node_modules/.bin/esbuild --log-level=warning --minify --target=chrome120,firefox120,safari16.4

bin/kustomer-chat.js: js/kustomer-chat.js node_modules/.package-lock.json
	@mkdir -p bin
	$(ESBUILD) --outfile=$@ js/kustomer-chat.js

bin/kustomer-chat-widget.js: $(wildcard js/widget/*.js) node_modules/.package-lock.json
	@mkdir -p bin
	$(ESBUILD) --bundle --format=esm --outfile=$@ js/widget/index.js

# The release files: the loader, the lazily fetched core, its wasm_exec.js (of the Go
# that built it: the two must match) and the panel under content-hashed names, the
# typings; each precompressed with brotli and gzip.
bin/sdk.stamp: bin/kustomer-chat.wasm bin/kustomer-chat.js bin/kustomer-chat-widget.js js/kustomer-chat.d.ts
	$(GO) run ./web/tools/sdkbundle -out $(DIST) -wasm bin/kustomer-chat.wasm \
		-wasm-exec "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" -widget bin/kustomer-chat-widget.js \
		-loader bin/kustomer-chat.js -typings js/kustomer-chat.d.ts
	touch $@

$(SERVER): bin/sdk.stamp $(WEB_SOURCES) go.mod go.sum
	$(GO) build -trimpath -o $@ ./web/cmd/kustomer-chat-server

# A PostgreSQL and a NATS for the tests that run several instances of the service
# (js/test/harness.js, startScaleOut): a test tool, not part of make build.
$(SCALEENV): $(shell find web/tools/kustomer-chat-scaleenv web/internal/store/pgtest -name '*.go') go.mod go.sum
	$(GO) build -trimpath -o $@ ./web/tools/kustomer-chat-scaleenv

# The npm package kustomer-chat (js/package/) with the SDK's typings beside its own,
# which it re-exports: staged in bin/npm/, packed to bin/kustomer-chat-VERSION.tgz.
NPM_VERSION := $(shell sed -n 's/^ *"version": "\(.*\)",$$/\1/p' js/package/package.json)
NPM_TARBALL := bin/kustomer-chat-$(NPM_VERSION).tgz

npm-package: $(NPM_TARBALL)

$(NPM_TARBALL): $(wildcard js/package/*) js/kustomer-chat.d.ts LICENSE
	rm -rf bin/npm && mkdir -p bin/npm
	cp js/package/* js/kustomer-chat.d.ts LICENSE bin/npm/
	cd bin && npm pack --silent ./npm >/dev/null

# The React example's own dependencies (react, react-dom, esbuild, and the package
# above from bin/npm/).
examples/react/node_modules/.package-lock.json: examples/react/package.json examples/react/package-lock.json | $(NPM_TARBALL)
	cd examples/react && npm ci --no-audit --no-fund

run: build
	./$(SERVER) -dev -addr $(ADDR) -db kustomer-chat.db

# The service in the background for as long as the example's server runs.
example-react: build examples/react/node_modules/.package-lock.json
	./$(SERVER) -dev -db kustomer-chat.db & trap 'kill $$!' EXIT; cd examples/react && npm start

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

test: test-go test-fuzz test-faults test-bench-smoke test-browser

test-go:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./wasm ./sdk
	$(GO) test -race ./...
	# The patched dependencies (PATCHES.md in each) are modules of their own.
	cd sdk/third_party/fastjson && $(GO) vet ./... && $(GO) test ./...
	cd wasm/third_party/safejs && GOOS=js GOARCH=wasm $(GO) vet ./...

# Go runs one fuzz target per invocation: package and target of each.
FUZZ_TARGETS := ./web/internal/service:FuzzDecode ./web/internal/service:FuzzEventsParameters ./web/internal/auth:FuzzVerify \
	./contract:FuzzEmail ./sdk:FuzzParseToken
FUZZTIME ?= 1m

test-fuzz:
	$(MAKE) fuzz FUZZTIME=3s

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $$t for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) "$${t%%:*}"; \
	done

test-browser: build $(SCALEENV) node_modules/.package-lock.json $(NPM_TARBALL) examples/react/node_modules/.package-lock.json
	sh js/test/ensure-chromium.sh
	npx tsc -p js
	node --test --test-concurrency=1 js/test/*.test.js examples/node-backend/*.test.js examples/react/*.test.js

# The real binary under load, killed with SIGKILL and SIGTERM in turn: no
# acknowledged message lost (about 17 s).
test-faults: build
	KUSTOMER_CHAT_TEST_SERVER=$(CURDIR)/$(SERVER) $(GO) test -count=1 -run '^TestFaultsLoseNoAcknowledgedMessage$$' -v ./web/cmd/kustomer-chat-server

# A quick pass of the benchmark harness, so that make bench keeps working.
test-bench-smoke: build $(SCALEENV) node_modules/.package-lock.json
	sh js/test/ensure-chromium.sh
	node js/bench/run.js --smoke

# Figures, not a test: printed as a table and written to bench-results.json.
bench: build $(SCALEENV) node_modules/.package-lock.json
	sh js/test/ensure-chromium.sh
	node js/bench/run.js --out bench-results.json

clean:
	rm -rf bin $(DIST)/kustomer-chat*

# The README's pictures of the demo shop (docs/screenshots/), from headless Chromium
# against the real service (-dev, a temporary database).
.PHONY: screenshots
screenshots: build node_modules/.package-lock.json
	sh js/test/ensure-chromium.sh
	node js/screenshots.js
