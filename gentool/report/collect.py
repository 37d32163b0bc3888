"""What a report shows, read from folders into plain dicts: a run folder, several runs, a sweep or a benchmark.

Nothing here draws or writes; `page.py` renders what these functions return. A folder is read as it is now: a run
still training, one that was interrupted (no summary.json, or a metrics.jsonl cut short) or one that failed is
described as such, never refused, because those are the runs people most want to look at.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from gentool.errors import UsageError
from gentool.evaluate.instruments import instrument_of, mixed_instruments
from gentool.report.results import run_results
from gentool.report.side_by_side import side_by_side
from gentool.runtime.rundir import RunDir

SKIPPED_FOLDERS = ("checkpoints",)
REPORT_MARKER = ".gentool-report"  # page.MARKER: the files folder of a report
SOUND_SUFFIXES = (".wav",)
IMAGE_SUFFIXES = (".png", ".svg", ".jpg", ".jpeg")
# numbers that describe where in training a record is, not how it went
POSITION_KEYS = ("epoch", "step", "iteration", "elapsed_s")


def what_is(path: Path) -> str:
    """"sweep", "benchmark" or "run"; anything else is refused with what a report can be made of."""
    if not path.is_dir():
        raise UsageError(f"'{path}' is not a folder; pass a run folder, a sweep folder or a benchmark folder")
    if (path / "sweep.json").is_file() or (path / "sweep.yaml").is_file():
        return "sweep"
    if (path / "benchmark.json").is_file():
        return "benchmark"
    if any((path / name).is_file() for name in ("config.yaml", "summary.json", "metrics.jsonl")):
        return "run"
    raise UsageError(f"'{path}' holds no config.yaml, sweep.json or benchmark.json, so it is not a run, sweep or "
                     f"benchmark folder; pass a folder a gentool command wrote")


def collect(paths: list[Path]) -> dict:
    """The report's content: {"kind": "run"|"runs"|"sweep"|"benchmark", ...}."""
    if not paths:
        raise UsageError("give at least one run, sweep or benchmark folder")
    kinds = [what_is(path) for path in paths]
    if len(paths) == 1 and kinds[0] != "run":
        return collect_sweep(paths[0]) if kinds[0] == "sweep" else collect_benchmark(paths[0])
    if any(kind != "run" for kind in kinds):
        other = next(path for path, kind in zip(paths, kinds) if kind != "run")
        raise UsageError(f"'{other}' is a {what_is(other)} folder; a report of several folders compares runs, so "
                         f"give a sweep or benchmark folder on its own")
    runs = [collect_run(path) for path in paths]
    name_runs(runs)
    if len(runs) == 1:
        return {"kind": "run", "title": runs[0]["name"], "run": runs[0], "runs": runs}
    return {"kind": "runs", "title": f"{len(runs)} runs", "runs": runs, "shared_metrics": shared_metrics(runs),
            "instruments_note": mixed_instruments((run["summary"] or {}).get("instrument") for run in runs),
            "side_by_side": side_by_side(runs)}


def name_runs(runs: list[dict]) -> None:
    """Give every run a unique, file-safe slug (its page's folder in the report)."""
    seen: set[str] = set()
    for run in runs:
        base = slug(run.get("label") or run["name"])
        candidate, number = base, 1
        while candidate in seen:
            number += 1
            candidate = f"{base}-{number}"
        seen.add(candidate)
        run["slug"] = candidate


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]+", "-", text).strip("-.") or "run"


# ------------------------------------------------------------------------------------------------------ one run

def collect_run(path: Path, label: str | None = None) -> dict:
    run = RunDir(path)
    summary, summary_problem = read_json(run.summary_path)
    records, metrics_problem = read_records(run)
    status, status_note = run_status(run, summary, summary_problem, records)
    final = (summary or {}).get("final") or (records[-1] if records else None)
    return {
        "name": path.name, "label": label, "path": str(path.resolve()), "folder": path,
        "kind": (summary or {}).get("kind") or run.kind() or "unknown",
        "status": status, "status_note": status_note,
        "summary": summary, "facts": run_facts(summary, records),
        "command": (summary or {}).get("command"),
        "config_text": read_text(run.config_path),
        "records": records, "metrics_problem": metrics_problem,
        "final": scalars(final or {}),
        "series": metric_series(records), "x_axis": x_axis(records),
        "images": images_by_folder(path), "sounds": sounds_by_folder(path),
        "results": run_results(path),
        "coverage": read_json(path / "coverage.json")[0],  # a coverage command's last measurement, if any
    }


