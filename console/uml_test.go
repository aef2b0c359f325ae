package console

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// umlFiles returns the kernel and root_fs that the project's build scripts
// put in the cache; the test fails, not skips, without them.
func umlFiles(t *testing.T) (kernel, rootFS string) {
	t.Helper()
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	kernel = filepath.Join(home, ".cache", "umwb", "linux")
	rootFS = filepath.Join(home, ".cache", "umwb", "root_fs")
	for _, f := range []string{kernel, rootFS} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("UML node files missing (build the kernel and root_fs "+
				"with the scripts in scripts/): %v", err)
		}
	}
	return kernel, rootFS
}

// A real UML node boots on the console: the boot messages and the guest's
// shell prompt arrive through the pty, a typed command runs in the guest,
// and its output is read back.
func TestUMLNodeOnConsole(t *testing.T) {
	kernel, rootFS := umlFiles(t)
	dir := t.TempDir()
	umid := fmt.Sprintf("ct%d", os.Getpid())
	logPath := filepath.Join(dir, "node1.log")

	c := openConsole(t, logPath, 80, 24)
	out := subscribe(t, c)
	c.Start()

	cmd := exec.Command(kernel,
		"ubd0="+filepath.Join(dir, "n.cow")+","+rootFS,
		"umid="+umid, "uml_dir="+dir, "mem=64M",
		"con0=fd:0,fd:1", "con=null", "ssl=null",
		"root=/dev/ubda", "rw", "umwb.name=node1", "umwb.node=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.Slave(), c.Slave(), c.Slave()
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setsid:    true,
		Setctty:   true,
		Pdeathsig: syscall.SIGKILL,
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start kernel: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		select {
		case <-c.Done():
		case <-time.After(5 * time.Second):
			t.Error("console not done 5 s after the node was killed")
		}
	})
	if err := c.CloseSlave(); err != nil {
		t.Fatal(err)
	}

	out.expect(t, `umwb: node1 \(node 1\) is up`, 60*time.Second)
	// busybox ash asks where the cursor is (DSR 6) after each prompt and
	// waits for the emulator's answer.
	out.expect(t, `node1:/# `, 30*time.Second)
	if _, err := c.Write([]byte("uname -r\r")); err != nil {
		t.Fatal(err)
	}
	release := out.expect(t, `\n7\.\d+\.\d+\S*\r\n`, 10*time.Second)
	t.Logf("guest kernel release: %q", release)

	// The same line is on the screen and in the log.
	want := regexp.MustCompile(`^7\.\d+\.\d+`)
	found := false
	for _, l := range c.Tail(5) {
		found = found || want.MatchString(l)
	}
	if !found {
		t.Errorf("screen's last lines %q hold no 7.x release", c.Tail(5))
	}
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`\n7\.\d+\.\d+`).Match(log) {
		t.Errorf("console log holds no 7.x release; it ends %q", last(log))
	}
}
