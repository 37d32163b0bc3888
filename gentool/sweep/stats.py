"""The statistics of a sweep: per group n, mean, std and a 95% t-interval of the mean; against a baseline group,
the difference of means with its Welch interval, Welch's t-test and Holm's correction across every comparison.

The interval is Student's t (not a bootstrap: with the 3-10 seeds a sweep usually has, a bootstrap over seeds
understates the spread). Welch's test does not assume equal variances. With fewer than 3 runs in either group no
test is made, and the comparison says so instead of printing a p-value.
"""

from __future__ import annotations

import math
import statistics
from typing import Any

LEVEL = 0.95
ALPHA = 1 - LEVEL
MIN_TEST_N = 3
INTERVAL = "95% t-interval"
NO_TEST = f"n<{MIN_TEST_N}: no test possible"
NO_SPREAD = "no spread: no test possible"


def _t() -> Any:
    """Student's t from scipy, imported on first use: scipy.stats takes about a second to import, and every
    gentool command loads this module through the CLI."""
    from scipy import stats as scipy_stats

    return scipy_stats.t


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def describe(values: list[float | None]) -> dict:
    """n, mean, std and the 95% t-interval of the mean of the values present (None = a run without the figure)."""
    present = [float(v) for v in values if v is not None]
    n = len(present)
    if not n:
        return {"n": 0, "mean": None, "std": None, "ci_low": None, "ci_high": None}
    mean = statistics.mean(present)
    if n == 1:
        return {"n": 1, "mean": _round(mean), "std": None, "ci_low": None, "ci_high": None}
    std = statistics.stdev(present)
    half = _t().ppf(1 - ALPHA / 2, n - 1) * std / math.sqrt(n)
    return {"n": n, "mean": _round(mean), "std": _round(std), "ci_low": _round(mean - half),
            "ci_high": _round(mean + half)}


def welch(a: list[float], b: list[float]) -> dict:
    """b minus a: the difference of means, its 95% Welch interval and the two-sided p-value of Welch's t-test.
    A note instead of a p-value when a group has fewer than 3 values or neither group varies."""
    diff = statistics.mean(b) - statistics.mean(a) if a and b else None
    result = {"diff": _round(diff), "ci_low": None, "ci_high": None, "p": None, "note": None}
    if len(a) < MIN_TEST_N or len(b) < MIN_TEST_N:
        result["note"] = NO_TEST
        return result
    var_a, var_b = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    se = math.sqrt(var_a + var_b)
    if se == 0:
        result["note"] = NO_SPREAD
        return result
    df = (var_a + var_b) ** 2 / (var_a ** 2 / (len(a) - 1) + var_b ** 2 / (len(b) - 1))
    half = _t().ppf(1 - ALPHA / 2, df) * se
    p = 2 * _t().sf(abs(diff) / se, df)
    result.update(ci_low=_round(diff - half), ci_high=_round(diff + half), p=_round(p))
    return result


def holm(p_values: list[float | None]) -> list[float | None]:
    """Holm-Bonferroni adjusted p-values, in the given order (None stays None and is not counted)."""
    tested = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, index) in enumerate(tested):
        running = max(running, min(1.0, (len(tested) - rank) * p))
        adjusted[index] = _round(running)
    return adjusted


def compare(groups: dict[str, dict[str, list[float | None]]], baseline: str, metrics: list[str]) -> list[dict]:
    """Every other group against `baseline`, metric by metric, Holm-corrected across all of these comparisons."""
    rows = []
    base_values = groups[baseline]
    for label, values in groups.items():
        if label == baseline:
            continue
        for metric in metrics:
            a = [v for v in base_values.get(metric, []) if v is not None]
            b = [v for v in values.get(metric, []) if v is not None]
            rows.append({"label": label, "baseline": baseline, "metric": metric, **welch(a, b)})
    for row, adjusted in zip(rows, holm([row["p"] for row in rows])):
        row["p_holm"] = adjusted
        row["significant"] = None if adjusted is None else adjusted < ALPHA
    return [{key: row[key] for key in ("label", "baseline", "metric", "diff", "ci_low", "ci_high", "p", "p_holm",
                                       "significant", "note")} for row in rows]
