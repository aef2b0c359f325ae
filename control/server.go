package control

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"umwb/vm"
)

// Server answers control requests for one cluster.
type Server struct {
	c  *vm.Cluster
	ln net.Listener
	wg sync.WaitGroup
}

// Listen opens the control socket at path, private to the user.
func Listen(c *vm.Cluster, path string) (*Server, error) {
	os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen on control socket: %w", err)
	}
	os.Chmod(path, 0o600)
	return &Server{c: c, ln: ln}, nil
}

// Serve answers connections until Close.
func (s *Server) Serve() {
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveConn(conn)
		}()
	}
}

// Close stops accepting and removes the socket.
func (s *Server) Close() error {
	err := s.ln.Close()
	return err
}

func (s *Server) serveConn(conn net.Conn) {
	defer conn.Close()
	sc := bufio.NewScanner(conn)
	sc.Buffer(make([]byte, 64<<10), MaxLine)
	enc := json.NewEncoder(conn)
	for sc.Scan() {
		var req Request
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			enc.Encode(Response{Error: "bad request: " + err.Error()})
			return
		}
		if req.Cmd == "events" {
			s.streamEvents(conn, enc)
			return
		}
		res, err := s.handle(req)
		resp := Response{}
		if err != nil {
			resp.Error = err.Error()
		}
		if res != nil {
			b, merr := json.Marshal(res)
			if merr != nil {
				resp.Error = merr.Error()
			}
			resp.Result = b
		}
		if enc.Encode(resp) != nil {
			return
		}
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		enc.Encode(Response{Error: "bad request: line too long"})
	}
}

// streamEvents sends cluster events until the client goes away.
func (s *Server) streamEvents(conn net.Conn, enc *json.Encoder) {
	events, cancel := s.c.Subscribe()
	defer cancel()
	gone := make(chan struct{})
	go func() {
		buf := make([]byte, 1)
		conn.Read(buf)
		close(gone)
	}()
	for {
		select {
		case e, ok := <-events:
			if !ok {
				return
			}
			if e.State == vm.LoadEvent {
				continue
			}
			b, _ := json.Marshal(e)
			if enc.Encode(Response{Result: b}) != nil {
				return
			}
		case <-gone:
			return
		}
	}
}

// Usage lists the commands the server knows.
const Usage = `commands:
  status [--json]            nodes, states and load
  boot NODE|all              boot a node or every node that is not running
  halt NODE|all              halt a node or every running node
  reboot NODE|all            reboot
  kill NODE|all              kill a node's kernel with SIGKILL (as a crash)
  run NODE -- CMD...         type CMD into NODE's console, print its output,
                             exit with its status (--timeout SECONDS, default 60)
  mconsole NODE CMD...       send a management-console command (version,
                             proc FILE, stop, go, sysrq KEY, cad, config DEV,
                             remove DEV, halt, reboot)
  wait NODE|all STATE        wait until the node is in STATE (--timeout)
  events                     print cluster events as JSON lines`

func (s *Server) handle(req Request) (any, error) {
	timeout := time.Duration(req.Timeout * float64(time.Second))
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	arg := func(i int) string {
		if i < len(req.Args) {
			return req.Args[i]
		}
		return ""
	}
	need := func(n int, form string) error {
		if len(req.Args) < n {
			return fmt.Errorf("usage: %s", form)
		}
		return nil
	}
	if isDebugCommand(req.Cmd) {
		return s.handleDebug(ctx, req)
	}
	switch req.Cmd {
	case "status":
		return s.c.Status(), nil
	case "boot", "halt", "reboot", "kill":
		if err := need(1, req.Cmd+" NODE|all"); err != nil {
			return nil, err
		}
		f := map[string]func(string) error{"boot": s.c.Boot, "halt": s.c.Halt,
			"reboot": s.c.Reboot, "kill": s.c.Kill}[req.Cmd]
		return nil, f(arg(0))
	case "run":
		if err := need(2, "run NODE -- CMD..."); err != nil {
			return nil, err
		}
		n, err := s.c.Node(arg(0))
		if err != nil {
			return nil, err
		}
		res, err := n.Run(ctx, strings.Join(req.Args[1:], " "))
		if err != nil {
			return nil, err
		}
		return res, nil
	case "mconsole":
		if err := need(2, "mconsole NODE CMD..."); err != nil {
			return nil, err
		}
		n, err := s.c.Node(arg(0))
		if err != nil {
			return nil, err
		}
		return n.Mconsole(ctx, strings.Join(req.Args[1:], " "))
	case "wait":
		if err := need(2, "wait NODE|all STATE"); err != nil {
			return nil, err
		}
		want, err := vm.ParseState(arg(1))
		if err != nil {
			return nil, err
		}
		nodes, err := s.c.Select(arg(0))
		if err != nil {
			return nil, err
		}
		for _, n := range nodes {
			if _, err := n.WaitState(ctx, want); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	return nil, fmt.Errorf("unknown command %q\n%s\n%s", req.Cmd, Usage, DebugUsage)
}
