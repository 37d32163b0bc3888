"""`gentool report`: a static HTML page for a run, several runs, a sweep or a benchmark (collect.py reads the
folders, page.py renders them)."""

from __future__ import annotations

from pathlib import Path

from gentool.report.collect import collect
from gentool.report.page import Layout, ReportWriter
from gentool.runtime.progress import Reporter


def default_out(paths: list[Path]) -> Path:
    """reports/<name of the folder>, or reports/<first>-and-N-more for several."""
    name = paths[0].resolve().name or "report"
    return Path("reports") / (name if len(paths) == 1 else f"{name}-and-{len(paths) - 1}-more")


def make_report(paths: list[Path], out: Path | None, reporter: Reporter) -> dict:
    """Read the folders and write the report; returns where it is and what it holds."""
    layout = Layout.at(out or default_out(paths))
    writer = ReportWriter(layout, reporter)  # refuses before anything is read if Jinja2 is missing
    content = collect(paths)
    return {**writer.write(content), "title": content["title"]}
