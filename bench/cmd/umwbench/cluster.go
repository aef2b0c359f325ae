package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// writeCluster writes a cluster file for name with nodes nodes, each
// booting with the cluster or not, and returns its path.
func writeCluster(dir, name string, nodes int, boot bool) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "name = %q\nmem = \"64M\"\n", name)
	for i := 1; i <= nodes; i++ {
		fmt.Fprintf(&b, "\n[[node]]\nname = %q\n", nodeName(i))
		if !boot {
			b.WriteString("boot = false\n")
		}
	}
	path := filepath.Join(dir, name+".toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return "", fmt.Errorf("write cluster file: %w", err)
	}
	return path, nil
}

func nodeName(i int) string { return fmt.Sprintf("node%d", i) }

// nodeArgs is the kernel command line umwb gives node number index of
// cluster (see cmdline in vm/node.go), with run as the run directory.
func nodeArgs(run, rootFS, cluster string, index int) []string {
	node := nodeName(index)
	return []string{
		"ubd0=" + filepath.Join(run, node+".cow") + "," + rootFS,
		"root=/dev/ubda", "rw",
		"umid=" + cluster + "-" + node,
		"uml_dir=" + filepath.Join(run, "uml"),
		"mem=64M",
		"con=null", "ssl=null", "con0=fd:0,fd:1",
		"umwb.name=" + node,
		fmt.Sprintf("umwb.node=%d", index),
		"umwb.cluster=" + cluster,
	}
}

// prompt is the guest shell's prompt on a node's console (PS1 in
// assets/rootfs/etc/profile).
func prompt(node string) string { return node + ":/# " }
