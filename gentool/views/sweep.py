"""What `gentool sweep` prints: a table per metric (groups, mean ± std, 95% t-interval, the difference from the
baseline and its Holm-corrected p-value), cells that are not done, and a line per finished cell. Tables fit 80
columns."""

from __future__ import annotations

from rich.table import Table

from gentool.sweep.report import caption, interval, mean_std, number, p_value


def sweep_view(results: dict, baseline: str | None, folder: str) -> list:
    comparisons = {(row["label"], row["metric"]): row for row in results["comparisons"]}
    items: list = []
    for metric in results["metrics"]:
        table = Table(title=metric, title_justify="left")
        for column in ("group", "n", "mean ± std", "95% CI", "diff", "p (Holm)"):
            table.add_column(column, justify="left" if column == "group" else "right", overflow="fold")
        for group in results["groups"]:
            stats = group["metrics"][metric]
            row = comparisons.get((group["label"], metric))
            table.add_row(group["label"], str(group["n"]), mean_std(stats),
                          interval(stats["ci_low"], stats["ci_high"]),
                          "baseline" if row is None else number(row["diff"]), "" if row is None else p_value(row))
        items.append(table)
    items.append(caption(results, baseline))
    not_done = [cell for cell in results["cells"] if cell["status"] != "done"]
    for cell in not_done:
        items.append(f"{cell['status']}: {cell['name']}" + (f" ({cell['reason']})" if cell["reason"] else ""))
    done = len(results["cells"]) - len(not_done)
    items.append(f"{done}/{len(results['cells'])} cells done; results in {folder} (sweep.md, sweep.csv, sweep.json, "
                 f"figures/)")
    return items


def cell_line(record: dict, finished: int, total: int) -> str:
    """The progress line of a finished cell."""
    head = f"[{finished}/{total}] {record['name']}: {record['status']}"
    if record["status"] != "done":
        return head + (f" ({record['reason']})" if record["reason"] else "")
    figures = ", ".join(f"{name} {number(value)}" for name, value in record["metrics"].items())
    seconds = f" ({record['seconds']:.1f} s)" if record["seconds"] is not None else ""
    return f"{head}, {figures}{seconds}"


def counts_text(running: int, failed: int) -> str:
    return f"running {running}  failed {failed}"
