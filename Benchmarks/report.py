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


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(rows):
    """{server: {...medians...}} in first-seen order."""
    out = {}
    for r in rows:
        s = out.setdefault(r["server"], {"sat": [], "half": []})
        s["sat" if r["phase"] == "saturation" else "half"].append(r)
    summary = {}
    for name, phases in out.items():
        def m(phase, key):
            return median([r["loadgen"].get(key) for r in phases[phase] if r["loadgen"]])

        def cores(phase, which):
            vals = []
            for r in phases[phase]:
                hz, wall = r["hz"], r["wall_s"] or 1
                server = r["server_jiffies"] / hz / wall
                loadgen = r["loadgen"].get("cpu_total_s", 0) / wall
                machine = r["machine_jiffies"] / hz / wall
                vals.append({"server": server, "other": max(0.0, machine - server - loadgen)})
            return median([v[which] for v in vals])

        all_rows = phases["sat"] + phases["half"]
        summary[name] = {
            "rounds": len(phases["sat"]),
            "sat_rps": m("sat", "rps"), "sat_p50": m("sat", "p50_us"), "sat_p99": m("sat", "p99_us"),
            "sat_p999": m("sat", "p999_us"),
            "half_rate": m("half", "rate"), "half_rps": m("half", "rps"),
            "half_p50": m("half", "p50_us"), "half_p99": m("half", "p99_us"),
            "half_lag_p99": m("half", "send_lag_p99_us"),
            "server_cpu": cores("sat", "server"), "client_cpu": m("sat", "client_cpu"),
            "other_cpu_max": max([cores_one(r) for r in all_rows] or [0]),
            "errors": sum(r["loadgen"].get("errors", 0) + r["loadgen"].get("abandoned", 0) for r in all_rows),
            "failed_runs": sum(1 for r in all_rows if r["rc"] != 0),
            "noisy_runs": sum(1 for r in all_rows if not r["quiet"]),
        }
    return summary


def cores_one(r):
    hz, wall = r["hz"], r["wall_s"] or 1
    return max(0.0, (r["machine_jiffies"] / hz - r["server_jiffies"] / hz - r["loadgen"].get("cpu_total_s", 0)) / wall)


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
        label = f"{name} ({descriptions[name]})" if name in descriptions else name
        lines.append(
            f"| {label} | {fmt(s['sat_rps'])} | {fmt(s['sat_p50'])} | {fmt(s['sat_p99'])} | "
            f"{fmt(s['half_rate'])} | {fmt(s['half_p50'])} | {fmt(s['half_p99'])} | {ratio} |")
    return "\n".join(lines)


def health(summary):
    lines = [
        "| server | rounds | server CPU at saturation (cores) | loadgen CPU at saturation | "
        "half-load send lag p99 µs | other load, max (cores) | errors | noisy runs |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, s in summary.items():
        lines.append(
            f"| {name} | {s['rounds']} | {fmt(s['server_cpu'], '{:.2f}')} | {fmt(s['client_cpu'], '{:.2f}')} | "
            f"{fmt(s['half_lag_p99'])} | {fmt(s['other_cpu_max'], '{:.2f}')} | {s['errors']} | {s['noisy_runs']} |")
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
    right.bar([i - w / 2 for i in x], [summary[n]["half_p50"] or 0 for n in names], w, label="p50")
    right.bar([i + w / 2 for i in x], [summary[n]["half_p99"] or 0 for n in names], w, label="p99")
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
