#!/usr/bin/env python3
"""Figures of the platform load mix (scripts/bench/platform.sh).

  results.py step DIR --step N --offered R --limit-ms 50 --min-ratio 0.9 --out results.jsonl
      merges one step's wrk reports (DIR/<operation>.json, written by common.lua's done())
      and DIR/rss.txt ("service rss_kb hwm_kb" lines) into one JSON line appended to
      --out; prints "pass" or "fail" on stdout and a summary line on stderr.
  results.py knee results.jsonl          the knee in a few words
  results.py markdown results.jsonl --label SQLite --limit-ms 50 --min-ratio 0.9
      the database's part of the section: the ramp, the operations and RSS at the knee.

Percentiles of the whole mix come from the operations' percentile grids, weighted by
their requests: G(x) = sum over operations of share * F_op(x), F_op piecewise linear
between the grid's points (1, 2, ... 95, 95.5, ... 99, 99.1, ... 99.9, 99.95, 99.99, max).
"""
import argparse
import json
import os
import sys

OPERATIONS = ["browse", "search", "read", "write", "upload"]
LABELS = {
    "browse": "browse syllabi (lists, filters, later pages)",
    "search": "search syllabi (full text)",
    "read": "read one syllabus, expanded",
    "write": "writes (edit a draft, new syllabus, new subject)",
    "upload": "upload a PDF (multipart)",
}
SERVICES = ["api-gateway", "config-service", "subject-service", "file-service",
            "syllabus-service", "redis"]


def cdf(grid, x):
    """F(x) of one operation from its (percentile, µs) grid."""
    if not grid:
        return 1.0
    if x < grid[0][1]:
        return grid[0][0] / 100 * (x / grid[0][1] if grid[0][1] > 0 else 1)
    for (p0, v0), (p1, v1) in zip(grid, grid[1:]):
        if v0 <= x < v1:
            return (p0 + (p1 - p0) * (x - v0) / (v1 - v0)) / 100
    return 1.0


def merged_percentile(parts, q):
    """The q-quantile (0..1) of the mix: parts is [(weight, grid)], weights summing to 1."""
    parts = [(w, g) for w, g in parts if w > 0 and g]
    if not parts:
        return 0.0
    candidates = sorted({v for _, g in parts for _, v in g})
    previous_x, previous_g = 0.0, 0.0
    for x in candidates:
        value = sum(w * cdf(g, x) for w, g in parts)
        if value >= q - 1e-12:
            if value == previous_g:
                return x
            return previous_x + (x - previous_x) * (q - previous_g) / (value - previous_g)
        previous_x, previous_g = x, value
    return candidates[-1]


def own_percentile(grid, p):
    for q, v in grid:
        if abs(q - p) < 1e-9:
            return v
    return 0


def errors_of(report):
    e = report["errors"]
    bad_status = sum(n for status, n in report["statuses"].items() if int(status) >= 400)
    return bad_status + e["connect"] + e["read"] + e["write"] + e["timeout"]


def error_notes(report):
    notes = [f"{status}×{n}" for status, n in sorted(report["statuses"].items())
             if int(status) >= 400]
    for kind in ("connect", "read", "write", "timeout"):
        if report["errors"][kind]:
            notes.append(f"socket {kind}×{report['errors'][kind]}")
    return notes


def step(args):
    reports = {}
    for op in OPERATIONS:
        path = os.path.join(args.dir, op + ".json")
        if os.path.exists(path):
            reports[op] = json.load(open(path))
    total = sum(r["requests"] for r in reports.values())
    operations = {}
    for op, r in reports.items():
        seconds = r["duration_us"] / 1e6
        operations[op] = {
            "offered": r["offered"],
            "requests": r["requests"],
            "rate": r["requests"] / seconds if seconds else 0,
            "p50_ms": own_percentile(r["grid"], 50) / 1000,
            "p99_ms": own_percentile(r["grid"], 99) / 1000,
            "max_ms": own_percentile(r["grid"], 100) / 1000,
            "errors": errors_of(r),
            "error_notes": error_notes(r),
        }
    parts = [(r["requests"] / total if total else 0, r["grid"]) for r in reports.values()]
    rss = {}
    rss_path = os.path.join(args.dir, "rss.txt")
    if os.path.exists(rss_path):
        for line in open(rss_path):
            fields = line.split()
            if len(fields) == 3:
                rss[fields[0]] = {"rss_kb": int(fields[1]), "hwm_kb": int(fields[2])}
    cpu = {}
    begin_path, end_path = (os.path.join(args.dir, f"cpu-{at}.txt") for at in ("begin", "end"))
    if os.path.exists(begin_path) and os.path.exists(end_path):
        begin, end = (open(p).read().split("\n") for p in (begin_path, end_path))
        wall = (int(end[0]) - int(begin[0])) / 1e9
        before = dict(line.split() for line in begin[1:] if line.strip())
        tick = os.sysconf("SC_CLK_TCK")
        for line in end[1:]:
            if line.strip():
                name, ticks = line.split()
                if name in before and wall > 0:
                    cpu[name] = (int(ticks) - int(before[name])) / tick / wall
    achieved = sum(o["rate"] for o in operations.values())
    errors = sum(o["errors"] for o in operations.values())
    result = {
        "step": args.step,
        "offered": args.offered,
        "achieved": achieved,
        "requests": total,
        "p50_ms": merged_percentile(parts, 0.50) / 1000,
        "p99_ms": merged_percentile(parts, 0.99) / 1000,
        "errors": errors,
        "operations": operations,
        "rss": rss,
        "cpu": cpu,
    }
    reasons = []
    if result["p99_ms"] > args.limit_ms:
        reasons.append(f"p99 over {args.limit_ms:g} ms")
    if achieved < args.min_ratio * args.offered:
        reasons.append(f"achieved under {args.min_ratio:.0%} of offered")
    if total and errors / total > 0.01:
        reasons.append("errors over 1%")
    result["passed"] = not reasons
    result["reasons"] = reasons
    with open(args.out, "a") as out:
        out.write(json.dumps(result) + "\n")
    notes = "; ".join(f"{op} {', '.join(o['error_notes'])}" for op, o in operations.items()
                      if o["error_notes"])
    print(f"  step {args.step}: offered {args.offered:g}/s, achieved {achieved:.0f}/s, "
          f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, errors {errors}"
          f"{' (' + notes + ')' if notes else ''}"
          f"{' — ' + ', '.join(reasons) if reasons else ''}", file=sys.stderr)
    print("pass" if result["passed"] else "fail")


