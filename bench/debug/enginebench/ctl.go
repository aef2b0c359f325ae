package main

import (
	"flag"
	"fmt"
	"time"

	"umwb/control"
	"umwb/vm"
)

// client is one connection to umwb's control socket.
type client struct{ c *control.Client }

func dialUmwb() (*client, error) {
	path, err := control.Find(vm.RunBase(), "")
	if err != nil {
		return nil, err
	}
	c, err := control.Dial(path)
	if err != nil {
		return nil, err
	}
	return &client{c}, nil
}

// call times one request, in microseconds.
func (c *client) call(out any, cmd string, args ...string) (float64, error) {
	t0 := time.Now()
	err := c.c.Call(control.Request{Cmd: cmd, Args: args}, out)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", cmd, err)
	}
	return time.Since(t0).Seconds() * 1e6, nil
}

// ctlPauseMain times pause, cont and the status baseline over one
// connection: no process start-up in them.
func ctlPauseMain(args []string) error {
	fs := flag.NewFlagSet("ctlpause", flag.ContinueOnError)
	node := fs.String("node", "node1", "the node")
	n := fs.Int("pauses", 20, "pauses to time")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := dialUmwb()
	if err != nil {
		return fmt.Errorf("ctlpause: %w", err)
	}
	defer c.c.Close()
	for i := 1; i <= *n; i++ {
		time.Sleep(100 * time.Millisecond)
		status, err := c.call(nil, "status")
		if err != nil {
			return fmt.Errorf("ctlpause: %w", err)
		}
		pause, err := c.call(nil, "pause", *node)
		if err != nil {
			return fmt.Errorf("ctlpause: %w", err)
		}
		cont, err := c.call(nil, "cont", *node)
		if err != nil {
			return fmt.Errorf("ctlpause: %w", err)
		}
		fmt.Printf("row tool=goclient variant=pause rep=%d status_us=%.1f pause_us=%.1f cont_us=%.1f us=%.1f\n",
			i, status, pause, cont, pause-status)
	}
	return nil
}

// ctlStepMain times single steps, one request each, on a paused node:
// what a front end pays per instruction when it asks for one at a time.
func ctlStepMain(args []string) error {
	fs := flag.NewFlagSet("ctlstep", flag.ContinueOnError)
	node := fs.String("node", "node1", "the node")
	n := fs.Int("steps", 200, "requests")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c, err := dialUmwb()
	if err != nil {
		return fmt.Errorf("ctlstep: %w", err)
	}
	defer c.c.Close()
	var res struct {
		Stop struct {
			Reason string `json:"reason"`
			PC     uint64 `json:"pc"`
		} `json:"stop"`
	}
	var total float64
	done := 0
	for done < *n {
		us, err := c.call(&res, "step", *node, "1")
		if err != nil {
			return fmt.Errorf("ctlstep: %w", err)
		}
		total += us
		if res.Stop.Reason != "stepped" {
			break
		}
		done++
	}
	fmt.Printf("row tool=goclient variant=step1 steps=%d secs=%.6f rate=%.0f rip1=%#x blocked=%v\n",
		done, total/1e6, float64(done)/(total/1e6), res.Stop.PC, done < *n)
	return nil
}
