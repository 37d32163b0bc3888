"""Each metric against each swept key: group means with their 95% t-intervals as error bars, one line per
combination of the other keys' values. One PNG per key (a panel per metric)."""

from __future__ import annotations

import math
from pathlib import Path

from gentool.sweep.grid import label_of


def sweep_figures(folder: Path, results: dict) -> list[Path]:
    if not results["metrics"] or not results["grid"]:
        return []
    from gentool.io.figures import plt, save_figure

    written = []
    for key, values in results["grid"].items():
        metrics = results["metrics"]
        columns = min(3, len(metrics))
        rows = math.ceil(len(metrics) / columns)
        fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 3.2 * rows), squeeze=False)
        labels = [label_of(v) for v in values]
        for ax, metric in zip(axes.flat, metrics):
            for series, groups in _series(results["groups"], key).items():
                points = [(labels.index(label_of(g["params"][key])), g["metrics"][metric]) for g in groups]
                points = [(x, s) for x, s in points if s["mean"] is not None]
                if not points:
                    continue
                xs = [x for x, _ in points]
                means = [s["mean"] for _, s in points]
                below = [s["mean"] - s["ci_low"] if s["ci_low"] is not None else 0 for _, s in points]
                above = [s["ci_high"] - s["mean"] if s["ci_high"] is not None else 0 for _, s in points]
                ax.errorbar(xs, means, yerr=[below, above], marker="o", capsize=3, label=series or None)
            ax.set_xticks(range(len(labels)), labels, rotation=20 if max(map(len, labels)) > 8 else 0)
            ax.set_title(metric, fontsize=10)
            ax.set_xlabel(key)
            if ax.get_legend_handles_labels()[1]:
                ax.legend(fontsize=7)
        for ax in list(axes.flat)[len(metrics):]:
            ax.axis("off")
        fig.suptitle(f"{results['family']} sweep: mean and 95% t-interval over seeds, by {key}", fontsize=11)
        fig.tight_layout()
        name = key.replace("/", "_")
        written.append(save_figure(fig, folder / f"{name}.png"))
    return written


def _series(groups: list[dict], key: str) -> dict[str, list[dict]]:
    """Groups by the values of the other swept keys."""
    series: dict[str, list[dict]] = {}
    for group in groups:
        others = ", ".join(f"{k}={label_of(v)}" for k, v in group["params"].items() if k != key)
        series.setdefault(others, []).append(group)
    return series