def read_json(path: Path) -> tuple[dict | None, str | None]:
    if not path.is_file():
        return None, None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        return None, f"{path.name} could not be read ({err})"
    return (data, None) if isinstance(data, dict) else (None, f"{path.name} does not hold an object")


def read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def read_records(run: RunDir) -> tuple[list[dict], str | None]:
    try:
        return run.read_metrics(), None
    except UsageError as err:  # a broken line: the page says so instead of showing no run at all
        return [], str(err)


def run_status(run: RunDir, summary: dict | None, problem: str | None, records: list[dict]) -> tuple[str, str]:
    """(status, what it means for the reader)."""
    writer = run.writer()
    if writer is not None:
        return "running", (f"process {writer.get('pid')} on {writer.get('host')} has been writing into it since "
                           f"{writer.get('started')}; this page shows the epochs done so far")
    if summary is None:
        done = f"{len(records)} epoch records" if records else "no epoch records"
        return "no summary", (problem or f"the run has no summary.json: it was stopped before it could write one "
                                         f"(a kill or a crash); {done} so far")
    status = summary.get("status", "unknown")
    if status == "failed":
        return status, summary.get("message") or "the run failed; its last good checkpoint is kept"
    if status == "interrupted":
        return status, (f"stopped after {summary.get('epochs_completed')} of {summary.get('epochs')} epochs; "
                        f"continue with --resume {run.path}")
    return status, ""


def run_facts(summary: dict | None, records: list[dict]) -> list[tuple[str, str]]:
    """The few facts a reader wants first, as (label, text)."""
    summary = summary or {}
    facts = []
    for label, key in (("family", "kind"), ("preset", "preset"), ("seed", "seed"), ("device", "device")):
        if summary.get(key) is not None:
            facts.append((label, str(summary[key])))
    if summary.get("epochs") is not None:
        facts.append(("epochs", f"{summary.get('epochs_completed')} of {summary['epochs']}"))
    elif records and "epoch" in records[-1]:
        facts.append(("epochs", f"{records[-1]['epoch']} recorded"))
    if summary.get("wall_time_s") is not None:
        facts.append(("wall time", f"{summary['wall_time_s']:.1f} s"))
    instrument = instrument_of(summary.get("instrument"))
    if instrument is not None:
        facts.append(("measured by", instrument.label()))
    environment = summary.get("environment") or {}
    if environment:
        facts.append(("versions", ", ".join(f"{k} {environment[k]}" for k in ("gentool", "torch", "python")
                                            if k in environment)))
    return facts


def scalars(record: dict) -> dict:
    """A record's single values (numbers, words, flags); lists and tables are shown elsewhere or not at all."""
    return {key: value for key, value in record.items()
            if isinstance(value, (int, float, str, bool)) or value is None}


def x_axis(records: list[dict]) -> str:
    """What a run's records are counted in: epochs (trainers), iterations (EM), steps (MCMC, VI), else records."""
    return next((key for key in ("epoch", "iteration", "step") if records and key in records[0]), "record")


def metric_series(records: list[dict]) -> dict[str, tuple[list[float], list[float]]]:
    """{metric: (x, y)} for every number recorded in at least one record, x on `x_axis(records)`. Metrics measured
    every few epochs only (coverage) have points where they were measured."""
    series: dict[str, tuple[list[float], list[float]]] = {}
    axis = x_axis(records)
    for index, record in enumerate(records, 1):
        x = record.get(axis, index)
        for key, value in record.items():
            if key in POSITION_KEYS or isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            xs, ys = series.setdefault(key, ([], []))
            xs.append(x)
            ys.append(float(value))
    return series


def shared_metrics(runs: list[dict]) -> list[str]:
    names = [set(run["series"]) for run in runs if run["series"]]
    return sorted(set.intersection(*names)) if names else []


