package main

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// usage is this process's CPU time and context switches so far, all
// threads counted: the runtime's helpers as well as the tracing thread.
type usage struct {
	cpu      float64 // seconds
	switches int64
}

func usageNow() usage {
	var ru unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru)
	cpu := float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
	return usage{cpu: cpu, switches: ru.Nvcsw + ru.Nivcsw}
}

// perStep formats the difference from u0 to u1 per step, as row fields.
func perStep(u0, u1 usage, steps int) string {
	if steps == 0 {
		return "cpu_us=0 cs=0"
	}
	return fmt.Sprintf("cpu_us=%.2f cs=%.2f", (u1.cpu-u0.cpu)*1e6/float64(steps),
		float64(u1.switches-u0.switches)/float64(steps))
}
