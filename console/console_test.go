package console

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestShellOnConsole(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "node1.log")
	c := openConsole(t, logPath, 80, 24)
	var changes atomic.Int32
	c.OnChange(func() { changes.Add(1) })
	out := subscribe(t, c)
	c.Start()
	startOnConsole(t, c, "/bin/sh")
	out.expect(t, `\$ $`, 5*time.Second)

	if _, err := c.Write([]byte("echo hello-$((6*7))\r")); err != nil {
		t.Fatalf("write command: %v", err)
	}
	out.expect(t, `hello-42\r\n`, 5*time.Second)

	if !slices.Contains(c.Tail(24), "hello-42") {
		t.Errorf("screen has no line hello-42: %q", c.Tail(24))
	}
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "\nhello-42\r\n") {
		t.Errorf("console log has no hello-42 line: %q", log)
	}
	if changes.Load() == 0 {
		t.Error("OnChange was never called")
	}
}

func TestLogAppends(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "node1.log")
	if err := os.WriteFile(logPath, []byte("earlier boot\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := openConsole(t, logPath, 80, 24)
	c.Start()
	startOnConsole(t, c, "/bin/sh", "-c", "echo second-boot")
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("console not done after its child exited")
	}
	log, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(log), "earlier boot\n") ||
		!strings.Contains(string(log), "second-boot") {
		t.Errorf("log is %q, want the old content followed by second-boot", log)
	}
}

func TestResizeReachesGuest(t *testing.T) {
	c := openConsole(t, "", 80, 24)
	out := subscribe(t, c)
	c.Start()
	startOnConsole(t, c, "/bin/sh")
	out.expect(t, `\$ $`, 5*time.Second)

	c.Write([]byte("stty size\r"))
	// Wait for the next prompt too, or the next command's echo could come
	// before it.
	out.expect(t, `24 80\r\n`, 5*time.Second)

	if err := c.Resize(100, 30); err != nil {
		t.Fatalf("resize: %v", err)
	}
	if cols, rows := c.Terminal().Size(); cols != 100 || rows != 30 {
		t.Errorf("emulator is %dx%d after resize, want 100x30", cols, rows)
	}
	c.Write([]byte("stty size\r"))
	out.expect(t, `30 100\r\n`, 5*time.Second)
}

// The emulator's answer to a cursor position request must reach the guest
// as input: the guest switches its terminal to raw mode, asks, and prints
// what it read back with ESC shown as E.
func TestRepliesReachGuest(t *testing.T) {
	c := openConsole(t, "", 80, 24)
	out := subscribe(t, c)
	c.Start()
	startOnConsole(t, c, "/bin/sh")

	c.Write([]byte(`stty raw -echo; printf '\033[5;7H\033[6n'; ` +
		`dd bs=1 count=6 2>/dev/null | tr '\033' E; stty sane` + "\r"))
	out.expect(t, `E\[5;7R`, 5*time.Second)
}

func TestCloseWakesPendingRead(t *testing.T) {
	c := openConsole(t, "", 80, 24)
	c.Start()
	// No child: umwb still holds the slave, so the read loop waits.
	time.Sleep(100 * time.Millisecond)
	select {
	case <-c.Done():
		t.Fatal("console done before Close")
	default:
	}

	within(t, time.Second, "Close", func() {
		if err := c.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	select {
	case <-c.Done():
	case <-time.After(time.Second):
		t.Fatal("Done not closed within a second of Close")
	}
	if err := c.Err(); err != nil {
		t.Errorf("Err after Close is %v, want nil", err)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Errorf("write after close: %v, want ErrClosed", err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

func TestCloseUnstarted(t *testing.T) {
	c := openConsole(t, "", 80, 24)
	within(t, time.Second, "Close", func() { c.Close() })
	select {
	case <-c.Done():
	default:
		t.Fatal("Done not closed after Close of an unstarted console")
	}
	ch, _ := c.Subscribe()
	if _, ok := <-ch; ok {
		t.Error("subscription after the end delivered output")
	}
}

func TestChildExitEndsConsole(t *testing.T) {
	c := openConsole(t, "", 80, 24)
	out := subscribe(t, c)
	c.Start()
	startOnConsole(t, c, "/bin/sh", "-c", "echo bye-from-child")

	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("console not done 5 s after its child exited")
	}
	if err := c.Err(); err != nil {
		t.Errorf("Err is %v, want nil: EIO after the child left is the normal end", err)
	}
	if !slices.Contains(c.Tail(5), "bye-from-child") {
		t.Errorf("last lines are %q, want bye-from-child", c.Tail(5))
	}
	out.expect(t, "bye-from-child", time.Second)
	if _, ok := <-out.ch; ok {
		t.Error("subscription still open after the console ended")
	}
}

// A guest that reads no input must not make Write block: input queues up to
// MaxPendingInput, then Write fails with ErrInputFull; Close still returns.
func TestWriteNeverBlocks(t *testing.T) {
	c := openConsole(t, "", 80, 24)
	c.Start()
	// sleep holds the terminal and never reads it.
	startOnConsole(t, c, "/bin/sleep", "60")

	chunk := []byte(strings.Repeat("x", 1000) + "\r")
	var full error
	within(t, 5*time.Second, "writing 2 MiB", func() {
		for i := 0; i < 2*MaxPendingInput/len(chunk) && full == nil; i++ {
			_, full = c.Write(chunk)
		}
	})
	if !errors.Is(full, ErrInputFull) {
		t.Errorf("write to a guest that does not read: %v, want ErrInputFull", full)
	}
	within(t, time.Second, "Close", func() { c.Close() })
}

// The read loop never waits for a subscriber: one that does not read gets
// SubscriberChunks chunks and is then cut off, while one that reads goes on.
func TestSlowSubscriberIsCutOff(t *testing.T) {
	c := openConsole(t, "", 80, 24)
	slow, _ := c.Subscribe()
	reading, cancel := c.Subscribe()
	defer cancel()

	const chunks = SubscriberChunks + 100
	within(t, 5*time.Second, "feeding output", func() {
		for i := 0; i < chunks; i++ {
			c.consume([]byte{byte(i)})
			if p, ok := <-reading; !ok || p[0] != byte(i) {
				t.Errorf("reading subscriber got chunk %v (open %v), want [%d]", p, ok, byte(i))
				return
			}
		}
	})
	n := 0
	for range slow {
		n++
	}
	if n != SubscriberChunks {
		t.Errorf("slow subscriber got %d chunks before the cut, want %d",
			n, SubscriberChunks)
	}
}
