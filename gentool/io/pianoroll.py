"""Piano-roll PNGs of drum patterns: one labelled row per instrument, hits shaded by velocity and drawn at their
micro-timed position, beat and bar lines."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from matplotlib.collections import PatchCollection
from matplotlib.patches import Rectangle

from gentool.drums.pattern import INSTRUMENTS, STEPS_PER_BAR, DrumPattern
from gentool.io.figures import plt
from gentool.runtime.files import atomic_write

# up to 16 bars are drawn at full width with beat lines (0.28 inch a step); a longer track is squeezed into that
# width with bar lines only, so a 1,000-bar track is a 7,400-pixel-wide PNG, not a 224,000-pixel-wide one
DETAILED_STEPS = 16 * STEPS_PER_BAR


def _draw(ax: plt.Axes, pattern: DrumPattern, title: str) -> None:
    steps = len(pattern.hits)
    cmap = plt.get_cmap("Blues")
    steps_hit, instruments_hit = pattern.hits.nonzero()
    boxes = [Rectangle((step + pattern.offset[step, instrument], instrument - 0.4), 0.85, 0.8)
             for step, instrument in zip(steps_hit, instruments_hit)]
    shades = 0.25 + 0.75 * pattern.velocity[steps_hit, instruments_hit] / 127
    ax.add_collection(PatchCollection(boxes, facecolors=cmap(shades), linewidths=0))  # one artist for every hit
    bar_lines = range(0, steps + 1, STEPS_PER_BAR)
    if steps <= DETAILED_STEPS:  # beat lines, and ticks that count the beats
        ax.vlines([s for s in range(0, steps + 1, 4) if s % STEPS_PER_BAR], -0.5, len(INSTRUMENTS) - 0.5,
                  color="#bbbbbb", linewidth=0.5)
        ax.set_xticks(range(0, steps, 4), [str(1 + (s % STEPS_PER_BAR) // 4) for s in range(0, steps, 4)], fontsize=7)
    else:  # a long track: bar lines only, every few bars numbered (a line and a label per beat: slow to draw)
        every = max(1, len(bar_lines) // 32)
        ax.set_xticks(list(bar_lines)[:-1:every], [str(1 + s // STEPS_PER_BAR) for s in list(bar_lines)[:-1:every]],
                      fontsize=7)
    ax.vlines(list(bar_lines), -0.5, len(INSTRUMENTS) - 0.5, color="black", linewidth=1.2)
    ax.set_xlim(-0.5, steps + 0.5)
    ax.set_ylim(len(INSTRUMENTS) - 0.5, -0.5)
    ax.set_yticks(range(len(INSTRUMENTS)), [name.replace("_", " ") for name in INSTRUMENTS], fontsize=7)
    ax.set_title(title, fontsize=9, loc="left")


def save_piano_rolls(path: str | Path, patterns: Sequence[DrumPattern], titles: Sequence[str]) -> Path:
    """One panel per pattern, stacked; darker = louder."""
    widest = min(max(len(p.hits) for p in patterns), DETAILED_STEPS)  # longer tracks are squeezed into this width
    fig, axes = plt.subplots(len(patterns), 1, figsize=(2 + widest * 0.28, 0.4 + 1.9 * len(patterns)),
                             squeeze=False)
    for ax, pattern, title in zip(axes[:, 0], patterns, titles):
        _draw(ax, pattern, title)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100))
    plt.close(fig)
    return Path(path)
