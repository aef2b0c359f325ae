package console

import (
	"bytes"
	"errors"
	"fmt"
)

// readLoop moves the guest's output from the master to the log, the
// emulator, the subscribers and the change callbacks until the master reads
// EIO or is closed.
func (c *Console) readLoop() {
	defer c.endLoop()
	buf := make([]byte, readSize)
	for {
		n, err := c.master.Read(buf)
		if n > 0 {
			c.consume(buf[:n])
		}
		if err != nil {
			if !normalEnd(err) {
				c.setErr(fmt.Errorf("read console: %w", err))
			}
			return
		}
	}
}

func (c *Console) consume(p []byte) {
	if c.log != nil && !c.logFailed {
		if _, err := c.log.Write(p); err != nil {
			// The console goes on without its log.
			c.logFailed = true
			c.setErr(fmt.Errorf("write console log: %w", err))
		}
	}
	// In pieces, so that the emulator's lock (which Draw needs) is never
	// held for long: the library takes about half a microsecond a byte.
	for q := p; len(q) > 0; {
		n := min(len(q), feedPiece)
		if _, err := c.term.Write(q[:n]); err != nil && !errors.Is(err, ErrClosed) {
			// The emulator was reset and goes on; note the first time.
			c.setErr(fmt.Errorf("feed console emulator: %w", err))
		}
		q = q[n:]
	}

	chunk := bytes.Clone(p)
	c.mu.Lock()
	for s := range c.subs {
		select {
		case s.ch <- chunk:
		default:
			// Fell too far behind: cut off rather than hand out a stream
			// with a hole in it.
			delete(c.subs, s)
			close(s.ch)
		}
	}
	callbacks := c.onChange
	c.mu.Unlock()

	for _, f := range callbacks {
		f()
	}
}

// endLoop marks the loop as ended: subscriptions end, Done closes.
func (c *Console) endLoop() {
	c.mu.Lock()
	c.ended = true
	for s := range c.subs {
		delete(c.subs, s)
		close(s.ch)
	}
	c.mu.Unlock()
	close(c.done)
}
