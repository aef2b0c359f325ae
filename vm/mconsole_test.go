package vm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The transcripts in testdata/mconsole are played against a fake node on a
// unixgram socket; testdata/mconsole/README describes their steps.

// mcStep is one line of a transcript.
type mcStep struct {
	line int
	verb string
	word string            // a bare word after the verb (want's kind, raw's hex)
	text string            // the quoted argument, if any
	args map[string]string // key=value arguments and bare flags
}

// mcExchange is one do, what the node does about it, and what the client
// should get.
type mcExchange struct {
	do   mcStep
	node []mcStep
	want mcStep
}

func parseMconsoleTranscript(t testing.TB, path string) []mcExchange {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var xs []mcExchange
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s, err := parseMconsoleStep(line)
		if err != nil {
			t.Fatalf("%s:%d: %v", path, n, err)
		}
		s.line = n
		switch s.verb {
		case "do":
			xs = append(xs, mcExchange{do: s})
		case "reply", "datagram", "raw", "sleep", "spoof", "close", "rebind":
			if len(xs) == 0 {
				t.Fatalf("%s:%d: %s before any do", path, n, s.verb)
			}
			xs[len(xs)-1].node = append(xs[len(xs)-1].node, s)
		case "want":
			if len(xs) == 0 {
				t.Fatalf("%s:%d: want before any do", path, n)
			}
			xs[len(xs)-1].want = s
		default:
			t.Fatalf("%s:%d: unknown step %q", path, n, s.verb)
		}
	}
	for _, x := range xs {
		if x.want.verb == "" {
			t.Fatalf("%s:%d: do without want", path, x.do.line)
		}
	}
	return xs
}

// parseMconsoleStep splits a line into its verb, one bare word, one quoted
// text and key=value arguments.
func parseMconsoleStep(line string) (mcStep, error) {
	s := mcStep{args: map[string]string{}}
	rest := line
	for first := true; ; first = false {
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			break
		}
		if rest[0] == '"' {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				return s, fmt.Errorf("bad quoted text: %w", err)
			}
			s.text, _ = strconv.Unquote(q)
			s.args["text"] = ""
			rest = rest[len(q):]
			continue
		}
		tok, after, _ := strings.Cut(rest, " ")
		rest = after
		switch k, v, ok := strings.Cut(tok, "="); {
		case first:
			s.verb = tok
		case ok:
			s.args[k] = v
		default:
			if s.word == "" {
				s.word = tok
			}
			s.args[tok] = ""
		}
	}
	return s, nil
}

func (s mcStep) num(t testing.TB, key string, def int64) int64 {
	t.Helper()
	v, ok := s.args[key]
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 0, 64)
	if err != nil {
		t.Fatalf("line %d: %s=%q: %v", s.line, key, v, err)
	}
	return n
}

func (s mcStep) dur(t testing.TB, v string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("line %d: %v", s.line, err)
	}
	return d
}

// mcDatagrams is what a reply, datagram or raw step sends.
func mcDatagrams(t testing.TB, s mcStep) [][]byte {
	t.Helper()
	s.text = strings.Repeat(s.text, int(s.num(t, "repeat", 1)))
	switch s.verb {
	case "reply":
		_, more := s.args["more"]
		return mcKernelReply(s.text, uint32(s.num(t, "err", 0)), more)
	case "datagram":
		d := mcDatagram(uint32(s.num(t, "err", 0)), uint32(s.num(t, "more", 0)),
			uint32(s.num(t, "len", int64(len(s.text)+1))), s.text)
		if size, ok := s.args["size"]; ok {
			n, err := strconv.Atoi(size)
			if err != nil {
				t.Fatalf("line %d: %v", s.line, err)
			}
			d = append(d, make([]byte, max(0, n-len(d)))...)[:n]
		}
		return [][]byte{d}
	case "raw":
		b, err := hex.DecodeString(s.word)
		if err != nil {
			t.Fatalf("line %d: %v", s.line, err)
		}
		return [][]byte{b}
	}
	return nil
}

