"""The report's own plots, written directly as SVG: a run's metrics over epochs, and the metrics several runs share
drawn over each other. Line plots need no more than axes, ticks and polylines; writing them by hand costs
milliseconds, where matplotlib's cost per panel would be paid again for every cell of a sweep."""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

from gentool.runtime.files import atomic_write_text

COLUMNS = 3
WIDTH, HEIGHT = 380, 220  # one panel, in px
LEFT, RIGHT, TOP, BOTTOM = 62, 14, 28, 40  # its margins around the plotting area
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")
LEGEND_ROW = 18

Series = tuple[list[float], list[float]]


def nice_ticks(low: float, high: float, count: int = 5, whole: bool = False) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten) covering [low, high]."""
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if whole:
        step = max(1.0, round(step))
    first = math.ceil(low / step - 1e-9) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def label(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 1e5 else f"{value:.2g}"


def span(values: list[float]) -> tuple[float, float]:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return 0.0, 1.0
    low, high = min(finite), max(finite)
    if high - low < 1e-12 * max(1.0, abs(high)):  # a flat line: give it room above and below
        pad = abs(high) * 0.1 or 1.0
        return low - pad, high + pad
    pad = (high - low) * 0.05
    return low - pad, high + pad


def panel(title: str, lines: list[tuple[str, Series]], xlabel: str, x0: float, y0: float) -> list[str]:
    """One panel's SVG elements, its top-left corner at (x0, y0)."""
    xs = [x for _, (line_x, _) in lines for x in line_x]
    ys = [y for _, (_, line_y) in lines for y in line_y]
    (x_low, x_high), (y_low, y_high) = span(xs), span(ys)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    left, top = x0 + LEFT, y0 + TOP

    def px(x: float) -> float:
        return left + (x - x_low) / (x_high - x_low) * inner_w

    def py(y: float) -> float:
        return top + (y_high - y) / (y_high - y_low) * inner_h

    parts = [f'<text x="{x0 + WIDTH / 2:.1f}" y="{y0 + 17}" class="title">{escape(title)}</text>',
             f'<rect x="{left}" y="{top}" width="{inner_w}" height="{inner_h}" class="frame"/>']
    for tick in nice_ticks(y_low, y_high):
        y = py(tick)
        parts += [f'<line x1="{left}" x2="{left + inner_w}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>',
                  f'<text x="{left - 5}" y="{y + 4:.1f}" class="ytick">{label(tick)}</text>']
    whole = all(float(x).is_integer() for x in xs)
    for tick in nice_ticks(x_low, x_high, whole=whole):
        x = px(tick)
        parts += [f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + inner_h}" class="grid"/>',
                  f'<text x="{x:.1f}" y="{top + inner_h + 15}" class="xtick">{label(tick)}</text>']
    parts.append(f'<text x="{left + inner_w / 2:.1f}" y="{y0 + HEIGHT - 6}" class="axis">{escape(xlabel)}</text>')
    longest = max(len(line_x) for _, (line_x, _) in lines)
    for index, (_, (line_x, line_y)) in enumerate(lines):
        colour = COLOURS[index % len(COLOURS)]
        points = [(px(x), py(y)) for x, y in zip(line_x, line_y) if math.isfinite(y)]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
        if len(points) <= 30 or len(line_x) < longest or len(points) == 1:  # few points, or measured now and then
            parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>' for x, y in points]
    return parts


def write_svg(panels: list[tuple[str, list[tuple[str, Series]]]], path: Path, xlabel: str,
              legend: list[str] | None = None) -> Path:
    columns = min(COLUMNS, len(panels))
    rows = math.ceil(len(panels) / columns)
    legend_height = LEGEND_ROW * math.ceil(len(legend) / 4) + 6 if legend else 0
    width, height = columns * WIDTH, rows * HEIGHT + legend_height
    parts = ['<style>text{font-family:system-ui,sans-serif;fill:#1d2530}.title{font-size:13px;text-anchor:middle}'
             '.axis,.xtick{font-size:11px;text-anchor:middle}.ytick{font-size:11px;text-anchor:end}'
             '.frame{fill:none;stroke:#444;stroke-width:1}.grid{stroke:#e3e7ee;stroke-width:1}'
             '.legend{font-size:12px}</style>',
             f'<rect width="{width}" height="{height}" fill="#fff"/>']
    for index, name in enumerate(legend or []):
        x, y = 12 + (index % 4) * (width - 24) / 4, 6 + (index // 4) * LEGEND_ROW
        parts += [f'<rect x="{x:.1f}" y="{y + 3}" width="14" height="4" fill="{COLOURS[index % len(COLOURS)]}"/>',
                  f'<text x="{x + 20:.1f}" y="{y + 10}" class="legend">{escape(name)}</text>']
    for index, (title, lines) in enumerate(panels):
        parts += panel(title, lines, xlabel, (index % columns) * WIDTH, legend_height + (index // columns) * HEIGHT)
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}">\n' + "\n".join(parts) + "\n</svg>\n")
    return atomic_write_text(path, svg)


def metrics_plot(series: dict[str, Series], path: Path, xlabel: str = "epoch") -> Path:
    """One panel per metric; a metric measured at a few epochs only is drawn with markers."""
    return write_svg([(name, [(name, series[name])]) for name in sorted(series)], path, xlabel)


def overlay_plot(runs: dict[str, dict[str, Series]], names: list[str], path: Path, xlabel: str = "epoch") -> Path:
    """One panel per shared metric, one line per run, with a legend above."""
    return write_svg([(name, [(label_, series[name]) for label_, series in runs.items()]) for name in names], path,
                     xlabel, legend=list(runs))
