// The mconsole client: User-Mode Linux's management console protocol.
//
// Spec: the kernel tree, arch/um/drivers/mconsole.h (layout),
// mconsole_user.c (receive, parse, reply) and mconsole_kern.c (the
// commands), read in linux 7.3.4. There is no other document.
//
// Transport: a Unix datagram socket that the node binds at
// <uml_dir>/<umid>/mconsole. The node answers with sendto() to the address
// the request came from, so a client must have an address of its own. An
// unnamed socket has none (Linux autobinds a datagram sender only when it
// passes credentials), so the client binds explicitly to an empty address:
// Linux then autobinds it to a unique abstract name ("@" and five hex
// digits) that leaves no file behind.
//
// Request (client to node), every word in host byte order:
//
//	u32 magic    0xcafebabe
//	u32 version  2
//	u32 len      length of the command text, at most 511
//	char data[512] the command text; the node adds the NUL at data[len]
//
// Reply (node to client), one or more datagrams of 12+len bytes each:
//
//	u32 err      0 for success; non-zero marks an error (1, or a negative
//	             errno such as -ENODEV from a device's config or remove)
//	u32 more     non-zero when another part follows
//	u32 len      bytes of data sent, including the terminating NUL
//	char data[len] at most 511 bytes of text, then a NUL
//
// Quirks, all seen in the source:
//   - Replies carry no magic and no request id: a late answer to an
//     abandoned request looks exactly like the answer to the next one.
//   - Commands are matched by prefix in a fixed table ("haltXYZ" halts),
//     and the text after the command word is the argument.
//   - err is set only on the first part of a reply from one
//     mconsole_reply() call, but a handler may make several calls: "proc"
//     sends "\n" (more) before the file's content, and a read error after
//     that arrives as a later part with err set. The error is then the
//     text from that part on.
//   - "sysrq" and "stack" send the kernel's console output produced while
//     the action runs as parts with more set, then an empty last part.
//     "sysrq b" answers first (an empty, complete reply) and reboots.
//   - "halt" and "reboot" answer before acting; the node then goes away
//     (reboot re-executes the kernel, which binds a new socket at the same
//     path). "stop" answers "stopped" and then serves requests itself until
//     "go", with signals blocked: the guest does nothing meanwhile, but the
//     mconsole still answers. A kernel stopped by a signal or by ptrace
//     answers nothing.
//   - A request with a version other than 2 gets an error reply and is
//     then executed anyway; a datagram without the magic gets a raw
//     "ERR Version 0 ..." text; the node keeps its last request in a static
//     buffer and does not check the datagram's size against len, so a short
//     datagram can re-run the previous command.
//
// This client, accordingly:
//   - sends the whole 524-byte request, always with version 2;
//   - uses a fresh socket for each exchange, so that once it is closed a
//     late answer has nowhere to go;
//   - connects that socket to the node's, which makes the host kernel
//     refuse datagrams from anyone else: nobody but the node can answer;
//   - finds the node by its path at each exchange, so it keeps working
//     across a reboot;
//   - while it waits, checks every 100 ms that the socket file that took
//     the request is still the same one and still bound, so that a node
//     that halts, reboots or dies without answering is reported at once
//     (ErrMconsoleGone) instead of at the deadline (ErrMconsoleTimeout);
//   - bounds a whole reply to 1 MiB and 8192 parts.

package vm

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	mconsoleMagic    = 0xcafebabe
	mconsoleVersion  = 2
	mconsoleMaxData  = 512                    // data bytes in a request or reply
	mconsoleHeader   = 12                     // three u32 words
	mconsoleMaxReply = 1 << 20                // bytes of text in a whole reply
	mconsoleMaxParts = 8192                   // parts in a whole reply
	mconsolePoll     = 100 * time.Millisecond // how often a wait checks the node
	mconsoleSunPath  = 108                    // sizeof(sockaddr_un.sun_path)
)

// DefaultMconsoleTimeout bounds an exchange whose context has no deadline.
const DefaultMconsoleTimeout = 5 * time.Second

