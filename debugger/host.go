package debugger

import "golang.org/x/sys/unix"

// Host is the owner of a kernel process: the code that started it and
// waits for it. It runs the engine's work on its thread.
type Host interface {
	// Pid is the kernel process's pid (its main thread's tid).
	Pid() int
	// Do runs f on the owner thread and waits for it; false means the
	// process is gone and f did not run.
	Do(f func()) bool
	// SetTracer hands the process's waits to t (nil gives them back).
	// While a tracer is set, the host calls t.Poll on its thread when a
	// child may have changed state, instead of waiting itself.
	SetTracer(t Tracer)
}

// Tracer is what a Host calls while a debugger is attached.
type Tracer interface {
	// Poll handles every stop the traced threads have to report without
	// blocking. It returns the process's exit status and true once the
	// main thread has been reaped.
	Poll() (unix.WaitStatus, bool)
}
