package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"time"
)

// logPoll is how often a console log is read for new output. It bounds
// how late the bench can see a string that umwb has logged.
const logPoll = time.Millisecond

// logFollower reads a console log from where it ended when the follower
// was made, so that a string printed by an earlier boot does not count.
type logFollower struct {
	path string
	off  int64
}

func followLog(path string) *logFollower {
	f := &logFollower{path: path}
	if st, err := os.Stat(path); err == nil {
		f.off = st.Size()
	}
	return f
}

// waitFor returns the time at which pat was first seen in the log's new
// part. The log may not exist yet (umwb creates it at a node's first
// boot).
func (f *logFollower) waitFor(ctx context.Context, pat string) (time.Time, error) {
	want := []byte(pat)
	var win []byte
	buf := make([]byte, 64<<10)
	var file *os.File
	defer func() {
		if file != nil {
			file.Close()
		}
	}()
	for {
		if file == nil {
			file, _ = os.Open(f.path)
		}
		for file != nil {
			n, err := file.ReadAt(buf, f.off)
			f.off += int64(n)
			win = append(win, buf[:n]...)
			if bytes.Contains(win, want) {
				return time.Now(), nil
			}
			if keep := len(want) - 1; len(win) > keep {
				win = append(win[:0], win[len(win)-keep:]...)
			}
			if err == io.EOF || n == 0 {
				break
			}
			if err != nil {
				return time.Time{}, fmt.Errorf("read console log: %w", err)
			}
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("wait for %q in %s: %w", pat, f.path, ctx.Err())
		case <-time.After(logPoll):
		}
	}
}