// mcDatagram lays out one reply datagram: header, text, NUL.
func mcDatagram(errWord, more, n uint32, text string) []byte {
	b := make([]byte, mconsoleHeader, mconsoleHeader+len(text)+1)
	binary.NativeEndian.PutUint32(b[0:], errWord)
	binary.NativeEndian.PutUint32(b[4:], more)
	binary.NativeEndian.PutUint32(b[8:], n)
	b = append(b, text...)
	return append(b, 0)
}

// mcKernelReply splits text the way the kernel's mconsole_reply_len does.
func mcKernelReply(text string, errWord uint32, more bool) [][]byte {
	var out [][]byte
	for first := true; first || text != ""; first = false {
		n := min(len(text), mconsoleMaxData-1)
		m := uint32(1)
		if n == len(text) && !more {
			m = 0
		}
		out = append(out, mcDatagram(errWord, m, uint32(n+1), text[:n]))
		errWord = 0
		text = text[n:]
	}
	return out
}

// decodeMconsoleRequest is the node's side: it checks a request datagram
// the way the kernel reads it, and more strictly.
func decodeMconsoleRequest(b []byte) (string, error) {
	if len(b) != mconsoleHeader+mconsoleMaxData {
		return "", fmt.Errorf("request of %d bytes, want the whole struct", len(b))
	}
	ne := binary.NativeEndian
	if ne.Uint32(b) != mconsoleMagic || ne.Uint32(b[4:]) != mconsoleVersion {
		return "", fmt.Errorf("bad magic or version: % x", b[:8])
	}
	n := ne.Uint32(b[8:])
	if n >= mconsoleMaxData {
		return "", fmt.Errorf("length %d", n)
	}
	return string(b[mconsoleHeader : mconsoleHeader+n]), nil
}

// mcFakeNode plays the node's side of transcripts on a socket in a test's
// temporary folder.
type mcFakeNode struct {
	t    *testing.T
	path string
	mu   sync.Mutex
	conn *net.UnixConn
	last string // the latest request, for the echo node
}

func (n *mcFakeNode) lastRequest() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.last
}

func newMconsoleFakeNode(t *testing.T) *mcFakeNode {
	n := &mcFakeNode{t: t, path: filepath.Join(t.TempDir(), "mconsole")}
	n.bind()
	t.Cleanup(func() { n.close() })
	return n
}

func (n *mcFakeNode) bind() {
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: n.path, Net: "unixgram"})
	if err != nil {
		n.t.Fatal(err)
	}
	n.mu.Lock()
	n.conn = c
	n.mu.Unlock()
}

func (n *mcFakeNode) close() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.conn != nil {
		n.conn.Close()
		os.Remove(n.path)
		n.conn = nil
	}
}

// serve reads one request; it fails the test on a malformed one.
func (n *mcFakeNode) serve() (string, *net.UnixAddr, error) {
	buf := make([]byte, 2048)
	n.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	k, from, err := n.conn.ReadFromUnix(buf)
	if err != nil {
		return "", nil, err
	}
	cmd, err := decodeMconsoleRequest(buf[:k])
	return cmd, from, err
}

// play runs the node's side of a transcript and reports mismatches.
func (n *mcFakeNode) play(xs []mcExchange) {
	t := n.t
	open := true
	for _, x := range xs {
		if x.want.word == "invalid" || !open {
			continue
		}
		cmd, from, err := n.serve()
		if err != nil {
			t.Errorf("line %d: node: %v", x.do.line, err)
			return
		}
		if want := mcCommand(t, x.do); cmd != want {
			t.Errorf("line %d: node got %q, want %q", x.do.line, cmd, want)
		}
		if !strings.HasPrefix(from.Name, "@") {
			t.Errorf("line %d: client address %q is not abstract", x.do.line, from.Name)
		}
		for _, s := range x.node {
			switch s.verb {
			case "sleep":
				time.Sleep(s.dur(t, s.word))
			case "close":
				n.close()
				open = false
			case "rebind":
				n.close()
				n.bind()
			case "spoof":
				n.spoof(s, from)
			default:
				if n.conn == nil {
					t.Errorf("line %d: %s after close", s.line, s.verb)
					continue
				}
				for _, d := range mcDatagrams(t, s) {
					// The client may be gone already: that is the point of
					// some steps.
					n.conn.WriteToUnix(d, from)
				}
			}
		}
	}
}

