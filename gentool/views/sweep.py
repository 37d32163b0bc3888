"""What `gentool sweep` prints: a table per metric (groups, mean ± std, 95% t-interval, the difference from the
baseline and its Holm-corrected p-value), cells that are not done. Tables fit 80 columns."""

from __future__ import annotations

from rich import box
from rich.table import Table

from gentool.sweep.stats import NO_SPREAD, NO_TEST
from gentool.sweep.tables import caption

SHORT_NOTES = {NO_TEST: "n<3", NO_SPREAD: "no spread"}


def short(value: float | None) -> str:
    """3 significant digits, so 8 columns of figures fit 80 characters (sweep.md and sweep.json keep more)."""
    if value is None:
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:.0f}"
    return f"{value:.1e}" if value != 0 and abs(value) < 1e-3 else f"{value:.3g}"


def sweep_view(results: dict, baseline: str | None, folder: str) -> list:
    comparisons = {(row["label"], row["metric"]): row for row in results["comparisons"]}
    items: list = []
    for metric in results["metrics"]:
        table = Table(title=metric, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
        table.add_column("group", no_wrap=True, max_width=24, overflow="ellipsis")
        for column in ("n", "mean", "std", "±CI", "diff", "±CI", "p Holm"):
            table.add_column(column, justify="right", no_wrap=True)
        for group in results["groups"]:
            stats = group["metrics"][metric]
            row = comparisons.get((group["label"], metric))
            table.add_row(group["label"], str(group["n"]), short(stats["mean"]), short(stats["std"]),
                          half_width(stats["mean"], stats["ci_high"]),
                          "baseline" if row is None else short(row["diff"]),
                          "" if row is None else half_width(row["diff"], row["ci_high"]), p_cell(row))
        items.append(table)
    items.append(caption(results, baseline) + "; ±CI = half-width of the (symmetric) 95% interval beside it; n<3: no "
                 "test possible; no spread: both groups constant, no test possible")
    if results.get("instruments_note"):
        items.append(results["instruments_note"])
    not_done = [cell for cell in results["cells"] if cell["status"] != "done"]
    for cell in not_done:
        items.append(f"{cell['status']}: {cell['name']}" + (f" ({cell['reason']})" if cell["reason"] else ""))
    done = len(results["cells"]) - len(not_done)
    items.append(f"{done}/{len(results['cells'])} cells done; results in {folder} (sweep.md, sweep.csv, sweep.json, "
                 f"figures/)")
    return items


def half_width(centre: float | None, high: float | None) -> str:
    return "n/a" if centre is None or high is None else short(high - centre)


def p_cell(row: dict | None) -> str:
    if row is None:
        return ""
    if row["p"] is None:
        return SHORT_NOTES.get(row["note"], row["note"] or "n/a")
    shown = "<0.001" if row["p_holm"] < 1e-3 else f"{row['p_holm']:.2g}"
    return shown + (" *" if row["significant"] else "")
