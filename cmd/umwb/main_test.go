package main

// These tests run the umwb binary as a user would: `umwb --headless`
// boots real UML nodes and `umwb ctl` drives them through the control
// socket. TestMain builds the binary once. Every test gets a run base of
// its own (UMWB_RUN_DIR under /tmp, short because of the 107-byte limit
// of Unix socket paths) and kills, by pid, whatever it started that is
// still alive when it ends.

import (
	"testing"

	"umwb/internal/testkit"
)

// umwbBin is the binary under test.
var umwbBin string

func TestMain(m *testing.M) { testkit.Main(m, &umwbBin) }
