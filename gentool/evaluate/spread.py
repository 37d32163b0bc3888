"""Mean ± std over runs, shared by `gan compare` and `gan benchmark`.

A run without a figure (no confident letters: no entropy; no high-quality sample: no reverse KL) is left out of
the mean and counted as missing, so a missing value is never turned into a number. Values are rounded to 6
places, enough for a share shown as a percentage to 0.1.
"""

from __future__ import annotations

import statistics


def spread(values: list[float | None]) -> dict:
    present = [v for v in values if v is not None]
    if not present:
        return {"mean": None, "std": None, "n": 0, "missing": len(values)}
    return {"mean": round(statistics.mean(present), 6),
            "std": round(statistics.stdev(present), 6) if len(present) > 1 else 0.0,
            "n": len(present), "missing": len(values) - len(present)}


def format_spread(stats: dict | None, fmt: str, scale: float = 1.0) -> str:
    """'mean ± std', with '(k n/a)' when k runs lacked the figure; 'n/a' when none had it."""
    if not stats or stats["mean"] is None:
        return "n/a"
    text = f"{fmt.format(stats['mean'] * scale)} ± {fmt.format(stats['std'] * scale)}"
    return text + (f" ({stats['missing']} n/a)" if stats["missing"] else "")


def format_spread_with_interval(stats: dict | None, fmt: str, scale: float = 1.0) -> str:
    """'mean ± std [low, high]' with the 95% t-interval of the mean (stats' ci_low/ci_high) when there is one."""
    text = format_spread(stats, fmt, scale)
    if not stats or stats.get("ci_low") is None or stats.get("ci_high") is None:
        return text
    return f"{text} [{fmt.format(stats['ci_low'] * scale)}, {fmt.format(stats['ci_high'] * scale)}]"