var (
	// ErrMconsoleTimeout: the node did not answer before the deadline, as
	// happens when its kernel is stopped by a signal or a debugger.
	ErrMconsoleTimeout = errors.New("no reply before the deadline")
	// ErrMconsoleGone: no node listens on the socket, or the node that had
	// the request went away without answering it.
	ErrMconsoleGone = errors.New("no node listens on the mconsole socket")
)

// MconsoleError is an answer from the node with its error flag set.
type MconsoleError struct {
	Cmd  string // the request
	Msg  string // the node's text, e.g. "Unknown command"
	Code int32  // the err word: 1, or a negative errno from some devices
}

func (e *MconsoleError) Error() string {
	return fmt.Sprintf("mconsole %s: node answered: %s", mconsolePrintable(e.Cmd), e.Msg)
}

// MconsoleFormatError is a reply datagram that breaks the protocol.
type MconsoleFormatError struct {
	Size int    // bytes in the datagram, or in the reply so far
	Msg  string // what is wrong
}

func (e *MconsoleFormatError) Error() string {
	return fmt.Sprintf("mconsole reply: %s (%d bytes)", e.Msg, e.Size)
}

// mconsoleReply is one decoded reply datagram.
type mconsoleReply struct {
	Err  uint32 // non-zero: the node reports an error
	More bool   // another part follows
	Text string // data up to its first NUL
}

// decodeMconsoleReply decodes one reply datagram. It trusts nothing in b.
func decodeMconsoleReply(b []byte) (mconsoleReply, error) {
	if len(b) < mconsoleHeader {
		return mconsoleReply{}, &MconsoleFormatError{len(b), "shorter than the header"}
	}
	ne := binary.NativeEndian
	r := mconsoleReply{Err: ne.Uint32(b[0:]), More: ne.Uint32(b[4:]) != 0}
	n := ne.Uint32(b[8:])
	if n > mconsoleMaxData {
		msg := fmt.Sprintf("data length %d over %d", n, mconsoleMaxData)
		return mconsoleReply{}, &MconsoleFormatError{len(b), msg}
	}
	if len(b) != mconsoleHeader+int(n) {
		msg := fmt.Sprintf("size does not match data length %d", n)
		return mconsoleReply{}, &MconsoleFormatError{len(b), msg}
	}
	// The text is a C string: it ends at the first NUL, which the node
	// always sends.
	data := b[mconsoleHeader:]
	i := bytes.IndexByte(data, 0)
	if i < 0 {
		return mconsoleReply{}, &MconsoleFormatError{len(b), "data not NUL-terminated"}
	}
	r.Text = string(data[:i])
	return r, nil
}

// encodeMconsoleRequest builds the request datagram for cmd.
func encodeMconsoleRequest(cmd string) ([]byte, error) {
	switch {
	case cmd == "":
		return nil, errors.New("empty command")
	case len(cmd) >= mconsoleMaxData:
		return nil, fmt.Errorf("command of %d bytes, at most %d fit",
			len(cmd), mconsoleMaxData-1)
	case strings.IndexByte(cmd, 0) >= 0:
		return nil, errors.New("command contains a NUL byte")
	}
	b := make([]byte, mconsoleHeader+mconsoleMaxData)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], mconsoleMagic)
	ne.PutUint32(b[4:], mconsoleVersion)
	ne.PutUint32(b[8:], uint32(len(cmd)))
	copy(b[mconsoleHeader:], cmd)
	return b, nil
}

// mconsoleAnswer gathers the parts of one reply.
type mconsoleAnswer struct {
	text  strings.Builder
	parts int
	code  uint32 // err word of the first part that had one
	errAt int    // where the error's text begins in text
	done  bool
}

// add takes the next part; it fails when the reply grows past its bounds.
func (a *mconsoleAnswer) add(r mconsoleReply) error {
	a.parts++
	if a.parts > mconsoleMaxParts {
		return &MconsoleFormatError{a.text.Len(), "reply has too many parts"}
	}
	if a.text.Len()+len(r.Text) > mconsoleMaxReply {
		return &MconsoleFormatError{a.text.Len() + len(r.Text), "reply too long"}
	}
	if r.Err != 0 && a.code == 0 {
		a.code, a.errAt = r.Err, a.text.Len()
	}
	a.text.WriteString(r.Text)
	a.done = !r.More
	return nil
}

