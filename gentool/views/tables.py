"""Table helpers every view shares."""

from __future__ import annotations

from typing import Any

from rich.table import Table


def cell(value: Any, fmt: str) -> str:
    return "n/a" if value is None else fmt.format(value)


def beside_baselines(title: str, caption: str, rows: list[tuple[str, str, str]], result: dict) -> Table:
    """One row per figure: the model's value, then each baseline's, measured the same way."""
    return models_beside_baselines(title, caption, rows, {"model": result["model"]}, result["baselines"])


def models_beside_baselines(title: str, caption: str, rows: list[tuple[str, str, str]], models: dict[str, dict],
                            baselines: dict[str, dict]) -> Table:
    """One row per figure: each model's value (a column per model, in order), then each baseline's."""
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left")
    table.add_column("")
    for name in (*models, *baselines):
        table.add_column(name, justify="right")
    for label, key, fmt in rows:
        # .get: a result file written before a figure existed shows it as n/a
        table.add_row(label, *[cell(report.get(key), fmt) for report in (*models.values(), *baselines.values())])
    return table


def markdown(header: list[str], rows: list[list[str]]) -> str:
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
                      *["| " + " | ".join(row) + " |" for row in rows]])