def run_files(path: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Files of these kinds anywhere in the run folder, relative to it, sorted; not in checkpoints/, and not in a
    report written into the run folder (its copies would be shown again, and again at each rerun)."""
    reports = [marker.parent for marker in path.rglob(REPORT_MARKER)]
    found = []
    for file in path.rglob("*"):
        relative = file.relative_to(path)
        if relative.parts[0] in SKIPPED_FOLDERS or relative.name.startswith("."):
            continue
        if any(file.is_relative_to(report) for report in reports):
            continue
        if file.suffix.lower() in suffixes and file.is_file():
            found.append(relative)
    return sorted(found)


def images_by_folder(path: Path) -> list[dict]:
    """[{"folder": "figures", "images": [relative paths]}]: figures first, then samples, then the rest. Images
    that belong to a sound (a piano roll beside its WAV) are shown with the sound instead."""
    sounds = {file.with_suffix("") for file in run_files(path, SOUND_SUFFIXES)}
    groups: dict[str, list[str]] = {}
    for file in run_files(path, IMAGE_SUFFIXES):
        if file.with_suffix("") not in sounds:
            groups.setdefault(str(file.parent), []).append(file.as_posix())
    order = {"figures": 0, "samples": 1}
    return [{"folder": folder if folder != "." else "run folder", "images": images}
            for folder, images in sorted(groups.items(), key=lambda item: (order.get(item[0], 2), item[0]))]


def sounds_by_folder(path: Path) -> list[dict]:
    """[{"folder", "sounds": [{"name", "wav", "midi", "image"}], "midi_only": [...]}]: every WAV with the MIDI file
    and picture of the same name beside it, and MIDI files that have no WAV."""
    groups: dict[str, dict] = {}
    wavs = run_files(path, SOUND_SUFFIXES)
    for wav in wavs:
        group = groups.setdefault(str(wav.parent), {"folder": str(wav.parent), "sounds": [], "midi_only": []})
        sibling = {suffix: wav.with_suffix(suffix) for suffix in (".mid", ".png")}
        group["sounds"].append({
            "name": wav.stem, "wav": wav.as_posix(),
            "midi": sibling[".mid"].as_posix() if (path / sibling[".mid"]).is_file() else None,
            "image": sibling[".png"].as_posix() if (path / sibling[".png"]).is_file() else None})
    with_sound = {wav.with_suffix("") for wav in wavs}
    for midi in run_files(path, (".mid", ".midi")):
        if midi.with_suffix("") not in with_sound:
            group = groups.setdefault(str(midi.parent), {"folder": str(midi.parent), "sounds": [], "midi_only": []})
            group["midi_only"].append(midi.as_posix())
    return [groups[folder] for folder in sorted(groups)]


# -------------------------------------------------------------------------------------------------------- sweeps

def collect_sweep(path: Path) -> dict:
    """sweep.json (cells, groups with intervals, comparisons), sweep.yaml, the sweep's figures, and a page for
    every cell whose folder exists. A sweep still running (no sweep.json yet) shows its plan."""
    sweep, problem = read_json(path / "sweep.json")
    plan = read_text(path / "sweep.yaml")
    sweep = sweep or {}
    cells = []
    for cell in sweep.get("cells", []):
        folder = path / str(cell.get("path") or Path("cells") / str(cell.get("name")))
        has_run = folder.is_dir() and what_is_run(folder)
        cells.append({**cell, "run": collect_run(folder, label=str(cell.get("name"))) if has_run else None})
    runs = [cell["run"] for cell in cells if cell["run"] is not None]
    name_runs(runs)
    figures = sorted(file.relative_to(path).as_posix() for file in (path / "figures").glob("*")
                     if file.suffix.lower() in IMAGE_SUFFIXES) if (path / "figures").is_dir() else []
    return {"kind": "sweep", "title": f"sweep {path.name}", "folder": path, "path": str(path.resolve()),
            "sweep": sweep, "problem": problem if problem else (None if sweep else "no sweep.json yet: the sweep "
                                                                                   "has not finished its first cell"),
            "plan": plan, "cells": cells, "runs": runs, "figures": figures,
            "markdown": read_text(path / "sweep.md")}


def what_is_run(path: Path) -> bool:
    return any((path / name).is_file() for name in ("config.yaml", "summary.json", "metrics.jsonl"))


# ---------------------------------------------------------------------------------------------------- benchmarks

def collect_benchmark(path: Path) -> dict:
    """benchmark.json (`gan benchmark`): its table as printed, and a page per run. Runs are found by their folder
    relative to the benchmark folder (<dataset>/cells/<fixes>-s<seed>), so a moved folder still finds them."""
    report, problem = read_json(path / "benchmark.json")
    report = report or {}
    runs = []
    for name, relative in report.get("runs", {}).items():
        folder = path / relative
        if folder.is_dir() and what_is_run(folder):
            runs.append(collect_run(folder, label=name))
    name_runs(runs)
    return {"kind": "benchmark", "title": f"benchmark {path.name}", "folder": path, "path": str(path.resolve()),
            "benchmark": report, "problem": problem, "runs": runs}
