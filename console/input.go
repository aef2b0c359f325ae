package console

import (
	"errors"
	"fmt"
	"sync"
)

// MaxPendingInput is how many bytes of input may wait for the guest to read
// them; Write fails with ErrInputFull beyond that.
const MaxPendingInput = 1 << 20

// ErrInputFull is returned by Write when the guest has not read the input
// already queued (it may be stopped, paused in the debugger, or hung).
var ErrInputFull = errors.New("console input queue full")

// inputQueue holds bytes on their way to the master. Writers append and
// never wait; the writer goroutine takes everything queued at once.
type inputQueue struct {
	mu      sync.Mutex
	pending []byte
	closed  bool
	err     error         // the writer's first error; input is refused after it
	wake    chan struct{} // capacity 1: "something is pending"
}

func (q *inputQueue) init() {
	q.wake = make(chan struct{}, 1)
}

func (q *inputQueue) put(p []byte) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.closed:
		return ErrClosed
	case q.err != nil:
		return q.err
	case len(q.pending)+len(p) > MaxPendingInput:
		return ErrInputFull
	}
	q.pending = append(q.pending, p...)
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

func (q *inputQueue) take() []byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	p := q.pending
	q.pending = nil
	return p
}

func (q *inputQueue) fail(err error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err == nil {
		q.err = err
	}
	q.pending = nil
}

func (q *inputQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.pending = nil
}

// Write queues p as input to the guest (keys, pasted text, a command to run)
// and returns at once; the bytes reach the pty in the order written. It
// fails with ErrClosed after Close, with ErrInputFull when MaxPendingInput
// bytes are still unread, and with the write error once writing to the pty
// failed.
func (c *Console) Write(p []byte) (int, error) {
	if err := c.in.put(p); err != nil {
		return 0, fmt.Errorf("write console: %w", err)
	}
	return len(p), nil
}

// writeLoop writes queued input to the master until Close. A write that
// waits for the guest to read is woken by Close closing the master.
func (c *Console) writeLoop() {
	defer close(c.writerEnd)
	for {
		select {
		case <-c.closing:
			return
		case <-c.in.wake:
		}
		p := c.in.take()
		if len(p) == 0 {
			continue
		}
		if _, err := c.master.Write(p); err != nil {
			c.in.fail(err)
			return
		}
	}
}
