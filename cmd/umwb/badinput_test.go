package main

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"umwb/internal/testkit"
	"umwb/vm"
)

// TestBadClusterFiles starts umwb on each cluster file in testdata/bad.
// Each file's first line says where its mistake is:
//
//	# want line=N field=NAME
//
// umwb must exit with status 1 and a message that names the file, the
// line and the field, and no Go panic trace.
func TestBadClusterFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.toml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no cluster files in testdata/bad (%v)", err)
	}
	base := testkit.NewRunBase(t)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			line, field := wantedMistake(t, file)
			r := runUmwb(t, testEnv(base), "--headless", file)
			if r.code != 1 {
				t.Errorf("exit status %d, want 1\n%s", r.code, r)
			}
			msg := r.stderr
			if !strings.Contains(msg, file+":"+line+":") {
				t.Errorf("message does not name %s line %s:\n%s", file, line, msg)
			}
			if !strings.Contains(msg, field) {
				t.Errorf("message does not name the field %q:\n%s", field, msg)
			}
			if n := strings.Count(strings.TrimSpace(msg), "\n"); n > 0 {
				t.Errorf("message is %d lines, want one:\n%s", n+1, msg)
			}
		})
	}
	t.Run("missing-file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "nosuch.toml")
		r := runUmwb(t, testEnv(base), "--headless", file)
		if r.code != 1 || !strings.Contains(r.stderr, file) {
			t.Errorf("umwb on a missing cluster file: %s\n"+
				"want status 1 and a message naming %s", r, file)
		}
	})
	if ents, _ := os.ReadDir(base); len(ents) != 0 {
		t.Errorf("a bad cluster file still made run directories in %s: %v", base, ents)
	}
}

var wantRe = regexp.MustCompile(`^# want line=(\d+) field=(\S+)$`)

// wantedMistake reads a bad cluster file's "# want" line.
func wantedMistake(t *testing.T, file string) (line, field string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	m := wantRe.FindStringSubmatch(sc.Text())
	if m == nil {
		t.Fatalf("%s: first line %q is not `# want line=N field=NAME`", file, sc.Text())
	}
	return m[1], m[2]
}

// TestMissingKernel starts umwb with an empty cache: it must say that the
// kernel (or the root_fs) is missing and how to build it with make.
func TestMissingKernel(t *testing.T) {
	base := testkit.NewRunBase(t)
	file, _ := writeCluster(t, "nokernel", `name = "node1"`)
	empty := t.TempDir()

	r := runUmwb(t, testEnv(base, "UMWB_CACHE="+empty, "UMWB_KERNEL", "UMWB_ROOT_FS"),
		"--headless", file)
	if r.code != 1 || !strings.Contains(r.stderr, "no UML kernel") ||
		!strings.Contains(r.stderr, "make") {
		t.Errorf("umwb without a kernel: %s\nwant status 1 and a message that says "+
			"no UML kernel was found and how to build one with make", r)
	}

	// With a kernel but no root_fs, the same for the root_fs.
	testkit.NeedUML(t)
	kernel, err := vm.FindKernel("")
	if err != nil {
		t.Fatal(err)
	}
	r = runUmwb(t, testEnv(base, "UMWB_CACHE="+empty, "UMWB_KERNEL="+kernel, "UMWB_ROOT_FS"),
		"--headless", file)
	if r.code != 1 || !strings.Contains(r.stderr, "no root_fs") ||
		!strings.Contains(r.stderr, "make") {
		t.Errorf("umwb without a root_fs: %s\nwant status 1 and a message that says "+
			"no root_fs image was found and how to build one with make", r)
	}
	if ks := testkit.KernelsOf(base); len(ks) != 0 {
		t.Errorf("kernels started although umwb refused to run: %v", ks)
	}
}

// TestCtlBadInput gives `umwb ctl` commands it cannot carry out: usage
// mistakes exit 2 with the usage on stderr, requests the running umwb
// refuses exit 1 with its reason.
func TestCtlBadInput(t *testing.T) {
	base := testkit.NewRunBase(t)

	// Before any umwb runs.
	r := ctl(t, base, "status")
	if r.code != 1 || !strings.Contains(r.stderr, "no running umwb") {
		t.Errorf("ctl status with no umwb running: %s\nwant status 1, \"no running umwb\"", r)
	}

	file, _ := writeCluster(t, "badctl", `name = "node1"`)
	u := startUmwb(t, base, "--headless", "--no-boot", file)
	u.waitReady(t, base)

	cases := []struct {
		args []string
		code int
		says []string // what stderr must contain
	}{
		{[]string{"frobnicate"}, 2,
			[]string{`unknown command "frobnicate"`, "usage: umwb ctl", "commands:"}},
		{nil, 2, []string{"no command", "usage: umwb ctl", "commands:"}},
		{[]string{"--frob", "status"}, 2, []string{"-frob", "usage: umwb ctl"}},
		{[]string{"run", "node1", "true"}, 2, []string{"usage: run NODE -- CMD"}},
		{[]string{"boot"}, 2, []string{"usage: boot NODE|all"}},
		{[]string{"wait", "node1", "sleepy"}, 1, []string{`"sleepy"`, "off, booting, up"}},
		{[]string{"run", "nosuchnode", "--", "true"}, 1, []string{"nosuchnode", "no such node"}},
		{[]string{"boot", "nosuchnode"}, 1, []string{"nosuchnode", "no such node"}},
		{[]string{"run", "node1", "--", "true"}, 1, []string{"node1", "off"}},
		{[]string{"halt", "node1"}, 1, []string{"node1", "not running"}},
		{[]string{"--cluster", "other", "status"}, 1, []string{"no running umwb", `"other"`}},
	}
	for _, c := range cases {
		r := ctl(t, base, c.args...)
		ok := r.code == c.code && r.stdout == ""
		for _, s := range c.says {
			ok = ok && strings.Contains(r.stderr, s)
		}
		if !ok {
			t.Errorf("ctl %s\ngot %s\nwant status %d, nothing on stdout, and %q on stderr",
				strings.Join(c.args, " "), r, c.code, c.says)
		}
	}
	if code, ok := u.exitCode(0); ok {
		t.Errorf("umwb ended (status %d) after bad requests\n%s", code, u.output())
	}
}