// result is the reply's text, or the node's error.
func (a *mconsoleAnswer) result(cmd string) (string, error) {
	if a.code != 0 {
		msg := a.text.String()[a.errAt:]
		return "", &MconsoleError{Cmd: cmd, Msg: msg, Code: int32(a.code)}
	}
	return a.text.String(), nil
}

// Mconsole talks to one node's management console. It is safe for
// concurrent use; requests are sent one at a time.
type Mconsole struct {
	path string
	turn chan struct{} // holding a value: the right to make an exchange

	mu     sync.Mutex
	conn   *net.UnixConn // the exchange under way, for Close
	closed chan struct{}
}

// DialMconsole prepares a client for the node whose mconsole socket is at
// sock. The socket must exist; the node may reboot behind it.
func DialMconsole(sock string) (*Mconsole, error) {
	if sock == "" {
		return nil, errors.New("dial mconsole: empty socket path")
	}
	p, err := filepath.Abs(sock)
	if err != nil {
		return nil, fmt.Errorf("dial mconsole: %w", err)
	}
	if len(p) >= mconsoleSunPath {
		return nil, fmt.Errorf("dial mconsole %s: path longer than %d bytes",
			p, mconsoleSunPath-1)
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("dial mconsole: %w", err)
	}
	if fi.Mode().Type() != os.ModeSocket {
		return nil, fmt.Errorf("dial mconsole %s: not a socket", p)
	}
	m := &Mconsole{path: p, turn: make(chan struct{}, 1), closed: make(chan struct{})}
	return m, nil
}

// Path is the node's socket.
func (m *Mconsole) Path() string { return m.path }

// Close ends the client and any exchange under way. It is idempotent.
func (m *Mconsole) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	select {
	case <-m.closed:
		return nil
	default:
	}
	close(m.closed)
	if m.conn != nil {
		m.conn.Close()
	}
	return nil
}

// Do sends cmd and returns the whole reply text, every part joined. An
// answer with the error flag is a *MconsoleError. The exchange ends by the
// context's deadline, or DefaultMconsoleTimeout when it has none.
func (m *Mconsole) Do(ctx context.Context, cmd string) (string, error) {
	op := "mconsole " + mconsolePrintable(cmd)
	req, err := encodeMconsoleRequest(cmd)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	if ctx.Err() != nil {
		return "", fmt.Errorf("%s: %w", op, mconsoleCtxErr(ctx))
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(DefaultMconsoleTimeout)
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case m.turn <- struct{}{}:
		defer func() { <-m.turn }()
	case <-m.closed:
		return "", fmt.Errorf("%s: %w", op, net.ErrClosed)
	case <-ctx.Done():
		return "", fmt.Errorf("%s: waiting for its turn: %w", op, mconsoleCtxErr(ctx))
	case <-timer.C:
		return "", fmt.Errorf("%s: waiting for its turn: %w", op, mconsoleTimeoutError(ctx))
	}

	a, err := m.exchange(ctx, req, deadline)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	return a.result(cmd)
}

// exchange sends one request on a socket of its own and reads the reply.
func (m *Mconsole) exchange(ctx context.Context, req []byte,
	deadline time.Time) (*mconsoleAnswer, error) {
	id, err := mconsoleSocketID(m.path)
	if errors.Is(err, syscall.ENOENT) {
		return nil, fmt.Errorf("%w: %w", ErrMconsoleGone, err)
	}
	if err != nil {
		return nil, err
	}
	c, err := m.open()
	if err != nil {
		return nil, err
	}
	defer m.release(c)

	if err := c.SetWriteDeadline(deadline); err != nil {
		return nil, err
	}
	if _, err := c.Write(req); err != nil {
		return nil, mconsoleIOError(ctx, err)
	}

	var a mconsoleAnswer
	buf := make([]byte, mconsoleHeader+mconsoleMaxData+1)
	for !a.done {
		if err := ctx.Err(); err != nil {
			return nil, mconsoleCtxErr(ctx)
		}
		wait := time.Now().Add(mconsolePoll)
		if wait.After(deadline) {
			wait = deadline
		}
		if err := c.SetReadDeadline(wait); err != nil {
			return nil, err
		}
		err := readMconsolePart(c, buf, &a)
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			if !time.Now().Before(deadline) {
				return nil, mconsoleTimeoutError(ctx)
			}
			if !mconsoleNodeAlive(m.path, id) {
				return nil, mconsoleLastWords(ctx, c, buf, &a)
			}
		case err != nil:
			return nil, mconsoleIOError(ctx, err)
		}
	}
	return &a, nil
}

