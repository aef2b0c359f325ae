// Package assets holds the files umwb carries inside its binary: the
// built-in cluster file, the kernel option fragment and the recipe of the
// nodes' root file system. The build scripts in scripts/ read the same
// files from the source tree.
package assets

import _ "embed"

// DefaultCluster is the cluster file used when none is given.
//
//go:embed default.toml
var DefaultCluster []byte

// KernelConfig is the kernel option fragment applied on top of
// `make ARCH=um defconfig`.
//
//go:embed kernel/uml.config
var KernelConfig []byte