// spoof sends a reply part to the client from a socket that is not the
// node's; the host kernel must refuse it.
func (n *mcFakeNode) spoof(s mcStep, to *net.UnixAddr) {
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM, 0)
	if err != nil {
		n.t.Fatal(err)
	}
	defer syscall.Close(fd)
	d := mcDatagram(0, 0, uint32(len(s.text)+1), s.text)
	err = syscall.Sendto(fd, d, 0, &syscall.SockaddrUnix{Name: to.Name})
	if !errors.Is(err, syscall.EPERM) {
		n.t.Errorf("line %d: spoofed reply: got %v, want EPERM", s.line, err)
	}
}

func mcCommand(t testing.TB, do mcStep) string {
	return strings.Repeat(do.text, int(do.num(t, "repeat", 1)))
}

func TestMconsoleTranscripts(t *testing.T) {
	files, err := filepath.Glob("testdata/mconsole/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			t.Parallel()
			xs := parseMconsoleTranscript(t, f)
			node := newMconsoleFakeNode(t)
			mc, err := DialMconsole(node.path)
			if err != nil {
				t.Fatal(err)
			}
			defer mc.Close()
			done := make(chan struct{})
			go func() {
				defer close(done)
				node.play(xs)
			}()
			for _, x := range xs {
				checkMconsoleExchange(t, mc, x)
			}
			<-done
		})
	}
}