// readMconsolePart reads one part, before the read deadline, into a.
func readMconsolePart(c *net.UnixConn, buf []byte, a *mconsoleAnswer) error {
	n, err := c.Read(buf)
	if err != nil {
		return err
	}
	r, err := decodeMconsoleReply(buf[:n])
	if err != nil {
		return err
	}
	return a.add(r)
}

// mconsoleLastWords reads what a node that went away sent before it went: its
// datagrams were queued before it could exit, so a short read finds them.
func mconsoleLastWords(ctx context.Context, c *net.UnixConn, buf []byte, a *mconsoleAnswer) error {
	for !a.done {
		if err := c.SetReadDeadline(time.Now().Add(20 * time.Millisecond)); err != nil {
			return err
		}
		err := readMconsolePart(c, buf, a)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return fmt.Errorf("node went away before replying: %w", ErrMconsoleGone)
		}
		if err != nil {
			return mconsoleIOError(ctx, err)
		}
	}
	return nil
}

// open makes the exchange's socket: autobound to an abstract address and
// connected to the node.
func (m *Mconsole) open() (*net.UnixConn, error) {
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	// An empty address asks Linux to autobind.
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{}); err != nil {
		syscall.Close(fd)
		return nil, fmt.Errorf("bind: %w", err)
	}
	if err := syscall.Connect(fd, &syscall.SockaddrUnix{Name: m.path}); err != nil {
		syscall.Close(fd)
		if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT) {
			return nil, fmt.Errorf("%w: connect: %w", ErrMconsoleGone, err)
		}
		return nil, fmt.Errorf("connect: %w", err)
	}
	f := os.NewFile(uintptr(fd), "mconsole")
	fc, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	c, ok := fc.(*net.UnixConn)
	if !ok {
		fc.Close()
		return nil, fmt.Errorf("socket is a %T", fc)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	select {
	case <-m.closed:
		c.Close()
		return nil, net.ErrClosed
	default:
	}
	m.conn = c
	return c, nil
}

func (m *Mconsole) release(c *net.UnixConn) {
	m.mu.Lock()
	m.conn = nil
	m.mu.Unlock()
	c.Close()
}

// mconsoleIOError names a failed send or receive.
func mconsoleIOError(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return mconsoleTimeoutError(ctx)
	case errors.Is(err, net.ErrClosed):
		return net.ErrClosed
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ENOENT):
		return fmt.Errorf("%w: %w", ErrMconsoleGone, err)
	}
	return err
}

// mconsoleTimeoutError is the error for a deadline that passed: the context's own,
// which may not have fired yet, or the default one.
func mconsoleTimeoutError(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return ctx.Err()
	}
	if _, ok := ctx.Deadline(); ok {
		return fmt.Errorf("%w: %w", ErrMconsoleTimeout, context.DeadlineExceeded)
	}
	return ErrMconsoleTimeout
}

// mconsoleCtxErr is a done context's error, as a timeout when its
// deadline passed.
func mconsoleCtxErr(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: %w", ErrMconsoleTimeout, ctx.Err())
	}
	return ctx.Err()
}

// mconsoleFileID tells one socket file from another bound later at the
// same path: the inode number alone may be reused at once.
type mconsoleFileID struct {
	dev, ino uint64
	ctime    syscall.Timespec
}

func mconsoleSocketID(p string) (mconsoleFileID, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(p, &st); err != nil {
		return mconsoleFileID{}, err
	}
	return mconsoleFileID{st.Dev, st.Ino, st.Ctim}, nil
}

