#!/usr/bin/env python3
"""The platform load mix's chart (scripts/bench/platform.sh), an SVG without dependencies:
x = offered load (requests/s), left y = achieved throughput (solid), right y = the mix's
p99 in ms (dashed), a line at the p99 limit; one colour per database, the knee ringed.
p99 values above the right axis's top are drawn on it as a triangle with their value.

  chart.py OUT.svg --limit-ms 50 SQLite=sqlite.jsonl PostgreSQL=postgresql.jsonl
"""
import argparse
import json
import math
from xml.sax.saxutils import escape

COLOURS = ["#1f6fb4", "#d9541e", "#2a9d4b", "#8e44ad"]
WIDTH, HEIGHT = 820, 490
LEFT, RIGHT, TOP, BOTTOM = 78, 78, 58, 112


def nice_step(span, ticks=6):
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for m in (1, 2, 2.5, 5, 10):
        if m * power >= raw:
            return m * power
    return 10 * power


def nice_max(value, ticks=6):
    step = nice_step(value, ticks)
    return step * math.ceil(value / step), step


def fmt(value):
    return f"{value:,.0f}" if value >= 10 or value == 0 else f"{value:g}"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--limit-ms", type=float, default=50)
    parser.add_argument("series", nargs="+", help="LABEL=results.jsonl")
    args = parser.parse_args()

    series = []
    for item in args.series:
        label, path = item.split("=", 1)
        steps = [json.loads(line) for line in open(path) if line.strip()]
        if steps:
            passed = [s for s in steps if s["passed"]]
            knee = max(passed, key=lambda s: s["offered"]) if passed else None
            series.append((label, steps, knee))

    offered_max = max(s["offered"] for _, steps, _ in series for s in steps)
    rate_max = max([offered_max] + [s["achieved"] for _, steps, _ in series for s in steps])
    x_max, x_step = nice_max(offered_max * 1.05)
    y_max, y_step = nice_max(rate_max * 1.05)
    p_top, p_step = nice_max(args.limit_ms * 4)  # p99 above 4x the limit is clipped

    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    sx = lambda x: LEFT + plot_w * x / x_max
    sy = lambda y: TOP + plot_h * (1 - y / y_max)
    sp = lambda p: TOP + plot_h * (1 - min(p, p_top) / p_top)

    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{WIDTH / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">'
           'Platform load mix through the gateway: throughput and p99 against offered load</text>']
    # Grid and axes.
    x = 0.0
    while x <= x_max + 1e-9:
        svg.append(f'<line x1="{sx(x):.1f}" y1="{TOP}" x2="{sx(x):.1f}" y2="{TOP + plot_h}" stroke="#eee"/>')
        svg.append(f'<text x="{sx(x):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">{fmt(x)}</text>')
        x += x_step
    y = 0.0
    while y <= y_max + 1e-9:
        svg.append(f'<line x1="{LEFT}" y1="{sy(y):.1f}" x2="{LEFT + plot_w}" y2="{sy(y):.1f}" stroke="#eee"/>')
        svg.append(f'<text x="{LEFT - 8}" y="{sy(y) + 4:.1f}" text-anchor="end">{fmt(y)}</text>')
        y += y_step
    p = 0.0
    while p <= p_top + 1e-9:
        svg.append(f'<text x="{LEFT + plot_w + 8}" y="{sp(p) + 4:.1f}" text-anchor="start">{fmt(p)}</text>')
        p += p_step
    svg.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#444"/>')
    svg.append(f'<text x="{LEFT + plot_w / 2}" y="{TOP + plot_h + 40}" text-anchor="middle">'
               'offered load (requests/s)</text>')
    svg.append(f'<text transform="translate({LEFT - 56},{TOP + plot_h / 2}) rotate(-90)" '
               'text-anchor="middle">achieved throughput (requests/s), solid</text>')
    svg.append(f'<text transform="translate({LEFT + plot_w + 56},{TOP + plot_h / 2}) rotate(90)" '
               'text-anchor="middle">p99 latency (ms), dashed</text>')
    # Throughput equal to the offered load, and the p99 limit.
    end = min(x_max, y_max)
    svg.append(f'<line x1="{sx(0)}" y1="{sy(0)}" x2="{sx(end):.1f}" y2="{sy(end):.1f}" '
               'stroke="#999" stroke-dasharray="2,4"/>')
    ly = HEIGHT - 52 + 18 * len(series)
    svg.append(f'<line x1="{LEFT + 10}" y1="{ly}" x2="{LEFT + 56}" y2="{ly}" stroke="#999" '
               'stroke-dasharray="2,4"/>')
    svg.append(f'<text x="{LEFT + 72}" y="{ly + 4}" fill="#555">achieved = offered</text>')
    svg.append(f'<line x1="{LEFT}" y1="{sp(args.limit_ms):.1f}" x2="{LEFT + plot_w}" '
               f'y2="{sp(args.limit_ms):.1f}" stroke="#b00" stroke-width="1.2" stroke-dasharray="8,4"/>')
    svg.append(f'<text x="{LEFT + 6}" y="{sp(args.limit_ms) - 6:.1f}" fill="#b00">'
               f'p99 limit {args.limit_ms:g} ms</text>')

    for index, (label, steps, knee) in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        points = " ".join(f"{sx(s['offered']):.1f},{sy(s['achieved']):.1f}" for s in steps)
        svg.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.2"/>')
        for s in steps:
            svg.append(f'<circle cx="{sx(s["offered"]):.1f}" cy="{sy(s["achieved"]):.1f}" r="3.5" '
                       f'fill="{colour}"><title>{escape(label)}: {s["offered"]:g} offered, '
                       f'{s["achieved"]:.0f} achieved</title></circle>')
        points = " ".join(f"{sx(s['offered']):.1f},{sp(s['p99_ms']):.1f}" for s in steps)
        svg.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.8" '
                   'stroke-dasharray="6,4"/>')
        for s in steps:
            cx, cy = sx(s["offered"]), sp(s["p99_ms"])
            tip = f'<title>{escape(label)}: {s["offered"]:g} offered, p99 {s["p99_ms"]:.1f} ms</title>'
            if s["p99_ms"] > p_top:
                svg.append(f'<path d="M{cx - 5:.1f},{cy + 4:.1f} L{cx + 5:.1f},{cy + 4:.1f} '
                           f'L{cx:.1f},{cy - 5:.1f} Z" fill="{colour}">{tip}</path>')
                svg.append(f'<text x="{cx + 7:.1f}" y="{cy + 12 + 12 * index:.1f}" fill="{colour}" '
                           f'font-size="10">{s["p99_ms"]:,.0f} ms</text>')
            else:
                svg.append(f'<rect x="{cx - 3:.1f}" y="{cy - 3:.1f}" width="6" height="6" '
                           f'fill="white" stroke="{colour}" stroke-width="1.5">{tip}</rect>')
        if knee:
            svg.append(f'<circle cx="{sx(knee["offered"]):.1f}" cy="{sy(knee["achieved"]):.1f}" '
                       f'r="8" fill="none" stroke="{colour}" stroke-width="1.5"/>')
        # Legend.
        lx, ly = LEFT + 10, HEIGHT - 52 + 18 * index
        svg.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 26}" y2="{ly}" stroke="{colour}" stroke-width="2.2"/>')
        svg.append(f'<line x1="{lx + 30}" y1="{ly}" x2="{lx + 56}" y2="{ly}" stroke="{colour}" '
                   'stroke-width="1.8" stroke-dasharray="6,4"/>')
        text = f"{label}: throughput (solid), p99 (dashed)"
        if knee:
            text += f" (knee {knee['achieved']:,.0f} req/s at p99 {knee['p99_ms']:.0f} ms, ringed)"
        svg.append(f'<text x="{lx + 62}" y="{ly + 4}">{escape(text)}</text>')
    svg.append("</svg>")
    with open(args.out, "w") as out:
        out.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main()
