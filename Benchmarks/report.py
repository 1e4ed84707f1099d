#!/usr/bin/env python3
"""Turns Benchmarks/run's results.jsonl into the markdown table, a chart, and the docs block.

Medians over rounds, per server and phase. Standard library only; the PNG chart needs matplotlib
(pip install matplotlib) and falls back to an ASCII bar chart in the markdown when it is missing.
"""
import argparse
import datetime
import json
import os
import statistics
import sys

BEGIN = "<!-- BEGIN Benchmarks/run: echo (generated, do not edit by hand) -->"
END = "<!-- END Benchmarks/run: echo -->"


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


NOISY_CORES = 0.10  # other load above this during a measurement makes it "noisy"


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def pick_attempts(rows):
    """Per (server, round, phase), the attempt with the least other load (the runner redoes noisy ones)."""
    best = {}
    for r in rows:
        key = (r["server"], r["round"], r["phase"])
        if key not in best or r.get("other_cores", 0) < best[key].get("other_cores", 0):
            best[key] = r
    return list(best.values())


def summarize(rows):
    """{server: medians over rounds}, servers in first-seen order."""
    order = list(dict.fromkeys(r["server"] for r in rows))
    chosen = pick_attempts(rows)
    summary = {}
    for name in order:
        sat = [r for r in chosen if r["server"] == name and r["phase"] == "saturation"]
        half = [r for r in chosen if r["server"] == name and r["phase"] == "half"]

        def m(runs, key):
            return median([r["loadgen"].get(key) for r in runs])

        def server_cores(runs):
            return median([r["server_jiffies"] / r["hz"] / (r["wall_s"] or 1) for r in runs])

        both = sat + half
        summary[name] = {
            "rounds": len(sat),
            "sat_rps": m(sat, "rps"), "sat_p50": m(sat, "p50_us"), "sat_p99": m(sat, "p99_us"),
            "sat_rps_min": min([r["loadgen"].get("rps", 0) for r in sat] or [0]),
            "sat_rps_max": max([r["loadgen"].get("rps", 0) for r in sat] or [0]),
            "half_rate": m(half, "rate"), "half_p50": m(half, "p50_us"), "half_p99": m(half, "p99_us"),
            "half_lag_p99": m(half, "send_lag_p99_us"),
            "sat_server_cpu": server_cores(sat), "half_server_cpu": server_cores(half),
            "sat_client_cpu": m(sat, "client_cpu"),
            "other_max": max([r.get("other_cores", 0) for r in both] or [0]),
            "errors": sum(r["loadgen"].get("errors", 0) + r["loadgen"].get("abandoned", 0) for r in both),
            "failed": sum(1 for r in both if r["rc"] != 0),
            "noisy": sum(1 for r in both if r.get("other_cores", 0) > NOISY_CORES),
            "redone": len([r for r in rows if r["server"] == name]) - len(both),
        }
    return summary


def fmt(v, pattern="{:,.0f}"):
    return "–" if v is None else pattern.format(v)


