"""`gentool report`: a static HTML report of run folders, a sweep or a benchmark."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gentool.cli.common import JsonOption, QuietOption, handle_errors, reporter_for, show
from gentool.report import make_report


@handle_errors
def report(
    paths: Annotated[list[Path], typer.Argument(
        metavar="PATH", show_default=False,
        help="A run folder, several run folders (compared), a sweep folder or a `gan benchmark` folder.")],
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", "-o", show_default="reports/<folder name>",
        help="A folder (DIR/index.html and DIR/files/) or NAME.html (with NAME_files/ beside it). An earlier "
             "report there is replaced; any other existing folder is refused.")] = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Write a static HTML page of runs, a sweep or a benchmark: config, metrics, figures, tables, audio players.

    For a sweep or a benchmark: the grid, with a page per run. No server and no network: open index.html."""
    result = make_report(paths, out_dir, reporter_for(quiet))
    show(result, json_, lambda r: [f"report: {r['report']} ({r['pages']} page{'s' if r['pages'] > 1 else ''}, "
                                   f"{r['runs']} run{'s' if r['runs'] != 1 else ''}; files in {r['files']})"])
