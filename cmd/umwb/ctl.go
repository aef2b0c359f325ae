package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"umwb/control"
	"umwb/vm"
)

const ctlUsage = `usage: umwb ctl [--cluster NAME] COMMAND [ARGS...]

Talks to the running umwb (TUI or --headless) through its control socket.
`

func ctlMain(args []string) int {
	fs := flag.NewFlagSet("umwb ctl", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cluster := fs.String("cluster", "", "the cluster to talk to, when several run")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(os.Stderr, "umwb ctl: %v\n%s%s\n", err, ctlUsage, control.Usage)
		return 2
	}
	args = fs.Args()
	if len(args) == 0 {
		// A mistake: the usage goes to stderr, as for any other.
		fmt.Fprintf(os.Stderr, "umwb ctl: no command\n%s%s\n", ctlUsage, control.Usage)
		return 2
	}
	if args[0] == "help" || args[0] == "--help" || args[0] == "-h" {
		fmt.Printf("%s%s\n\n%s\n", ctlUsage, control.Usage, control.DebugUsage)
		return 0
	}
	req, jsonOut, err := parseCtl(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "umwb ctl: %v\n%s%s\n\n%s\n", err, ctlUsage, control.Usage, control.DebugUsage)
		return 2
	}

	path, err := control.Find(vm.RunBase(), *cluster)
	if err != nil {
		fmt.Fprintf(os.Stderr, "umwb ctl: %v\n", err)
		return 1
	}
	c, err := control.Dial(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "umwb ctl: %v\n", err)
		return 1
	}
	defer c.Close()

	switch req.Cmd {
	case "events":
		return ctlEvents(c)
	case "status":
		var st vm.ClusterStatus
		if err := c.Call(req, &st); err != nil {
			fmt.Fprintf(os.Stderr, "umwb ctl: %v\n", err)
			return 1
		}
		if jsonOut {
			b, _ := json.MarshalIndent(st, "", "  ")
			fmt.Println(string(b))
		} else {
			printStatus(st)
		}
		return 0
	case "run":
		var res vm.RunResult
		if err := c.Call(req, &res); err != nil {
			fmt.Fprintf(os.Stderr, "umwb ctl: %v\n", err)
			return 1
		}
		fmt.Print(res.Output)
		if res.Status > 255 {
			return 255
		}
		return res.Status
	case "mconsole":
		var reply string
		err := c.Call(req, &reply)
		if reply != "" {
			fmt.Println(strings.TrimRight(reply, "\n"))
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "umwb ctl: %v\n", err)
			return 1
		}
		return 0
	}
	var raw json.RawMessage
	if err := c.Call(req, &raw); err != nil {
		fmt.Fprintf(os.Stderr, "umwb ctl: %v\n", err)
		return 1
	}
	if jsonOut {
		if len(raw) > 0 {
			fmt.Println(string(raw))
		}
		return 0
	}
	printDebug(req.Cmd, raw)
	return 0
}

// parseCtl turns command-line words into a request. It knows each
// command's shape so that mistakes are caught before anything is sent.
func parseCtl(args []string) (control.Request, bool, error) {
	req := control.Request{Cmd: args[0]}
	rest := args[1:]
	jsonOut := false
	// Flags may come anywhere before a "--".
	var words []string
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		switch {
		case a == "--":
			words = append(words, rest[i:]...)
			i = len(rest)
		case a == "--json":
			jsonOut = true
		case a == "--once":
			words = append(words, a)
		case a == "--timeout" && i+1 < len(rest):
			var secs float64
			if _, err := fmt.Sscanf(rest[i+1], "%g", &secs); err != nil || secs <= 0 {
				return req, false, fmt.Errorf("--timeout wants seconds, got %q", rest[i+1])
			}
			req.Timeout = secs
			i++
		case strings.HasPrefix(a, "--") && len(words) == 0:
			return req, false, fmt.Errorf("unknown flag %s", a)
		default:
			words = append(words, a)
		}
	}
	switch req.Cmd {
	case "status", "events":
		if len(words) != 0 {
			return req, false, fmt.Errorf("%s takes no arguments", req.Cmd)
		}
	case "boot", "halt", "reboot", "kill":
		if len(words) != 1 {
			return req, false, fmt.Errorf("usage: %s NODE|all", req.Cmd)
		}
	case "run":
		if len(words) < 3 || words[1] != "--" {
			return req, false, errors.New("usage: run NODE -- CMD...")
		}
		words = append(words[:1], words[2:]...)
	case "mconsole":
		if len(words) < 2 {
			return req, false, errors.New("usage: mconsole NODE CMD...")
		}
	case "wait":
		if len(words) != 2 {
			return req, false, errors.New("usage: wait NODE|all STATE")
		}
	case "pause", "cont", "next", "finish", "regs", "where", "breaks", "bt",
		"wait-stop", "detach":
		if len(words) != 1 {
			return req, false, fmt.Errorf("usage: %s NODE", req.Cmd)
		}
	case "step", "boot-paused":
		if len(words) < 1 || len(words) > 2 {
			return req, false, fmt.Errorf("usage: %s NODE [N|SYMBOL]", req.Cmd)
		}
	case "break":
		if len(words) != 2 && !(len(words) == 3 && words[2] == "--once") {
			return req, false, errors.New("usage: break NODE WHERE [--once]")
		}
	case "delete", "enable", "disable", "sym":
		if len(words) != 2 {
			return req, false, fmt.Errorf("usage: %s NODE ARG", req.Cmd)
		}
	case "x":
		if len(words) != 3 {
			return req, false, errors.New("usage: x NODE ADDR|SYMBOL LEN")
		}
	case "disas":
		if len(words) < 1 || len(words) > 3 {
			return req, false, errors.New("usage: disas NODE [WHERE] [N]")
		}
	default:
		return req, false, fmt.Errorf("unknown command %q", req.Cmd)
	}
	req.Args = words
	return req, jsonOut, nil
}

func printStatus(st vm.ClusterStatus) {
	fmt.Printf("cluster %s (%s)\n", st.Name, st.RunDir)
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NODE\tSTATE\tPID\tLOAD\tRUN/TASKS\tMEM USED\tSINCE\tNOTE")
	for _, n := range st.Nodes {
		load, tasks, mem := "-", "-", "-"
		if l := n.Load; l != nil {
			load = fmt.Sprintf("%.2f %.2f %.2f", l.Load1, l.Load5, l.Load15)
			tasks = fmt.Sprintf("%d/%d", l.Runnable, l.Tasks)
			mem = fmt.Sprintf("%d/%d MiB", l.MemUsed>>10, l.MemTotal>>10)
		}
		pid := "-"
		if n.Pid != 0 {
			pid = fmt.Sprint(n.Pid)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n.Name, n.State, pid, load, tasks, mem,
			time.Since(n.Since).Round(time.Second), n.Reason)
	}
	w.Flush()
}

func ctlEvents(c *control.Client) int {
	if err := c.Send(control.Request{Cmd: "events"}); err != nil {
		fmt.Fprintf(os.Stderr, "umwb ctl: %v\n", err)
		return 1
	}
	for {
		resp, err := c.Next()
		if err != nil {
			return 0
		}
		fmt.Println(string(resp.Result))
	}
}
