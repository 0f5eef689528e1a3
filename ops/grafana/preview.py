#!/usr/bin/env python3
"""Render chanmux.json's panels as a static HTML page from a live Prometheus, without Grafana.

Every panel's own query is run against Prometheus (query_range), with the dashboard's variables
set to "all" and $__rate_interval to four scrape intervals, and drawn as an SVG in the panel's
place on Grafana's 24-column grid. The page is what docs/operations.md shows as the dashboard
preview (screenshot it with a headless browser); it is a preview, not a replacement for Grafana.

    python3 ops/grafana/preview.py --prometheus http://127.0.0.1:9090 --minutes 5 --out preview.html
    chromium --headless --no-sandbox --hide-scrollbars --window-size=1560,2060 --screenshot=preview.png preview.html

Standard library only.
"""
import argparse
import html
import json
import math
import pathlib
import re
import time
import urllib.parse
import urllib.request

GRID_UNIT_PX = 64   # one of Grafana's 24 columns
ROW_UNIT_PX = 30    # one grid row
LIMIT_COLOR = "#f2495c"  # limits are drawn dashed and red, as the dashboard's overrides ask
COLORS = ["#73bf69", "#f2cc0c", "#5794f2", "#ff9830", "#f2495c", "#b877d9", "#8ab8ff", "#96d98d", "#ffb357"]


def query_range(prometheus, expr, start, end, step):
    params = urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": step})
    with urllib.request.urlopen(f"{prometheus}/api/v1/query_range?{params}", timeout=30) as response:
        body = json.load(response)
    if body.get("status") != "success":
        raise SystemExit(f"query failed: {expr}: {body}")
    return body["data"]["result"]


def substitute(expr, rate_interval):
    return expr.replace("$__rate_interval", rate_interval).replace('"$job"', '".*"').replace('"$instance"', '".*"')


def legend(template, labels):
    text = template or "{{__name__}}"
    for key, value in labels.items():
        text = text.replace("{{" + key + "}}", value)
    return text.replace("{{instance}}", "").strip()


def human(value, unit):
    """A value as Grafana would label it: SI prefixes (binary for bytes), the unit's suffix."""
    if value is None or math.isnan(value):
        return "-"
    if unit == "percentunit":
        return f"{value * 100:.1f}%"
    if unit == "s":
        return f"{value * 1000:.3g} ms" if 0 < abs(value) < 1 else f"{value:.3g} s"
    suffix = {"pps": " p/s", "Bps": "B/s", "bytes": "B", "ops": " ops/s", "reqps": " req/s"}.get(unit, "")
    base, prefixes = (1024, ["", " Ki", " Mi", " Gi"]) if unit in ("Bps", "bytes") else (1000, ["", "K", "M", "G"])
    for prefix in prefixes:
        if abs(value) < base or prefix == prefixes[-1]:
            if unit in ("Bps", "bytes") and not prefix:
                prefix = " "
            return f"{value:.3g}{prefix}{suffix}"
        value /= base


def series_of(panel, prometheus, start, end, step, rate_interval):
    out = []
    for target in panel.get("targets", []):
        for result in query_range(prometheus, substitute(target["expr"], rate_interval), start, end, step):
            points = [(float(t), float(v)) for t, v in result["values"] if v not in ("NaN", "+Inf", "-Inf")]
            out.append((legend(target.get("legendFormat"), result["metric"]), points))
    return out


def is_dashed(name, regexes):
    return any(re.fullmatch(regex, name) for regex in regexes)


def timeseries_svg(panel, series, width, height, start, end):
    unit = panel["fieldConfig"]["defaults"].get("unit", "short")
    dashed = [o["matcher"]["options"] for o in panel["fieldConfig"].get("overrides", [])]
    values = [v for _, points in series for _, v in points]
    low = min(values + [0.0]) if values else 0.0
    high = max(values + [0.0]) if values else 1.0
    if high == low:
        high = low + 1
    left, right, top, bottom = 62, 8, 6, 20
    plot_w, plot_h = width - left - right, height - top - bottom
    x = lambda t: left + (t - start) / (end - start) * plot_w
    y = lambda v: top + (high - v) / (high - low) * plot_h
    parts = [f'<svg width="{width}" height="{height}">']
    for i in range(5):
        v = low + (high - low) * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" class="axis" text-anchor="end">{html.escape(human(v, unit))}</text>')
    for i in range(5):
        t = start + (end - start) * i / 4
        anchor = "start" if i == 0 else "end" if i == 4 else "middle"
        parts.append(f'<text x="{x(t):.1f}" y="{height - 4}" class="axis" text-anchor="{anchor}">'
                     f'{time.strftime("%H:%M:%S", time.localtime(t))}</text>')
    for index, (name, points) in enumerate(series):
        if not points:
            continue
        color = COLORS[index % len(COLORS)]
        is_limit = is_dashed(name, dashed)
        if is_limit:
            color = LIMIT_COLOR
        path = " ".join(f"{'M' if j == 0 else 'L'}{x(t):.1f},{y(v):.1f}" for j, (t, v) in enumerate(points))
        style = 'stroke-dasharray="8 6"' if is_limit else ""
        parts.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="1.5" {style}/>')
    parts.append("</svg>")
    keys = "".join(
        f'<span><i style="background:{LIMIT_COLOR if is_dashed(n, dashed) else COLORS[i % len(COLORS)]}"></i>'
        f'{html.escape(n)}</span>' for i, (n, p) in enumerate(series) if p)
    return "".join(parts) + f'<div class="legend">{keys}</div>'


