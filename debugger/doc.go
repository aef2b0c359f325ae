// Package debugger pauses, inspects and single-steps a User-Mode Linux
// kernel process with ptrace, and reads its symbols and source lines from
// the kernel's own ELF and DWARF.
//
// Thread rules: ptrace requests for a tracee must come from the OS thread
// that attached to it, and the kernel process is its launcher's child, so
// every ptrace call and every wait for the process is made on one thread
// that the launcher owns (see Host). An Engine's exported methods may be
// called from any goroutine: they hand their work to that thread through
// Host.Do and wait for it. Engine.mu guards the engine's state and is
// only ever taken on the owner thread, or by readers of a snapshot; it is
// never held across a ptrace call made on another thread's behalf.
//
// What is traced: the kernel process's own threads (the kernel thread and
// UML's helper threads), never the guest's user processes, which are
// separate host processes that the kernel itself traces.
package debugger
