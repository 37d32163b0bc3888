"""Piano-roll PNGs of drum patterns: one labelled row per instrument, hits shaded by velocity and drawn at their
micro-timed position, beat and bar lines."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from matplotlib.patches import Rectangle

from gentool.drums.pattern import INSTRUMENTS, STEPS_PER_BAR, DrumPattern
from gentool.io.figures import plt
from gentool.runtime.files import atomic_write


def _draw(ax: plt.Axes, pattern: DrumPattern, title: str) -> None:
    steps = len(pattern.hits)
    cmap = plt.get_cmap("Blues")
    for step, instrument in zip(*pattern.hits.nonzero()):
        shade = 0.25 + 0.75 * pattern.velocity[step, instrument] / 127
        ax.add_patch(Rectangle((step + pattern.offset[step, instrument], instrument - 0.4), 0.85, 0.8,
                               color=cmap(shade), linewidth=0))
    for step in range(0, steps + 1, 4):
        ax.axvline(step, color="black" if step % STEPS_PER_BAR == 0 else "#bbbbbb",
                   linewidth=1.2 if step % STEPS_PER_BAR == 0 else 0.5)
    ax.set_xlim(-0.5, steps + 0.5)
    ax.set_ylim(len(INSTRUMENTS) - 0.5, -0.5)
    ax.set_yticks(range(len(INSTRUMENTS)), [name.replace("_", " ") for name in INSTRUMENTS], fontsize=7)
    ax.set_xticks(range(0, steps, 4), [str(1 + (s % STEPS_PER_BAR) // 4) for s in range(0, steps, 4)], fontsize=7)
    ax.set_title(title, fontsize=9, loc="left")


def save_piano_rolls(path: str | Path, patterns: Sequence[DrumPattern], titles: Sequence[str]) -> Path:
    """One panel per pattern, stacked; darker = louder."""
    widest = max(len(p.hits) for p in patterns)
    fig, axes = plt.subplots(len(patterns), 1, figsize=(2 + widest * 0.28, 0.4 + 1.9 * len(patterns)),
                             squeeze=False)
    for ax, pattern, title in zip(axes[:, 0], patterns, titles):
        _draw(ax, pattern, title)
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100))
    plt.close(fig)
    return Path(path)
