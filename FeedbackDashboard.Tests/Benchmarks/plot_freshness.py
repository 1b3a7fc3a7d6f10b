#!/usr/bin/env python3
"""Draws lag p95 against comments per installation for both schedules from bench-results/bench.json (key
"freshness") as an SVG, with the standard library only: usage plot_freshness.py bench.json out.svg"""
import json, math, sys

rows = json.load(open(sys.argv[1])).get("freshness", [])
W, H, L, R, T, B = 760, 420, 70, 210, 30, 50
xs = sorted({r["comments"] for r in rows})
if not xs:
    sys.exit("no freshness rows")
lags = [v for r in rows for k in ("all", "gt_3d") for v in [r["lag_p95_s"][k]] if v > 0]
ymin, ymax = 60, max(lags + [3600]) * 1.5
def x(n): return L + (W - L - R) * (math.log10(n) - math.log10(xs[0])) / max(1e-9, math.log10(xs[-1]) - math.log10(xs[0]))
def y(s): return T + (H - T - B) * (1 - (math.log10(max(s, ymin)) - math.log10(ymin)) / (math.log10(ymax) - math.log10(ymin)))
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{L}" y="18" font-size="14">Lag p95 from a change on GitHub to the database (5,000 points/h, share 0.5)</text>']
for s, label in [(60, "1 min"), (300, "5 min"), (1800, "30 min"), (3600, "1 h"), (6 * 3600, "6 h")]:
    if s <= ymax:
        out.append(f'<line x1="{L}" x2="{W - R}" y1="{y(s):.1f}" y2="{y(s):.1f}" stroke="#ddd"/><text x="{L - 8}" y="{y(s) + 4:.1f}" text-anchor="end">{label}</text>')
for n in xs:
    out.append(f'<line x1="{x(n):.1f}" x2="{x(n):.1f}" y1="{T}" y2="{H - B}" stroke="#eee"/><text x="{x(n):.1f}" y="{H - B + 18}" text-anchor="middle">{n:,}</text>')
out.append(f'<text x="{(L + W - R) / 2}" y="{H - 10}" text-anchor="middle">comments per installation</text>')
styles = {("tiers", "all"): ("#c0392b", ""), ("tiers", "gt_3d"): ("#c0392b", "6 4"),
          ("budget", "all"): ("#2471a3", ""), ("budget", "gt_3d"): ("#2471a3", "6 4")}
for i, ((schedule, band), (color, dash)) in enumerate(styles.items()):
    pts = sorted((r["comments"], r["lag_p95_s"][band]) for r in rows if r["schedule"] == schedule)
    if not pts:
        continue
    path = " ".join(f"{x(n):.1f},{y(v):.1f}" for n, v in pts)
    out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2" stroke-dasharray="{dash}"/>')
    out += [f'<circle cx="{x(n):.1f}" cy="{y(v):.1f}" r="3" fill="{color}"/>' for n, v in pts]
    ly = T + 20 + i * 20
    out.append(f'<line x1="{W - R + 10}" x2="{W - R + 40}" y1="{ly}" y2="{ly}" stroke="{color}" stroke-width="2" stroke-dasharray="{dash}"/>')
    out.append(f'<text x="{W - R + 46}" y="{ly + 4}">{schedule}, {"all changes" if band == "all" else "comments > 3 days"}</text>')
out.append("</svg>")
open(sys.argv[2], "w").write("\n".join(out))
