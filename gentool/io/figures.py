"""Matplotlib set up once for files (no display), and one way to write a figure: atomically, then closed."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from gentool.runtime.files import atomic_write  # noqa: E402

__all__ = ["plt", "save_figure"]


def save_figure(fig: plt.Figure, path: str | Path) -> Path:
    """PNG, or SVG where the name ends in .svg (sharp at any zoom in a browser: the report's plots)."""
    kind = "svg" if str(path).lower().endswith(".svg") else "png"
    atomic_write(path, lambda tmp: fig.savefig(tmp, format=kind, dpi=110, bbox_inches="tight"))
    plt.close(fig)
    return Path(path)
