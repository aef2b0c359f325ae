// Command enginebench measures umwb's debugger below its command line:
//
//	enginebench engine -pid PID [-addr HEX -trigger CMD -steps N -reps R
//	    -variants LIST] [-pauses P]
//	enginebench ctlpause [-node NODE] [-pauses P]
//	enginebench ctlstep [-node NODE] [-steps N]
//
// engine attaches the debugger package's Engine itself, to a node's
// kernel that umwb has let go of. For each repetition and variant it runs
// the kernel to the breakpoint address (CMD makes the guest reach it)
// and single-steps N instructions: with the engine's Step, the same with
// the SIGCHLD listener off, or with raw ptrace loops that add the
// engine's per-step work, or take away Go's, one piece at a time. Then
// it times P pauses of the running kernel.
//
// ctlpause times status (the baseline), pause and cont requests over one
// connection to umwb's control socket; ctlstep times N one-instruction
// step requests on a paused node.
//
// Each measurement is one line of key=value pairs on standard output.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: enginebench engine|ctlpause|ctlstep [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "engine":
		err = engineMain(os.Args[2:])
	case "ctlpause":
		err = ctlPauseMain(os.Args[2:])
	case "ctlstep":
		err = ctlStepMain(os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "enginebench: %v\n", err)
		os.Exit(1)
	}
}
