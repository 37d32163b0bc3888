"""`gentool report`: a static HTML report of run folders, a sweep or a benchmark."""

from pathlib import Path
from typing import Annotated

import typer

from gentool.cli.commands import Commands
from gentool.cli.common import handle_errors, reporter_for, show
from gentool.cli.options import JsonOption, QuietOption, out_option

app = Commands(callback=None)  # one command, `gentool report`, not a group


@app.command("report")
@handle_errors
def report(
    paths: Annotated[list[Path], typer.Argument(
        metavar="PATH", show_default=False,
        help="A run folder, several run folders (compared), a sweep folder or a `gan benchmark` folder.")],
    out_dir: out_option("A folder (DIR/index.html and DIR/files/) or NAME.html (with NAME_files/ beside it). An "
                        "earlier report there is replaced; any other existing folder is refused.",
                        "reports/FOLDER-NAME") = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Write a static HTML page of runs, a sweep or a benchmark: config, metrics, figures, tables, audio players.

    For a sweep or a benchmark: the grid, with a page per run. No server and no network: open index.html."""
    from gentool.report import make_report

    result = make_report(paths, out_dir, reporter_for(quiet))
    show(result, json_, lambda r: [f"report: {r['report']} ({r['pages']} page{'s' if r['pages'] > 1 else ''}, "
                                   f"{r['runs']} run{'s' if r['runs'] != 1 else ''}; files in {r['files']})"])