def stat_html(panel, series):
    unit = panel["fieldConfig"]["defaults"].get("unit", "short")
    last = [points[-1][1] for _, points in series if points]
    value = sum(last) if last else float("nan")
    color = "#73bf69"
    for step in panel["fieldConfig"]["defaults"].get("thresholds", {}).get("steps", []):
        if step["value"] is None or (not math.isnan(value) and value >= step["value"]):
            color = {"green": "#73bf69", "orange": "#ff9830", "red": "#f2495c"}.get(step["color"], step["color"])
    return f'<div class="stat" style="color:{color}">{html.escape(human(value, unit))}</div>'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prometheus", default="http://127.0.0.1:9090")
    parser.add_argument("--minutes", type=float, default=5, help="the window's length")
    parser.add_argument("--end", type=float, help="the window's end, Unix seconds (default: now); stat panels "
                        "show the last value in the window, as Grafana's do")
    parser.add_argument("--scrape-interval", type=float, default=2, help="seconds, to size $__rate_interval")
    parser.add_argument("--dashboard", default=str(pathlib.Path(__file__).with_name("chanmux.json")))
    parser.add_argument("--out", default="preview.html")
    args = parser.parse_args()

    dashboard = json.loads(pathlib.Path(args.dashboard).read_text())
    end = args.end or time.time()
    start = end - args.minutes * 60
    step = max(args.scrape_interval, (end - start) / 300)
    rate_interval = f"{int(4 * args.scrape_interval)}s"
    bottom = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in dashboard["panels"])
    boxes = []
    for panel in dashboard["panels"]:
        g = panel["gridPos"]
        left, top = g["x"] * GRID_UNIT_PX, g["y"] * ROW_UNIT_PX
        width, height = g["w"] * GRID_UNIT_PX - 6, g["h"] * ROW_UNIT_PX - 6
        style = f"left:{left}px;top:{top}px;width:{width}px;height:{height}px"
        title = html.escape(panel["title"])
        if panel["type"] == "row":
            boxes.append(f'<div class="row" style="{style}">{title}</div>')
            continue
        series = series_of(panel, args.prometheus, start, end, step, rate_interval)
        body = (stat_html(panel, series) if panel["type"] == "stat"
                else timeseries_svg(panel, series, width - 12, height - 58, start, end))
        boxes.append(f'<div class="panel" style="{style}"><div class="title">{title}</div>{body}</div>')
    span = time.strftime("%Y-%m-%d %H:%M", time.localtime(start)) + " – " + time.strftime("%H:%M", time.localtime(end))
    page = f"""<!doctype html><meta charset="utf-8"><title>{html.escape(dashboard["title"])} preview</title>
<style>
body {{ background:#111217; color:#ccccdc; font:12px DejaVu Sans, sans-serif; margin:0; padding:12px; }}
h1 {{ font-size:16px; font-weight:500; margin:0 0 10px; }} h1 small {{ color:#8e8e9e; font-weight:400; }}
.board {{ position:relative; height:{bottom * ROW_UNIT_PX}px; width:{24 * GRID_UNIT_PX}px; }}
.panel {{ position:absolute; background:#181b1f; border:1px solid #2c3235; border-radius:3px; padding:6px; box-sizing:border-box; }}
.row {{ position:absolute; font-size:14px; font-weight:500; padding-top:6px; }}
.title {{ font-weight:500; margin-bottom:4px; }}
.stat {{ font-size:30px; font-weight:500; text-align:center; margin-top:12px; }}
.grid {{ stroke:#2c3235; }} .axis {{ fill:#8e8e9e; font-size:10px; }}
.legend {{ font-size:10px; line-height:14px; overflow:hidden; max-height:28px; }}
.legend span {{ margin-right:10px; white-space:nowrap; }}
.legend i {{ display:inline-block; width:10px; height:3px; margin-right:4px; vertical-align:middle; }}
</style>
<h1>{html.escape(dashboard["title"])} <small>preview of ops/grafana/chanmux.json · {span} · {html.escape(args.prometheus)}</small></h1>
<div class="board">{"".join(boxes)}</div>
"""
    pathlib.Path(args.out).write_text(page)
    print(f"wrote {args.out}: {len(dashboard['panels'])} panels, {start:.0f}..{end:.0f}")


if __name__ == "__main__":
    main()