func checkMconsoleExchange(t *testing.T, mc *Mconsole, x mcExchange) {
	t.Helper()
	deadline := 2 * time.Second
	if d, ok := x.do.args["deadline"]; ok {
		deadline = x.do.dur(t, d)
	}
	if d, ok := x.do.args["after"]; ok {
		time.Sleep(x.do.dur(t, d))
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	got, err := mc.Do(ctx, mcCommand(t, x.do))
	took := time.Since(start)

	w := x.want
	at := fmt.Sprintf("line %d (%s)", x.do.line, w.word)
	var me *MconsoleError
	var fe *MconsoleFormatError
	switch w.word {
	case "ok":
		if err != nil || got != w.text {
			t.Errorf("%s: got %q, %v; want %q", at, got, err, w.text)
		}
	case "error":
		if !errors.As(err, &me) || me.Msg != w.text {
			t.Errorf("%s: got %q, %v; want node error %q", at, got, err, w.text)
		} else if code := w.num(t, "code", 0); code != 0 && int64(me.Code) != code {
			t.Errorf("%s: error code %d, want %d", at, me.Code, code)
		}
	case "format":
		if !errors.As(err, &fe) {
			t.Errorf("%s: got %q, %v; want a format error", at, got, err)
		}
	case "timeout":
		if !errors.Is(err, ErrMconsoleTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: got %q, %v; want a timeout", at, got, err)
		}
		if took > deadline+150*time.Millisecond {
			t.Errorf("%s: took %v with a deadline of %v", at, took, deadline)
		}
	case "gone":
		if !errors.Is(err, ErrMconsoleGone) {
			t.Errorf("%s: got %q, %v; want ErrMconsoleGone", at, got, err)
		}
		if took > deadline/2 {
			t.Errorf("%s: took %v to see the node gone", at, took)
		}
	case "invalid":
		if err == nil || errors.As(err, &me) || errors.As(err, &fe) ||
			errors.Is(err, ErrMconsoleTimeout) {
			t.Errorf("%s: got %q, %v; want the command refused", at, got, err)
		}
	default:
		t.Fatalf("line %d: unknown want %q", w.line, w.word)
	}
	if err != nil && !strings.HasPrefix(err.Error(), "mconsole ") {
		t.Errorf("%s: message %q does not start with the operation", at, err)
	}
}

// mcEchoNode answers every request with its own text, after a pause.
func mcEchoNode(t *testing.T, pause time.Duration) *mcFakeNode {
	node := newMconsoleFakeNode(t)
	c := node.conn
	go func() {
		buf := make([]byte, 2048)
		for {
			k, from, err := c.ReadFromUnix(buf)
			if err != nil {
				return
			}
			cmd, err := decodeMconsoleRequest(buf[:k])
			if err != nil {
				cmd = "bad request: " + err.Error()
			}
			node.mu.Lock()
			node.last = cmd
			node.mu.Unlock()
			time.Sleep(pause)
			for _, d := range mcKernelReply(cmd, 0, false) {
				c.WriteToUnix(d, from)
			}
		}
	}()
	return node
}

func TestMconsoleWrappersSendCommands(t *testing.T) {
	node := mcEchoNode(t, 0)
	mc, err := DialMconsole(node.path)
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	ctx := context.Background()
	noText := func(f func(context.Context) error) func() (string, error) {
		return func() (string, error) { return "", f(ctx) }
	}

	for _, c := range []struct {
		sent string // what the node must receive
		call func() (string, error)
	}{
		{"version", func() (string, error) { return mc.Version(ctx) }},
		{"proc loadavg", func() (string, error) { return mc.Proc(ctx, "loadavg") }},
		{"proc sys/kernel/ostype", func() (string, error) { return mc.Proc(ctx, "sys/kernel/ostype") }},
		{"sysrq h", func() (string, error) { return mc.Sysrq(ctx, 'h') }},
		{"config ubd0", func() (string, error) { return mc.Config(ctx, "ubd0") }},
		{"config ubd1=a.cow,b", noText(func(ctx context.Context) error {
			return mc.ConfigSet(ctx, "ubd1", "a.cow,b")
		})},
		{"remove ubd1", noText(func(ctx context.Context) error { return mc.Remove(ctx, "ubd1") })},
		{"stop", noText(mc.Stop)},
		{"go", noText(mc.Go)},
		{"cad", noText(mc.Cad)},
		{"halt", noText(mc.Halt)},
		{"reboot", noText(mc.Reboot)},
	} {
		got, err := c.call()
		if err != nil || (got != "" && got != c.sent) || node.lastRequest() != c.sent {
			t.Errorf("%s: node got %q; client got %q, %v", c.sent, node.lastRequest(), got, err)
		}
	}
}

func TestMconsoleWrappersRefuseBadArguments(t *testing.T) {
	mc, err := DialMconsole(mcEchoNode(t, 0).path)
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	ctx := context.Background()
	for name, err := range map[string]error{
		"sysrq space":       mcSecond(mc.Sysrq(ctx, ' ')),
		"sysrq 0x80":        mcSecond(mc.Sysrq(ctx, 0x80)),
		"proc empty":        mcSecond(mc.Proc(ctx, "")),
		"proc two words":    mcSecond(mc.Proc(ctx, "loadavg meminfo")),
		"config with =":     mcSecond(mc.Config(ctx, "ubd0=x")),
		"config set empty":  mc.ConfigSet(ctx, "", "x"),
		"remove with space": mc.Remove(ctx, "ubd0 ubd1"),
	} {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func mcSecond(_ string, err error) error { return err }

func TestMconsoleProcStripsLeadingNewline(t *testing.T) {
	node := newMconsoleFakeNode(t)
	mc, err := DialMconsole(node.path)
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	go func() {
		_, from, err := node.serve()
		if err != nil {
			return
		}
		for _, d := range append(mcKernelReply("\n", 0, true),
			append(mcKernelReply("0.01 0.02 0.03 1/30 77\n", 0, true),
				mcKernelReply("", 0, false)...)...) {
			node.conn.WriteToUnix(d, from)
		}
	}()
	got, err := mc.Proc(context.Background(), "loadavg")
	if err != nil || got != "0.01 0.02 0.03 1/30 77\n" {
		t.Errorf("got %q, %v", got, err)
	}
}

// Concurrent callers each get their own answer.
func TestMconsoleConcurrentCallers(t *testing.T) {
	mc, err := DialMconsole(mcEchoNode(t, time.Millisecond).path)
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := fmt.Sprintf("log caller %d", i)
			got, err := mc.Do(context.Background(), cmd)
			if err != nil || got != cmd {
				t.Errorf("caller %d: got %q, %v", i, got, err)
			}
		}()
	}
	wg.Wait()
}

// A caller queued behind a slow exchange still keeps its own deadline.
func TestMconsoleQueuedCallerKeepsDeadline(t *testing.T) {
	mc, err := DialMconsole(mcEchoNode(t, time.Second).path)
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	go mc.Do(context.Background(), "version")
	time.Sleep(50 * time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = mc.Do(ctx, "version")
	if !errors.Is(err, ErrMconsoleTimeout) || time.Since(start) > 300*time.Millisecond {
		t.Errorf("got %v after %v", err, time.Since(start))
	}
}

// Cancelling the context ends the wait soon, without a deadline.
func TestMconsoleCancel(t *testing.T) {
	node := newMconsoleFakeNode(t) // never answers
	mc, err := DialMconsole(node.path)
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err = mc.Do(ctx, "version")
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrMconsoleTimeout) {
		t.Errorf("got %v", err)
	}
	if took := time.Since(start); took > 400*time.Millisecond {
		t.Errorf("cancel took %v", took)
	}
}

// Close ends an exchange under way, and later calls fail at once.
func TestMconsoleCloseInterrupts(t *testing.T) {
	node := newMconsoleFakeNode(t) // never answers
	mc, err := DialMconsole(node.path)
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(100*time.Millisecond, func() { mc.Close() })
	start := time.Now()
	_, err = mc.Do(context.Background(), "version")
	if !errors.Is(err, net.ErrClosed) || time.Since(start) > time.Second {
		t.Errorf("got %v after %v", err, time.Since(start))
	}
	if _, err := mc.Version(context.Background()); !errors.Is(err, net.ErrClosed) {
		t.Errorf("after close: %v", err)
	}
	if err := mc.Close(); err != nil {
		t.Errorf("mcSecond close: %v", err)
	}
}

// Without a deadline, the default one applies.
func TestMconsoleDefaultDeadline(t *testing.T) {
	mc, err := DialMconsole(newMconsoleFakeNode(t).path)
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	start := time.Now()
	_, err = mc.Version(context.Background())
	took := time.Since(start)
	if !errors.Is(err, ErrMconsoleTimeout) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v", err)
	}
	if took < DefaultMconsoleTimeout || took > DefaultMconsoleTimeout+time.Second {
		t.Errorf("took %v", took)
	}
}

func TestDialMconsole(t *testing.T) {
	dir := t.TempDir()
	if _, err := DialMconsole(filepath.Join(dir, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing socket: %v", err)
	}
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := DialMconsole(file); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("plain file: %v", err)
	}
	long := "/" + strings.Repeat("x", 120)
	if _, err := DialMconsole(long); err == nil {
		t.Errorf("overlong path accepted")
	}

	// A relative path reaches the same node.
	node := mcEchoNode(t, 0)
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, node.path)
	if err != nil {
		t.Fatal(err)
	}
	mc, err := DialMconsole(rel)
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	if got, err := mc.Version(context.Background()); err != nil || got != "version" {
		t.Errorf("got %q, %v", got, err)
	}
	// The client's own address is abstract: nothing but the node's socket
	// is left in its folder.
	ents, _ := os.ReadDir(filepath.Dir(node.path))
	if len(ents) != 1 {
		t.Errorf("files beside the node's socket: %v", ents)
	}
}
