#!/usr/bin/env bash
# summary.sh ROWS STEPS BIG: the Markdown tables of a run.sh run from its
# rows (one measurement a line: "row key=value ...").
set -euo pipefail
rows=$1 steps=$2 big=$3

awk -v STEPS="$steps" -v BIG="$big" '
function sortnum(a, n,    i, j, t) {
	for (i = 2; i <= n; i++) {
		t = a[i]
		for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]
		a[j + 1] = t
	}
}
# stats KEY: "min | median | max" of the values listed under KEY.
function stats(key,    n, a, i, med) {
	n = split(vals[key], a, " ")
	if (n == 0) return "- | - | -"
	sortnum(a, n)
	med = n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	return sprintf("%s | %s | %s", fmt(a[1]), fmt(med), fmt(a[n]))
}
function median(key,    n, a) {
	n = split(vals[key], a, " ")
	if (n == 0) return 0
	sortnum(a, n)
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function fmt(x) { return x >= 100 ? sprintf("%.0f", x) : sprintf("%.2f", x) }
function add(key, x) { vals[key] = vals[key] (vals[key] == "" ? "" : " ") x; count[key]++ }
function note(key, s) { if (index(" " ends[key] " ", " " s " ") == 0) ends[key] = ends[key] (ends[key] == "" ? "" : " ") s }

$1 == "row" {
	delete v
	for (i = 2; i <= NF; i++) { eq = index($i, "="); v[substr($i, 1, eq - 1)] = substr($i, eq + 1) }
	name = v["tool"] " " v["variant"]
	if ("rate" in v) {
		key = name " " v["steps"]
		if (v["steps"] > 0 && v["blocked"] != "true" && v["blocked"] != "1") {
			add(key, v["rate"])
			if ("cpu_us" in v) { add(key " cpu", v["cpu_us"]); add(key " cs", v["cs"]) }
			byround[key, v["rep"]] = v["rate"]
		} else {
			failed[key]++
		}
		if (!(key in seen)) { seen[key] = 1; order[++nk] = key }
		if ("rip1" in v) note(key, v["rip1"])
	} else if ("us" in v) {
		add(name, v["us"])
		if ("pause_us" in v) { add(name " raw", v["pause_us"]); add(name " status", v["status_us"]) }
		if ("breaks_us" in v) { add(name " breaks", v["breaks_us"]); add(name " minus breaks", v["us_breaks"]) }
		if (!(name in seen)) { seen[name] = 1; porder[++np] = name }
	} else if ("ns" in v) {
		add(name, v["ns"])
		if ("cs" in v) add(name " cs", v["cs"])
		if (!(name in seen)) { seen[name] = 1; morder[++nm] = name }
	}
	if (v["rep"] > rounds) rounds = v["rep"]
}

END {
	printf "### Single-step rate, instructions per second\n\n"
	printf "| tool, variant | N | runs | min | median | max | tracer CPU µs/step | switches/step | where N steps ended |\n"
	printf "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n"
	for (i = 1; i <= nk; i++) {
		key = order[i]; split(key, k, " ")
		runs = count[key] + 0
		if (failed[key]) runs = runs " (+" failed[key] " blocked)"
		cpu = count[key " cpu"] ? fmt(median(key " cpu")) : "-"
		cs = count[key " cs"] ? fmt(median(key " cs")) : "-"
		printf "| %s %s | %s | %s | %s | %s | %s | %s |\n", k[1], k[2], k[3], runs, stats(key), cpu, cs, ends[key]
	}

	u = "umwb ctl-step " STEPS
	split("gdb batch-step " STEPS "|gdb percmd-step " STEPS "|gdb batch-replay " STEPS "|plain c " STEPS "|go engine " STEPS, others, "|")
	printf "\n### Ratios, umwb `ctl step %d` over each, per round\n\n", STEPS
	printf "| umwb / | rounds | min | median | max | ratio of medians |\n"
	printf "| --- | ---: | ---: | ---: | ---: | ---: |\n"
	for (j = 1; j <= 5; j++) {
		o = others[j]; rk = "ratio " o; n = 0
		for (r = 1; r <= rounds; r++)
			if (((u, r) in byround) && ((o, r) in byround)) { add(rk, byround[u, r] / byround[o, r]); n++ }
		m = median(o) > 0 ? sprintf("%.2f", median(u) / median(o)) : "-"
		split(o, k, " ")
		printf "| %s %s | %d | %s | %s |\n", k[1], k[2], n, stats(rk), m
	}

	if (nm) {
		printf "\n### Per-step work of the engine, timed alone on the stopped kernel, ns per call\n\n"
		printf "| piece | runs | min | median | max | process switches per call |\n| --- | ---: | ---: | ---: | ---: | ---: |\n"
		for (i = 1; i <= nm; i++) {
			m = morder[i]
			printf "| %s | %d | %s | %s |\n", m, count[m], stats(m), count[m " cs"] ? sprintf("%.3f", median(m " cs")) : "-"
		}
	}

	printf "\n### Pause latency, microseconds\n\n"
	printf "| measured as | runs | min | median | max |\n| --- | ---: | ---: | ---: | ---: |\n"
	for (i = 1; i <= np; i++) {
		p = porder[i]
		if (p == "ctl pause") {
			printf "| `umwb ctl pause` minus `umwb ctl status` (processes) | %d | %s |\n", count[p], stats(p)
			printf "| `umwb ctl pause` round trip | %d | %s |\n", count[p " raw"], stats(p " raw")
			printf "| `umwb ctl status` round trip (baseline) | %d | %s |\n", count[p " status"], stats(p " status")
			if (count[p " breaks"]) {
				printf "| `umwb ctl pause` minus `umwb ctl breaks` (processes) | %d | %s |\n", count[p " minus breaks"], stats(p " minus breaks")
				printf "| `umwb ctl breaks` round trip (baseline 2) | %d | %s |\n", count[p " breaks"], stats(p " breaks")
			}
		} else if (p == "goclient pause") {
			printf "| pause minus status, one socket connection | %d | %s |\n", count[p], stats(p)
			printf "| pause request, one socket connection | %d | %s |\n", count[p " raw"], stats(p " raw")
		} else if (p == "go pause") {
			printf "| Engine.Pause called directly (inside) | %d | %s |\n", count[p], stats(p)
		} else {
			printf "| %s | %d | %s |\n", p, count[p], stats(p)
		}
	}
}' "$rows"
