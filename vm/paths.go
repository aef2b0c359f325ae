package vm

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// CacheDir is where built artefacts live: the kernel, the root_fs and the
// build caches. UMWB_CACHE overrides it.
func CacheDir() string {
	if d := os.Getenv("UMWB_CACHE"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "umwb")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), fmt.Sprintf("umwb-cache-%d", os.Getuid()))
	}
	return filepath.Join(home, ".cache", "umwb")
}

// RunBase is the folder that holds one run directory per cluster: COW
// files, sockets and logs. UMWB_RUN_DIR overrides it. It is kept short
// because Unix socket paths are limited to 107 bytes.
func RunBase() string {
	if d := os.Getenv("UMWB_RUN_DIR"); d != "" {
		return d
	}
	base := os.Getenv("XDG_RUNTIME_DIR")
	if base == "" {
		base = os.TempDir()
	}
	return filepath.Join(base, fmt.Sprintf("umwb-%d", os.Getuid()))
}

// ErrNoKernel means no UML kernel was found.
var ErrNoKernel = errors.New("no UML kernel found")

// ErrNoRootFS means no root file system image was found.
var ErrNoRootFS = errors.New("no root_fs image found")

// FindKernel resolves the kernel to boot. want is the cluster file's
// kernel field: empty for the built one, a kernel file, or a kernel build
// tree holding `linux` or `vmlinux`. UMWB_KERNEL overrides an empty want.
func FindKernel(want string) (string, error) {
	if want == "" {
		want = os.Getenv("UMWB_KERNEL")
	}
	if want == "" {
		p := filepath.Join(CacheDir(), "linux")
		if isExecutable(p) {
			return filepath.EvalSymlinks(p)
		}
		return "", fmt.Errorf("%w at %s: run `make run` (or `make kernel`) to build one, "+
			"or set kernel = \"/path/to/linux\" in the cluster file", ErrNoKernel, p)
	}
	if st, err := os.Stat(want); err == nil && st.IsDir() {
		for _, name := range []string{"linux", "vmlinux"} {
			if p := filepath.Join(want, name); isExecutable(p) {
				return filepath.Abs(p)
			}
		}
		return "", fmt.Errorf("%w in kernel tree %s: build it with `make ARCH=um linux` there", ErrNoKernel, want)
	}
	if !isExecutable(want) {
		return "", fmt.Errorf("%w: %s is not an executable file", ErrNoKernel, want)
	}
	return filepath.Abs(want)
}

// FindRootFS resolves the root file system image; want is the cluster
// file's root_fs field. UMWB_ROOT_FS overrides an empty want.
func FindRootFS(want string) (string, error) {
	if want == "" {
		want = os.Getenv("UMWB_ROOT_FS")
	}
	if want == "" {
		p := filepath.Join(CacheDir(), "root_fs")
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return filepath.EvalSymlinks(p)
		}
		return "", fmt.Errorf("%w at %s: run `make run` (or `make rootfs`) to build it, "+
			"or set root_fs = \"/path/to/image\" in the cluster file", ErrNoRootFS, p)
	}
	st, err := os.Stat(want)
	if err != nil || !st.Mode().IsRegular() {
		return "", fmt.Errorf("%w: %s is not a file", ErrNoRootFS, want)
	}
	return filepath.Abs(want)
}

func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}
