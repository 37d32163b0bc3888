"""Letter models side by side, for a report of several runs: when every run holds a letter coverage.json (`gan
coverage`, `vae coverage`), one table of their coverage beside the baselines, and for each run its last sample
grid, letter histogram and coverage over training, shown in columns so the runs are read across."""

from __future__ import annotations

from pathlib import Path

from gentool.evaluate.instruments import instrument_of, mixed_instruments
from gentool.report.tables import from_rich
from gentool.views.gan import letters_side_by_side

# (row title, the file in the run folder, or "samples" for the last fixed-noise grid)
PICTURES = (("samples at the last epoch", "samples"), ("letter histogram", "figures/coverage_histogram.png"),
            ("coverage over training", "figures/dynamics.png"))


def last_samples(folder: Path) -> str | None:
    grids = sorted((folder / "samples").glob("epoch_*.png"))
    return grids[-1].relative_to(folder).as_posix() if grids else None


def side_by_side(runs: list[dict]) -> dict | None:
    """{"table", "instruments": [what measured each run], "instruments_note", "rows": [{"title", "images":
    [relative path or None per run]}]}, or None unless every run is a letter model measured by a coverage command.
    Baselines are shown when every run measured the same ones."""
    coverages = [run["coverage"] for run in runs]
    if len(runs) < 2 or any(c is None or c.get("kind") != "letters" for c in coverages):
        return None
    baselines = coverages[0].get("baselines") or {}
    if any(c.get("baselines") != baselines for c in coverages):
        baselines = {}
    models = {run.get("label") or run["name"]: coverage["model"] for run, coverage in zip(runs, coverages)}
    table = letters_side_by_side(models, baselines, coverages[0]["samples"], coverages[0]["seed"])
    rows = []
    for title, name in PICTURES:
        images = [last_samples(run["folder"]) if name == "samples"
                  else (name if (run["folder"] / name).is_file() else None) for run in runs]
        if any(images):
            rows.append({"title": title, "images": images})
    instruments = [instrument_of(c.get("instrument")) for c in coverages]
    return {"table": from_rich(table), "rows": rows,
            "instruments": [f"measured by {i.label()}" if i else "measured by an unrecorded instrument"
                            for i in instruments],
            "instruments_note": mixed_instruments(c.get("instrument") for c in coverages)}
