"""A sweep's results as text files: sweep.md (groups and comparisons) and sweep.csv (one row per cell). The
terminal tables (gentool.views.sweep) format numbers the same way."""

from __future__ import annotations

import csv
import io

from gentool.evaluate.instruments import instrument_of
from gentool.sweep.stats import ALPHA, INTERVAL


def number(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
        return f"{value:.2e}"
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"


def mean_std(stats: dict) -> str:
    if stats["mean"] is None:
        return "n/a"
    return number(stats["mean"]) + ("" if stats["std"] is None else f" ± {number(stats['std'])}")


def interval(low: float | None, high: float | None) -> str:
    return "n/a" if low is None else f"[{number(low)}, {number(high)}]"


def p_value(row: dict) -> str:
    if row["p"] is None:
        return row["note"] or "n/a"
    return f"{number(row['p_holm'])}" + (" *" if row["significant"] else "")


def caption(results: dict, baseline: str | None) -> str:
    return (f"mean ± std over seeds; CI: {INTERVAL} of the mean; diff: group minus the baseline ({baseline}) with "
            f"its 95% Welch interval; p: Welch's t-test, Holm-corrected across all {len(results['comparisons'])} "
            f"comparisons; * = significant at {ALPHA:.2f}")


def markdown_text(results: dict, baseline: str | None) -> str:
    grid = ", ".join(f"{key} = {', '.join(map(str, values))}" for key, values in results["grid"].items()) or "none"
    lines = [f"# Sweep: {results['family']}", "", f"grid: {grid}; seeds 0..{results['seeds'] - 1}", "",
             caption(results, baseline), ""]
    if results.get("instruments_note"):
        lines += [results["instruments_note"], ""]
    comparisons = {(row["label"], row["metric"]): row for row in results["comparisons"]}
    for metric in results["metrics"]:
        lines += [f"## {metric}", "", "| group | n | mean ± std | 95% CI | diff vs baseline | diff CI | p (Holm) |",
                  "|---|---|---|---|---|---|---|"]
        for group in results["groups"]:
            stats = group["metrics"][metric]
            row = comparisons.get((group["label"], metric))
            diff = ("baseline", "", "") if row is None else (
                number(row["diff"]), interval(row["ci_low"], row["ci_high"]), p_value(row))
            lines.append(f"| {group['label']} | {group['n']} | {mean_std(stats)} | "
                         f"{interval(stats['ci_low'], stats['ci_high'])} | {' | '.join(diff)} |")
        lines.append("")
    failed = [cell for cell in results["cells"] if cell["status"] != "done"]
    if failed:
        lines += ["## Cells not done", ""] + [f"- {cell['name']}: {cell['status']}"
                                              + (f" ({cell['reason']})" if cell["reason"] else "") for cell in failed]
    return "\n".join(lines) + "\n"


def device_text(device: dict | None) -> str:
    """Where a cell ran, in a few words: "cuda:0 (NVIDIA H100; CUDA_VISIBLE_DEVICES=2) on node-3"."""
    device = device or {}
    details = [device["gpu"]] if device.get("gpu") else []
    if device.get("cuda_visible_devices") is not None:
        details.append(f"CUDA_VISIBLE_DEVICES={device['cuda_visible_devices']}")
    text = (device.get("device") or "not started") + (f" ({'; '.join(details)})" if details else "")
    return text + (f" on {device['host']}" if device.get("host") else "")


def instrument_text(record: dict | None) -> str:
    """The instrument a cell's figures were measured by, as figures name it; "" where none did (a family without
    instruments, a cell not done)."""
    instrument = instrument_of(record)
    return instrument.label() if instrument else ""


def csv_text(results: dict) -> str:
    keys = list(results["grid"])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["name", "path", *keys, "seed", "status", "reason", *results["metrics"], "seconds", "device",
                     "instrument"])
    for cell in results["cells"]:
        writer.writerow([cell["name"], cell["path"], *[cell["params"].get(key) for key in keys], cell["seed"],
                         cell["status"], cell["reason"] or "",
                         *["" if cell["metrics"].get(m) is None else cell["metrics"][m] for m in results["metrics"]],
                         "" if cell["seconds"] is None else cell["seconds"], device_text(cell.get("device")),
                         instrument_text(cell.get("instrument"))])
    return buffer.getvalue()
