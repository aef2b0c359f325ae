package vm

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// SIGCHLD tells a tracer that one of its tracees stopped. One process-wide
// listener fans it out to every kernel's owner; notifications coalesce,
// so an owner checks all of its threads on each.
var sigchld struct {
	once sync.Once
	mu   sync.Mutex
	subs map[chan struct{}]struct{}
}

func subscribeSIGCHLD() (<-chan struct{}, func()) {
	sigchld.once.Do(func() {
		sigchld.subs = map[chan struct{}]struct{}{}
		ch := make(chan os.Signal, 16)
		signal.Notify(ch, syscall.SIGCHLD)
		go func() {
			for range ch {
				sigchld.mu.Lock()
				for s := range sigchld.subs {
					select {
					case s <- struct{}{}:
					default:
					}
				}
				sigchld.mu.Unlock()
			}
		}()
	})
	c := make(chan struct{}, 1)
	sigchld.mu.Lock()
	sigchld.subs[c] = struct{}{}
	sigchld.mu.Unlock()
	return c, func() {
		sigchld.mu.Lock()
		delete(sigchld.subs, c)
		sigchld.mu.Unlock()
	}
}
