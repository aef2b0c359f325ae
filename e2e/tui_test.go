package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"umwb/internal/testkit"
)

// Screen patterns. A console's title sits on its pane's top border:
// "┌ 1 node1 · up ───"; the node list has "▶ node1 up 3s" for the
// selected node.
var (
	loadLine   = regexp.MustCompile(`load \d+\.\d\d \d+\.\d\d \d+\.\d\d`)
	unameReply = regexp.MustCompile(`node1:/# uname -r[^\n]*\n[^\n]*[│║](7\.\d+\.\d+\S*)`)
)

// consoleTitle matches the title of node number i's console.
func consoleTitle(i int, node string) *regexp.Regexp {
	return regexp.MustCompile(fmt.Sprintf(`[┌╔] %d %s · `, i, regexp.QuoteMeta(node)))
}

// TestTUIBootTypeQuit boots a node that starts off from the node list,
// types a command into its console, and quits with Ctrl-a q y.
func TestTUIBootTypeQuit(t *testing.T) {
	testkit.NeedUML(t)
	base := testkit.NewRunBase(t)
	runDir := filepath.Join(base, "e2e-one")
	tm := startTUI(t, base, "testdata/one-off.toml")

	tm.waitMatch("node1 off in the node list", 15*time.Second,
		regexp.MustCompile(`▶ node1 off\s[\s\S]*press b to boot`))
	if ks := testkit.KernelsOf(base); len(ks) != 0 {
		t.Fatalf("node1 has boot = false, yet kernels run: %v", ks)
	}

	tm.press("b")
	tm.waitFor("guest shell prompt node1:/#", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "node1:/#")
	})

	// Enter focuses the console; what is typed then goes to the guest.
	tm.press("Enter")
	tm.waitFor("status line saying keys go to node1", 5*time.Second, func(s string) bool {
		return strings.Contains(s, "typing into node1")
	})
	tm.typeText("uname -r")
	tm.press("Enter")
	s := tm.waitMatch("a 7.x release under `uname -r`", 10*time.Second, unameReply)
	t.Logf("guest kernel release: %s", unameReply.FindStringSubmatch(s)[1])

	// Ctrl-C in a console interrupts the guest's command, not umwb.
	tm.typeText("sleep 30")
	tm.press("Enter")
	time.Sleep(300 * time.Millisecond)
	tm.press("C-c")
	tm.typeText("echo after-$((40+2))")
	tm.press("Enter")
	tm.waitFor("the guest's shell back after Ctrl-C", 10*time.Second, func(s string) bool {
		return strings.Contains(s, "after-42")
	})
	if done, e := tm.exited(); done {
		t.Fatalf("Ctrl-C in a console ended umwb: %v", e)
	}

	// The node list shows the node up, with its load.
	tm.waitFor("node1 up with a load line", 10*time.Second, func(s string) bool {
		return regexp.MustCompile(`▶ node1 up \d+s`).MatchString(s) && loadLine.MatchString(s) &&
			strings.Contains(s, "1 nodes, 1 up")
	})
	if ks := testkit.KernelsOf(base); len(ks) != 1 {
		t.Errorf("one node is up, but %d kernels run: %v", len(ks), ks)
	}

	// Quit from inside the console: Ctrl-a q asks, y confirms.
	tm.press("C-a")
	tm.press("q")
	tm.waitFor("quit confirmation", 5*time.Second, func(s string) bool {
		return strings.Contains(s, "Quit umwb?")
	})
	tm.press("y")
	if e := tm.waitExit(20 * time.Second); e != (exit{}) {
		t.Errorf("after quit, umwb ended with %v, want exit status 0\n%s", e, umwbLog(runDir))
	}
	if ks := testkit.ProcsLeft("uml_dir="+base+"/", 5*time.Second); len(ks) != 0 {
		t.Errorf("kernels still run after umwb quit: %v", ks)
	}
	if f := testkit.UmidFolders(t, runDir); len(f) != 0 {
		t.Errorf("umid folders left in %s/uml after umwb quit: %v", runDir, f)
	}
}

// TestTUIZoomAndHelp checks, with two nodes up, that z shows the
// selected node's console alone and z again tiles both, and that ? shows
// the help and Esc closes it.
func TestTUIZoomAndHelp(t *testing.T) {
	testkit.NeedUML(t)
	base := testkit.NewRunBase(t)
	runDir := filepath.Join(base, "e2e-two")
	tm := startTUI(t, base, "testdata/two.toml")

	title1, title2 := consoleTitle(1, "node1"), consoleTitle(2, "node2")
	both := func(s string) bool { return title1.MatchString(s) && title2.MatchString(s) }
	only := func(want, not *regexp.Regexp) func(string) bool {
		return func(s string) bool { return want.MatchString(s) && !not.MatchString(s) }
	}

	tm.waitFor("both nodes up", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "2 nodes, 2 up") && both(s)
	})

	tm.press("z")
	tm.waitFor("node1's console alone (zoomed)", 5*time.Second, only(title1, title2))
	tm.press("z")
	tm.waitFor("both consoles tiled", 5*time.Second, both)

	// Zoom follows the selection.
	tm.press("Down")
	tm.waitFor("node2 selected", 5*time.Second, func(s string) bool {
		return strings.Contains(s, "▶ node2")
	})
	tm.press("z")
	tm.waitFor("node2's console alone (zoomed)", 5*time.Second, only(title2, title1))
	tm.press("z")
	tm.waitFor("both consoles tiled", 5*time.Second, both)

	tm.press("?")
	tm.waitFor("the help", 5*time.Second, func(s string) bool {
		return strings.Contains(s, "umwb keys") && strings.Contains(s, "zoom")
	})
	tm.press("Escape")
	tm.waitFor("the screen without the help", 5*time.Second, func(s string) bool {
		return !strings.Contains(s, "umwb keys") && both(s)
	})

	tm.press("q")
	tm.waitFor("quit confirmation", 5*time.Second, func(s string) bool {
		return strings.Contains(s, "Quit umwb?")
	})
	tm.press("y")
	if e := tm.waitExit(20 * time.Second); e != (exit{}) {
		t.Errorf("after quit, umwb ended with %v, want exit status 0\n%s", e, umwbLog(runDir))
	}
	if ks := testkit.ProcsLeft("uml_dir="+base+"/", 5*time.Second); len(ks) != 0 {
		t.Errorf("kernels still run after umwb quit: %v", ks)
	}
}

// umwbLog is umwb's log of the run, for failure messages.
func umwbLog(runDir string) string {
	b, err := os.ReadFile(filepath.Join(runDir, "umwb.log"))
	if err != nil {
		return fmt.Sprintf("no umwb.log: %v", err)
	}
	return "umwb.log:\n" + string(b)
}