def table(summary, ceiling, descriptions):
    base = summary.get(ceiling, {}).get("sat_rps")
    lines = [
        "| server | saturation req/s | p50 µs | p99 µs | half-load req/s | p50 µs | p99 µs | vs C++ ceiling |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, s in summary.items():
        ratio = f"{s['sat_rps'] / base:.2f}x" if base and s["sat_rps"] else "–"
        label = f"{name}: {descriptions[name]}" if name in descriptions else name
        lines.append(
            f"| {label} | {fmt(s['sat_rps'])} | {fmt(s['sat_p50'])} | {fmt(s['sat_p99'])} | "
            f"{fmt(s['half_rate'])} | {fmt(s['half_p50'])} | {fmt(s['half_p99'])} | {ratio} |")
    return "\n".join(lines)


def health(summary):
    lines = [
        "| server | rounds | saturation req/s min–max | server cores at saturation / half load | "
        "loadgen core at saturation | half-load send lag p99 µs | other load max (cores) | "
        "noisy / redone runs | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, s in summary.items():
        lines.append(
            f"| {name} | {s['rounds']} | {fmt(s['sat_rps_min'])}–{fmt(s['sat_rps_max'])} | "
            f"{fmt(s['sat_server_cpu'], '{:.2f}')} / {fmt(s['half_server_cpu'], '{:.2f}')} | "
            f"{fmt(s['sat_client_cpu'], '{:.2f}')} | {fmt(s['half_lag_p99'])} | {fmt(s['other_max'], '{:.2f}')} | "
            f"{s['noisy']} / {s['redone']} | {s['errors']}{' (' + str(s['failed']) + ' failed runs)' if s['failed'] else ''} |")
    return "\n".join(lines)


def ascii_chart(summary):
    """Bars of saturation throughput and half-load p99, 40 characters at the longest."""
    out = []
    for title, key, unit in (("saturation req/s", "sat_rps", "req/s"), ("half-load p99 latency", "half_p99", "µs")):
        top = max([s[key] or 0 for s in summary.values()] or [0]) or 1
        out.append(title)
        for name, s in summary.items():
            v = s[key] or 0
            out.append(f"  {name:<12} {'█' * max(1, round(40 * v / top)) if v else '':<40} {v:,.0f} {unit}")
        out.append("")
    return "```\n" + "\n".join(out).rstrip() + "\n```"


def png_chart(summary, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    names = list(summary)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.bar(names, [summary[n]["sat_rps"] or 0 for n in names], color="#4C72B0")
    left.set_title("Saturation throughput (server on 1 core)")
    left.set_ylabel("requests / s")
    for i, n in enumerate(names):
        left.annotate(f"{summary[n]['sat_rps'] or 0:,.0f}", (i, summary[n]["sat_rps"] or 0),
                      ha="center", va="bottom", fontsize=9)
    x = range(len(names))
    w = 0.38
    for offset, key, label in ((-w / 2, "half_p50", "p50"), (w / 2, "half_p99", "p99")):
        values = [summary[n][key] or 0 for n in names]
        right.bar([i + offset for i in x], values, w, label=label)
        for i, v in enumerate(values):
            right.annotate(f"{v:,.0f}", (i + offset, v), ha="center", va="bottom", fontsize=9)
    right.set_xticks(list(x))
    right.set_xticklabels(names)
    right.set_title("Latency at half load (open loop)")
    right.set_ylabel("µs")
    right.legend()
    fig.tight_layout()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig.savefig(path, dpi=110)
    return True


def write_doc(doc, block):
    text = open(doc).read() if os.path.exists(doc) else "# Benchmarks\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + BEGIN + "\n" + block + "\n" + END + tail
    else:
        text = text.rstrip("\n") + "\n\n" + BEGIN + "\n" + block + "\n" + END + "\n"
    with open(doc, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--ceiling", default="cpp-ccore")
    ap.add_argument("--command", default="Benchmarks/run")
    ap.add_argument("--machine", default="")
    ap.add_argument("--settings", default="")
    ap.add_argument("--descriptions", default="")
    ap.add_argument("--doc")
    ap.add_argument("--png")
    a = ap.parse_args()

    descriptions = dict(p.split("=", 1) for p in a.descriptions.split(";") if "=" in p)
    summary = summarize(load(a.results))
    # the runner's server order (its SERVERS list), not whichever server happened to run first
    summary = {k: summary[k] for k in [*descriptions, *summary] if k in summary}
    if not summary:
        print("report: no results", file=sys.stderr)
        return 1
    main_table, health_table = table(summary, a.ceiling, descriptions), health(summary)
    print(main_table + "\n\n" + health_table + "\n\n" + ascii_chart(summary))

    if a.doc:
        chart = ascii_chart(summary)
        if a.png and png_chart(summary, a.png):
            rel = os.path.relpath(a.png, os.path.dirname(os.path.abspath(a.doc)))
            chart = f"![echo benchmark]({rel})"
        else:
            print("report: matplotlib not available, ASCII chart only", file=sys.stderr)
        when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        block = "\n".join([
            f"Measured {when} with `{a.command}`.",
            f"Machine: {a.machine}.",
            f"Settings: {a.settings}.",
            "Medians over rounds; latencies in microseconds; half load = open loop at 0.5 x the same "
            "server's saturation, latency measured from each call's scheduled send time.",
            "",
            main_table,
            "",
            chart,
            "",
            "Run health (the numbers above are only as good as this):",
            "",
            health_table,
        ])
        write_doc(a.doc, block)
        print(f"report: wrote {a.doc}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
