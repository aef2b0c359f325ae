package main

import (
	"bytes"
	"sync"
	"time"
)

// stream follows a console's output as it is read and tells when an
// expected string goes by. Only the bytes needed to find a string that
// spans two reads are kept, so a flood of any size costs no memory.
type stream struct {
	mu    sync.Mutex
	win   []byte // the last bytes seen, to match across reads
	want  []byte
	found chan time.Time
	ended chan struct{}
}

func newStream() *stream { return &stream{ended: make(chan struct{})} }

// expect arms the stream: the returned channel receives the time at which
// pat is next seen in the output. It replaces an earlier expectation.
func (s *stream) expect(pat string) <-chan time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.want = []byte(pat)
	s.found = make(chan time.Time, 1)
	s.win = s.win[:0]
	return s.found
}

// add takes one read of output; now is when it was read.
func (s *stream) add(p []byte, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.want == nil {
		return
	}
	s.win = append(s.win, p...)
	if bytes.Contains(s.win, s.want) {
		s.found <- now
		s.want, s.win = nil, s.win[:0]
		return
	}
	if keep := len(s.want) - 1; len(s.win) > keep {
		s.win = append(s.win[:0], s.win[len(s.win)-keep:]...)
	}
}

func (s *stream) end() { close(s.ended) }