def load(path):
    return [json.loads(line) for line in open(path) if line.strip()]


def knee_of(steps):
    passed = [s for s in steps if s["passed"]]
    return max(passed, key=lambda s: s["offered"]) if passed else None


def knee(args):
    steps = load(args.results)
    k = knee_of(steps)
    if k is None:
        print(f"no step passed (from {steps[0]['offered']:g} req/s offered)" if steps else "no step ran")
    else:
        print(f"{k['offered']:g} req/s offered, {k['achieved']:.0f} sustained, "
              f"p99 {k['p99_ms']:.1f} ms")


def mib(kb):
    return f"{kb / 1024:.1f}"


def markdown(args):
    steps = load(args.results)
    k = knee_of(steps)
    out = [f"#### {args.label}", ""]
    out.append("| step | offered req/s | achieved req/s | p50 ms | p99 ms | errors | note |")
    out.append("|---:|---:|---:|---:|---:|---:|---|")
    for s in steps:
        notes = "; ".join(f"{op}: {', '.join(o['error_notes'])}"
                          for op, o in s["operations"].items() if o["error_notes"])
        verdict = "**knee**" if s is k else ", ".join(s["reasons"])
        if notes:
            verdict = (verdict + "; " if verdict else "") + notes
        out.append(f"| {s['step']} | {s['offered']:g} | {s['achieved']:.0f} | {s['p50_ms']:.2f} | "
                   f"{s['p99_ms']:.2f} | {s['errors']} | {verdict} |")
    out.append("")
    if k is None:
        out.append(f"No step passed: p99 was over {args.limit_ms:g} ms (or the platform fell "
                   "behind, or more than 1% failed) from the first step on.")
        out.append("")
        print("\n".join(out))
        return
    out.append(f"Knee: step {k['step']}, {k['offered']:g} requests/s offered, "
               f"**{k['achieved']:.0f} requests/s sustained**, p50 {k['p50_ms']:.2f} ms, "
               f"p99 {k['p99_ms']:.2f} ms, {k['errors']} errors in {k['requests']} requests.")
    out.append("")
    out.append("| at the knee: operation (share of the mix) | requests/s | p50 ms | p99 ms | max ms | errors |")
    out.append("|---|---:|---:|---:|---:|---:|")
    for op in OPERATIONS:
        o = k["operations"].get(op)
        if o is None:
            continue
        errors = str(o["errors"]) + (f" ({', '.join(o['error_notes'])})" if o["error_notes"] else "")
        share = 100 * o["offered"] / k["offered"]
        out.append(f"| {LABELS[op]} ({share:.0f}%) | {o['rate']:.1f} | {o['p50_ms']:.2f} | "
                   f"{o['p99_ms']:.2f} | {o['max_ms']:.2f} | {errors} |")
    out.append("")
    last = steps[-1]
    out.append("| process | RSS MiB at the end of the knee step | peak RSS MiB over the run (VmHWM) "
               "| CPU during the knee step (cores) |")
    out.append("|---|---:|---:|---:|")
    cpu = k.get("cpu", {})
    if "machine" in cpu:
        cpu["other"] = max(0.0, cpu["machine"] - sum(v for key, v in cpu.items() if key != "machine"))
    names = SERVICES + ["postgresql (every process of the cluster)", "wrk (the five)",
                        "anything else on the machine", "the whole machine"]
    keys = SERVICES + ["postgresql", "wrk", "other", "machine"]
    for name, key in zip(names, keys):
        at_knee = k["rss"].get(key)
        peak = last["rss"].get(key)
        if at_knee is None and peak is None and key not in cpu:
            continue
        cores = f"{cpu[key]:.2f}" if key in cpu else "—"
        out.append(f"| {name} | {mib(at_knee['rss_kb']) if at_knee else '—'} | "
                   f"{mib(peak['hwm_kb']) if peak else '—'} | {cores} |")
    out.append("")
    print("\n".join(out))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("step")
    p.add_argument("dir")
    p.add_argument("--step", type=int, required=True)
    p.add_argument("--offered", type=float, required=True)
    p.add_argument("--limit-ms", type=float, default=50)
    p.add_argument("--min-ratio", type=float, default=0.9)
    p.add_argument("--out", required=True)
    p = sub.add_parser("knee")
    p.add_argument("results")
    p = sub.add_parser("markdown")
    p.add_argument("results")
    p.add_argument("--label", required=True)
    p.add_argument("--limit-ms", type=float, default=50)
    args = parser.parse_args()
    {"step": step, "knee": knee, "markdown": markdown}[args.command](args)


if __name__ == "__main__":
    main()