// mconsoleNodeAlive tells whether the socket that had the request is still
// there and bound: a halted node removes it, a rebooted one binds a new
// one, a killed one leaves a file that refuses connections.
func mconsoleNodeAlive(p string, id mconsoleFileID) bool {
	now, err := mconsoleSocketID(p)
	if err != nil || now != id {
		return false
	}
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return true // cannot tell; let the deadline decide
	}
	defer syscall.Close(fd)
	err = syscall.Connect(fd, &syscall.SockaddrUnix{Name: p})
	return !errors.Is(err, syscall.ECONNREFUSED) && !errors.Is(err, syscall.ENOENT)
}

// mconsolePrintable is cmd as it should appear in a message.
func mconsolePrintable(cmd string) string {
	if strconv.CanBackquote(cmd) {
		return cmd
	}
	return strconv.Quote(cmd)
}

// Version is the node's uname: sysname, nodename, release, version and
// machine, separated by spaces.
func (m *Mconsole) Version(ctx context.Context) (string, error) {
	return m.Do(ctx, "version")
}

// Proc reads the guest's /proc/<file>, e.g. "loadavg" or "meminfo". It
// works while the guest's user space is wedged.
func (m *Mconsole) Proc(ctx context.Context, file string) (string, error) {
	if err := mconsoleArg("proc", file); err != nil {
		return "", err
	}
	s, err := m.Do(ctx, "proc "+file)
	// The node puts the file's content on a line of its own.
	return strings.TrimPrefix(s, "\n"), err
}

// Stop pauses the guest until Go. The node's mconsole keeps answering.
func (m *Mconsole) Stop(ctx context.Context) error {
	_, err := m.Do(ctx, "stop")
	return err
}

// Go resumes a guest paused by Stop; the node answers an error when it was
// not stopped.
func (m *Mconsole) Go(ctx context.Context) error {
	_, err := m.Do(ctx, "go")
	return err
}

// Halt powers the node off. The node answers before it goes, so success
// means it acted; a node that went away unanswered is ErrMconsoleGone.
func (m *Mconsole) Halt(ctx context.Context) error {
	_, err := m.Do(ctx, "halt")
	return err
}

// Reboot restarts the node's kernel, which binds its socket anew at the
// same path; this client keeps working with it.
func (m *Mconsole) Reboot(ctx context.Context) error {
	_, err := m.Do(ctx, "reboot")
	return err
}

// Sysrq runs the SysRq action for key and returns the kernel's console
// output it produced. Key 'b' reboots the node at once.
func (m *Mconsole) Sysrq(ctx context.Context, key byte) (string, error) {
	if key <= ' ' || key > '~' {
		return "", fmt.Errorf("mconsole sysrq: key %q is not a mconsolePrintable letter", key)
	}
	return m.Do(ctx, "sysrq "+string(rune(key)))
}

// Cad does what Ctrl-Alt-Del does: the guest's init decides (busybox init
// runs its ctrlaltdel action).
func (m *Mconsole) Cad(ctx context.Context) error {
	_, err := m.Do(ctx, "cad")
	return err
}

// Config reads the configuration of a device, e.g. "ubd0" answers
// "COW,root_fs" or "file"; "mem" answers the memory size.
func (m *Mconsole) Config(ctx context.Context, dev string) (string, error) {
	if err := mconsoleArg("config", dev); err != nil {
		return "", err
	}
	return m.Do(ctx, "config "+dev)
}

// ConfigSet adds or changes a device with the same syntax as on the
// kernel's command line: dev=value.
func (m *Mconsole) ConfigSet(ctx context.Context, dev, value string) error {
	if err := mconsoleArg("config", dev); err != nil {
		return err
	}
	_, err := m.Do(ctx, "config "+dev+"="+value)
	return err
}

// Remove unplugs a device; the node refuses one that is open or absent.
func (m *Mconsole) Remove(ctx context.Context, dev string) error {
	if err := mconsoleArg("remove", dev); err != nil {
		return err
	}
	_, err := m.Do(ctx, "remove "+dev)
	return err
}

// mconsoleArg checks a device or file name: one word, no '='.
func mconsoleArg(op, arg string) error {
	if arg == "" || strings.ContainsAny(arg, "= \t\n\x00") {
		return fmt.Errorf("mconsole %s: bad argument %q", op, arg)
	}
	return nil
}
