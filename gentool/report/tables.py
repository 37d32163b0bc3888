"""The tables gentool prints, as data an HTML page can show: a rich Table (what views/ builds for the terminal)
becomes {"title", "caption", "columns": [{"header", "align"}], "rows": [[cell]]}, so the page and the terminal
show the same figures from the same code."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text


def plain(value: Any) -> str:
    """Text without rich markup ("[bold]x[/bold]" -> "x")."""
    if value is None:
        return ""
    if isinstance(value, Text):
        return value.plain
    if isinstance(value, str):
        return Text.from_markup(value).plain
    return str(value)


def from_rich(table: Table) -> dict:
    columns = [{"header": plain(column.header), "align": column.justify if column.justify in ("right", "center")
                else "left"} for column in table.columns]
    cells = [[plain(cell) for cell in column.cells] for column in table.columns]
    rows = [list(row) for row in zip(*cells)] if cells else []
    return {"title": plain(table.title), "caption": plain(table.caption), "columns": columns, "rows": rows}


def shown(items: list[Any]) -> tuple[list[dict], list[str]]:
    """What a view returns (tables and lines, in order) split into HTML tables and plain lines."""
    tables, lines = [], []
    for item in items:
        if isinstance(item, Table):
            tables.append(from_rich(item))
        else:
            lines.append(plain(item))
    return tables, lines


def simple(title: str, header: list[str], rows: list[list[Any]], align: list[str] | None = None,
           caption: str = "") -> dict:
    """A table built here (not by a view); a cell may be {"text", "href"} to link to a page."""
    align = align or ["left"] * len(header)
    return {"title": title, "caption": caption, "columns": [{"header": h, "align": a} for h, a in zip(header, align)],
            "rows": rows}
