# umwb: two commands matter.
#   make run    build what is missing (kernel, root_fs, umwb) and start the TUI
#   make test   build what is missing and run the whole test suite
# CLUSTER=path/to/cluster.toml picks a cluster file for `make run`.

GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
export PATH := $(dir $(GO)):$(PATH)

.PHONY: run test deps kernel rootfs build bench clean-cache

run: build kernel rootfs
	./bin/umwb $(CLUSTER)

deps:
	@scripts/deps.sh

kernel: deps
	@scripts/kernel.sh

rootfs: deps
	@scripts/rootfs.sh

build:
	@scripts/go-check.sh "$(GO)"
	$(GO) build -o bin/umwb ./cmd/umwb

test: build kernel rootfs
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 45m ./...

bench: build kernel rootfs
	bench/run.sh

# Removes the kernel, root_fs and build caches (several GB).
clean-cache:
	rm -rf "$${UMWB_CACHE:-$${XDG_CACHE_HOME:-$$HOME/.cache}/umwb}"
