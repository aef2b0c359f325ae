// Package e2e drives umwb's real TUI in a terminal: tmux runs umwb in a
// detached 160x50 window of a tmux server of the test's own (-L), the
// tests type keys with send-keys and read the screen with capture-pane,
// the way a user would see it. The nodes are real UML kernels.
package e2e

import (
	"testing"

	"umwb/internal/testkit"
)

// umwbBin is the binary under test, built by TestMain.
var umwbBin string

func TestMain(m *testing.M) { testkit.Main(m, &umwbBin) }
