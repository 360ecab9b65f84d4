# h2wire — see README.md. `make test` is what CI runs.
.PHONY: all install build test fuzz demo bench docs clean

NPM ?= npm

all: build

node_modules/.package-lock.json: package.json package-lock.json
	$(NPM) ci --no-audit --no-fund

install:
	$(NPM) ci --no-audit --no-fund

build: node_modules/.package-lock.json
	rm -rf build
	node_modules/.bin/tsc -p .

test: build
	node_modules/.bin/mocha

# The robustness properties at length: the adversary against the budget and
# the deadlines (200,000 runs), the engine under hostile input (20,000 runs).
fuzz: build
	H2WIRE_ADVERSARY_RUNS=$${H2WIRE_ADVERSARY_RUNS:-200000} H2WIRE_PROPERTY_RUNS=$${H2WIRE_PROPERTY_RUNS:-20000} H2WIRE_ADVERSARY_STATS=1 \
	  node_modules/.bin/mocha --no-config --reporter dot --timeout 0 build/test/connection/adversary.test.js build/test/connection/hostile-input.test.js

# The seed page on https://localhost:8443/ with the frame trace; Ctrl-C stops it.
demo: build
	node build/src/cli.js demo --trace

# Regenerate the trace in docs/push-on-the-wire.md from a real run, the push
# lab's results in docs/push-lab.md, and the README's table of error labels
# from src/error-labels.ts.
docs: build
	node build/src/demo/walkthrough.js --write docs/push-on-the-wire.md
	node build/src/lab/lab-docs.js --write docs/push-lab.md
	node build/src/demo/error-label-table.js --write README.md

bench: build
	node build/bench/frames.bench.js
	node build/bench/engine.bench.js
	node build/bench/hpack.bench.js
	node build/bench/server.bench.js

clean:
	rm -rf build node_modules
