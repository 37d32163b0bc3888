"""The report's own plots, as SVG (sharp at any zoom, small for line plots): a run's metrics over epochs, and the
metrics several runs share drawn over each other."""

from __future__ import annotations

import math
from pathlib import Path

from matplotlib.ticker import MaxNLocator

from gentool.io.figures import plt, save_figure

COLUMNS = 3
PANEL = (4.0, 2.4)  # inches per panel


def _grid(count: int) -> tuple[plt.Figure, list]:
    columns = min(COLUMNS, count)
    rows = math.ceil(count / columns)
    fig, axes = plt.subplots(rows, columns, figsize=(PANEL[0] * columns, PANEL[1] * rows), squeeze=False)
    flat = [ax for row in axes for ax in row]
    for ax in flat[count:]:
        ax.axis("off")
    return fig, flat[:count]


def _style(ax: plt.Axes, name: str, xlabel: str) -> None:
    ax.set_title(name, fontsize=10)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers


def metrics_plot(series: dict[str, tuple[list[float], list[float]]], path: Path, xlabel: str = "epoch") -> Path:
    """One panel per metric; a metric measured at a few epochs only is drawn with markers."""
    names = sorted(series)
    longest = max(len(xs) for xs, _ in series.values())
    fig, axes = _grid(len(names))
    for ax, name in zip(axes, names):
        xs, ys = series[name]
        sparse = len(xs) <= 30 or len(xs) < longest  # few points, or measured every few epochs only
        ax.plot(xs, ys, marker="o" if sparse else None, markersize=3, linewidth=1.4)
        _style(ax, name, xlabel)
    fig.tight_layout()
    return save_figure(fig, path)


def overlay_plot(runs: dict[str, dict[str, tuple[list[float], list[float]]]], names: list[str], path: Path,
                 xlabel: str = "epoch") -> Path:
    """One panel per shared metric, one line per run, with a legend under the first panel."""
    fig, axes = _grid(len(names))
    for ax, name in zip(axes, names):
        for label, series in runs.items():
            xs, ys = series[name]
            ax.plot(xs, ys, marker="o" if len(xs) <= 30 else None, markersize=3, linewidth=1.2, label=label)
        _style(ax, name, xlabel)
    axes[0].legend(fontsize=7, loc="best")
    fig.tight_layout()
    return save_figure(fig, path)
