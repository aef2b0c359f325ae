package console

// SubscriberChunks is how many chunks of output (one pty read each, at most
// readSize bytes) a subscriber may fall behind before it is cut off.
const SubscriberChunks = 1024

type subscriber struct {
	ch chan []byte
}

// Subscribe returns a channel that receives a copy of the guest's raw output
// from now on, one chunk per pty read, and a function that ends the
// subscription. Chunks are shared between subscribers and must not be
// modified.
//
// The read loop never waits for a subscriber: each has a buffer of
// SubscriberChunks chunks, and one that falls further behind is cut off (its
// channel is closed) instead of receiving a stream with a hole in it. The
// channel is also closed when the read loop ends or the function is called;
// Done tells the cases apart.
func (c *Console) Subscribe() (<-chan []byte, func()) {
	s := &subscriber{ch: make(chan []byte, SubscriberChunks)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		close(s.ch)
		return s.ch, func() {}
	}
	c.subs[s] = struct{}{}
	return s.ch, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if _, ok := c.subs[s]; ok {
			delete(c.subs, s)
			close(s.ch)
		}
	}
}

// OnChange registers f to be called after each piece of output has reached
// the emulator. It runs on the read loop with no lock held and must return
// quickly; a UI should only note that a redraw is due (tview's
// QueueUpdateDraw can block when its queue is full, so throttle before it).
func (c *Console) OnChange(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.onChange = append(c.onChange, f)
}
