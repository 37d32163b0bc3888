"""Render collected report content (collect.py) as static HTML: Jinja2 templates shipped in
gentool/report/templates/, plots as SVG, and copies of the runs' figures, WAV and MIDI files, linked relatively.

The report is a page plus a folder beside it: `--out DIR` gives DIR/index.html and DIR/files/, `--out NAME.html`
gives NAME.html and NAME_files/ (as a browser saves a page). Each run gets its own page in
files/runs/<slug>/index.html with its files copied under the same relative paths they have in the run folder, so
a link on the page is the file's path in the run. Nothing is fetched from a network and no script is needed.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gentool import __version__
from gentool.errors import UsageError
from gentool.report.collect import REPORT_MARKER
from gentool.report.plots import metrics_plot, overlay_plot
from gentool.report.tables import from_rich, simple
from gentool.runtime.files import atomic_write_text
from gentool.runtime.progress import Reporter
from gentool.sweep.tables import device_text, instrument_text

MARKER = REPORT_MARKER  # in the files folder: a folder gentool wrote, so writing the report again may replace it
INSTALL_HINT = "python3 -m pip install 'jinja2>=3'"


def jinja_environment() -> Any:
    try:
        import jinja2
    except ImportError:
        raise UsageError(f"gentool's report pages are rendered with Jinja2, a gentool dependency that is not installed "
                         f"(an install without dependencies?); install it with {INSTALL_HINT}") from None
    env = jinja2.Environment(loader=jinja2.PackageLoader("gentool.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = number
    return env


def number(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    return f"{value:.4g}"


@dataclass(frozen=True)
class Layout:
    index: Path  # the page to open
    files: Path  # everything else: run pages, copies, plots

    @classmethod
    def at(cls, out: Path) -> "Layout":
        if out.suffix.lower() in (".html", ".htm"):
            return cls(out, out.with_name(f"{out.stem}_files"))
        return cls(out / "index.html", out / "files")

    def prepare(self) -> None:
        """Refuse to write over anything that is not an earlier gentool report; replace an earlier report."""
        ours = (self.files / MARKER).is_file()
        if not ours:
            folder_mode = self.index.name == "index.html" and self.index.parent == self.files.parent
            taken = (self.index.parent.is_dir() and any(self.index.parent.iterdir())) if folder_mode else \
                (self.index.exists() or self.files.exists())
            if taken or self.index.parent.is_file():
                where = self.index.parent if folder_mode else self.index
                raise UsageError(f"--out '{where}' already exists and is not a gentool report; choose a new --out "
                                 f"(an earlier report there would be replaced)")
        else:
            shutil.rmtree(self.files)
        self.files.mkdir(parents=True)
        atomic_write_text(self.files / MARKER, f"written by gentool {__version__}\n")


def relative(target: Path, page: Path) -> str:
    """The link from `page` to `target`, both inside the report."""
    return Path(os.path.relpath(target, page.parent)).as_posix()


class ReportWriter:
    def __init__(self, layout: Layout, reporter: Reporter):
        self.layout = layout
        self.env = jinja_environment()
        self.reporter = reporter

    def write(self, content: dict) -> dict:
        """Write every page of the report; returns where it went."""
        self.layout.prepare()
        runs = content["runs"]
        with self.reporter.task("building the report", total=len(runs) + 1) as progress:
            if content["kind"] == "run":
                self.run_page(runs[0], self.layout.index, home=None)
            else:
                for run in runs:
                    self.run_page(run, self.run_index(run), home=self.layout.index)
                    progress.advance()
                getattr(self, f"{content['kind']}_page")(content)
            progress.advance()
        return {"report": str(self.layout.index), "files": str(self.layout.files), "kind": content["kind"],
                "runs": len(runs), "pages": 1 if content["kind"] == "run" else len(runs) + 1}

    # ------------------------------------------------------------------------------------------------- pieces

    def run_folder(self, run: dict) -> Path:
        return self.layout.files / "runs" / run["slug"]

    def run_index(self, run: dict) -> Path:
        return self.run_folder(run) / "index.html"

    def copy_run_files(self, run: dict) -> None:
        """The run's images, WAV and MIDI files, under the same relative paths as in the run folder."""
        names = [image for group in run["images"] for image in group["images"]]
        for group in run["sounds"]:
            names += group["midi_only"]
            for sound in group["sounds"]:
                names += [name for name in (sound["wav"], sound["midi"], sound["image"]) if name]
        for name in names:
            target = self.run_folder(run) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(run["folder"] / name, target)

    def render(self, template: str, page: Path, **context: Any) -> None:
        html = self.env.get_template(template).render(version=__version__, **context)
        page.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(page, html)

    def link(self, target: Path, page: Path) -> str:
        return relative(target, page)

    # -------------------------------------------------------------------------------------------------- pages

    def run_page(self, run: dict, page: Path, home: Path | None) -> None:
        self.copy_run_files(run)
        folder = self.run_folder(run)
        plot = None
        if run["series"]:
            plot = metrics_plot(run["series"], folder / "plots" / "metrics.svg", xlabel=run["x_axis"])
        prefix = self.link(folder, page).rstrip("/") + "/" if page.parent != folder else ""
        self.render("run.html", page, title=run["label"] or run["name"], run=run, prefix=prefix,
                    metrics_plot=self.link(plot, page) if plot else None,
                    home=self.link(home, page) if home else None)

    def cell_link(self, run: dict | None) -> str | None:
        return self.link(self.run_index(run), self.layout.index) if run else None

    def runs_page(self, content: dict) -> None:
        runs, shared = content["runs"], content["shared_metrics"]
        plot = None
        if shared:
            plot = overlay_plot({run["slug"]: run["series"] for run in runs}, shared,
                                self.layout.files / "plots" / "overlay.svg", xlabel=runs[0]["x_axis"])
        finals = [name for name in shared if all(name in run["final"] for run in runs)]
        table = simple("runs (last record of each)", ["run", "family", "status", "epochs", *finals],
                       [[{"text": run["name"], "href": self.cell_link(run)}, run["kind"], run["status"],
                         dict(run["facts"]).get("epochs", ""), *[number(run["final"][m]) for m in finals]]
                        for run in runs], ["left", "left", "left", "left", *["right"] * len(finals)])
        self.render("runs.html", self.layout.index, title=content["title"], content=content, table=table,
                    overlay=self.link(plot, self.layout.index) if plot else None,
                    side_by_side=self.side_by_side(content))

    def side_by_side(self, content: dict) -> dict | None:
        """The letter runs' table and pictures in columns (side_by_side.py), linked to the runs' copied files."""
        compared = content.get("side_by_side")
        if compared is None:
            return None
        runs = content["runs"]
        rows = [{"title": row["title"],
                 "images": [self.link(self.run_folder(run) / image, self.layout.index) if image else None
                            for run, image in zip(runs, row["images"])]} for row in compared["rows"]]
        return {**compared, "names": [run.get("label") or run["name"] for run in runs], "rows": rows}

    def sweep_page(self, content: dict) -> None:
        sweep = content["sweep"]
        grid_keys = list((sweep.get("grid") or {}).keys())
        metrics = list(sweep.get("metrics") or [])
        measured = any(instrument_text(cell.get("instrument")) for cell in content["cells"])  # letter, drum runs
        cells = simple(
            "cells (each links to its run's page)",
            ["cell", *grid_keys, "seed", "status", *metrics, "seconds", "device", *(["measured by"] * measured)],
            [[{"text": cell.get("name"), "href": self.cell_link(cell["run"])},
              *[number((cell.get("params") or {}).get(key)) for key in grid_keys], number(cell.get("seed")),
              cell.get("status", "") + (f": {cell['reason']}" if cell.get("reason") else ""),
              *[number((cell.get("metrics") or {}).get(m)) for m in metrics], number(cell.get("seconds")),
              device_text(cell.get("device")), *([instrument_text(cell.get("instrument"))] * measured)]
             for cell in content["cells"]],
            ["left", *["right"] * len(grid_keys), "right", "left", *["right"] * (len(metrics) + 1), "left",
             *(["left"] * measured)])
        groups = simple(
            "groups: mean ± std over seeds, [95% interval]", ["group", "runs", *metrics],
            [[group.get("label"), number(group.get("n")),
              *[spread_cell((group.get("metrics") or {}).get(m)) for m in metrics]]
             for group in sweep.get("groups", [])], ["left", "right", *["right"] * len(metrics)])
        comparisons = simple(
            "comparisons against the baseline (p Holm-corrected over the comparisons)",
            ["group", "baseline", "metric", "difference", "95% interval", "p", "p (Holm)", "significant", "note"],
            [[c.get("label"), c.get("baseline"), c.get("metric"), number(c.get("diff")),
              f"[{number(c.get('ci_low'))}, {number(c.get('ci_high'))}]", number(c.get("p")), number(c.get("p_holm")),
              "yes" if c.get("significant") else "no", c.get("note") or ""]
             for c in sweep.get("comparisons", [])],
            ["left", "left", "left", "right", "right", "right", "right", "left", "left"])
        for figure in content["figures"]:
            target = self.layout.files / "sweep" / figure
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(content["folder"] / figure, target)
        self.render("sweep.html", self.layout.index, title=content["title"], content=content, cells=cells,
                    groups=groups if sweep.get("groups") else None,
                    comparisons=comparisons if sweep.get("comparisons") else None,
                    figures=[(figure, self.link(self.layout.files / "sweep" / figure, self.layout.index))
                             for figure in content["figures"]])

    def benchmark_page(self, content: dict) -> None:
        from gentool.views.gan import benchmark_table  # the table `gan benchmark` prints

        report = content["benchmark"]
        tables = []
        if report.get("table"):
            tables = [from_rich(table) for table in
                      benchmark_table(report)[0]]
        runs = simple("runs (each links to its page)", ["run", "status", "epochs", "modes / letters", "HQ / FID"],
                      [[{"text": run["label"], "href": self.cell_link(run)}, run["status"],
                        dict(run["facts"]).get("epochs", ""),
                        number(run["final"].get("modes_captured", run["final"].get("letters_covered"))),
                        number(run["final"].get("high_quality", run["final"].get("letter_fid")))]
                       for run in content["runs"]], ["left", "left", "left", "right", "right"])
        self.render("benchmark.html", self.layout.index, title=content["title"], content=content, tables=tables,
                    runs=runs)


def spread_cell(stats: dict | None) -> str:
    if not stats:
        return "n/a"
    text = number(stats.get("mean"))
    if stats.get("std") is not None:
        text += f" ± {number(stats['std'])}"
    if stats.get("ci_low") is not None:
        text += f" [{number(stats['ci_low'])}, {number(stats['ci_high'])}]"
    return text
