// Package console owns a node's console: the pty the UML kernel talks to,
// the terminal emulator that keeps its screen and scrollback, the per-node
// console log, and the tview widget the screen is drawn in.
//
// The kernel process gets the pty's slave as stdin, stdout and stderr; a
// Console keeps the master. One read loop (started by Start) moves the
// kernel's output to the log file, the emulator, the subscribers and the
// change callbacks, in that order, so a subscriber that sees some output can
// already find it on the screen and in the log. One writer goroutine moves
// keyboard input and the emulator's replies (answers to DSR, DA and similar
// queries) to the master, so that Write never blocks, even while the guest is
// stopped and reads nothing.
//
// # Locks
//
// A Console is safe for concurrent use. It has three locks, none of which is
// held while another package's code runs:
//
//   - the emulator's own lock (inside the Terminal), held for one Write
//     (the read loop feeds at most 1 KiB at a time), one Resize, or one cell
//     or row read, so that drawing never waits long behind a flood of
//     output;
//   - the input queue's lock, a leaf, held while input is queued or taken;
//   - the Console's lock, guarding the subscriber set, the change callbacks
//     and the open/started/closed state; it is never held during I/O nor
//     while the emulator's lock is taken.
//
// While the read loop holds the emulator's lock, the emulator may hand a
// reply to the terminal's reply goroutine, which takes the input queue's
// lock; nothing that holds the input queue's lock waits for the emulator, so
// the order is emulator → input queue.
//
// Change callbacks (OnChange) run on the read loop with no lock held; they
// may call any Console method but must return quickly, since output is not
// read while they run.
//
// A View belongs to the tview application: its methods, like every tview
// primitive's, run on the application's event goroutine (or inside
// QueueUpdate from elsewhere).
package console
