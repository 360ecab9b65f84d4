# h2wire — see README.md. `make test` is what CI runs.
.PHONY: all install build test demo bench clean

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

demo: build
	@echo "h2wire demo: the push demo server arrives with the server issue."
	@echo "Until then, here is the frame layer decoding a client's opening bytes:"
	node build/src/cli.js decode 505249202a20485454502f322e300d0a0d0a534d0d0a0d0a00000c04000000000000030000006400040000ffff

bench: build
	node build/bench/frames.bench.js
	node build/bench/hpack.bench.js

clean:
	rm -rf build node_modules
