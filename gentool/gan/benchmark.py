"""`gentool gan benchmark`: every fix (or fix combination) over seeds on ring8, grid25 and the letters, in one
table beside the published figures.

Each run is an ordinary run folder (<out>/<dataset>/<fixes>-s<seed>/) made by the same trainer as `gan train`,
so any cell can be traced to its config.yaml. A run whose summary says "completed" is read, not trained again,
and an unfinished one resumes from its last checkpoint: an interrupted benchmark continues where it stopped when
the same command is given again. The figures are the last epoch's evaluation (not the best epoch's): what a user
gets when training stops.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Callable

import torch

from gentool.errors import UsageError
from gentool.evaluate.spread import spread
from gentool.gan.config import DATASETS, GanConfig, gan_config_dict, resolve_gan_config
from gentool.gan.family import GAN
from gentool.gan.fixes import FIXES
from gentool.gan.tasks import load_task
from gentool.runtime.context import RunContext
from gentool.runtime.files import atomic_write_json, atomic_write_text
from gentool.runtime.progress import Reporter
from gentool.runtime.rundir import RunDir
from gentool.runtime.runs import read_run_config, resume_run, start_run

VANILLA = "vanilla"
DEFAULT_DATASETS = ("ring8", "grid25", "fonts")
# Lin et al. 2018 (PacGAN), Table 1, as quoted in the issue: mean modes over trials, and HQ where it was given
PUBLISHED = {
    "GAN (PacGAN paper)": {"ring8": {"modes": 6.3}, "grid25": {"modes": 17.3}},
    "PacGAN4 (PacGAN paper)": {"ring8": {"modes": 7.8}, "grid25": {"modes": 24.8, "high_quality": 0.936}},
}
POINT_METRICS = ("modes_captured", "high_quality", "reverse_kl")
LETTER_METRICS = ("letters_covered", "letter_fid")


def parse_fix_set(text: str) -> list[str]:
    """'vanilla' -> [], 'pacgan+r1' -> ['pacgan', 'r1']."""
    if text == VANILLA:
        return []
    names = [name.strip() for name in text.split("+")]
    if not all(names):  # "pacgan+", "+r1", "a++b" and "" would silently become another fix set
        raise UsageError(f"--fixes '{text}' has an empty fix name; write 'vanilla', one fix, or fixes joined by "
                         f"single '+' signs (e.g. pacgan+r1)")
    if VANILLA in names:
        raise UsageError(f"--fixes '{text}': '{VANILLA}' means no fix, so it stands alone; list the fixes to combine")
    for name in names:
        if name not in FIXES:
            raise UsageError(f"unknown fix '{name}' in --fixes '{text}'; available: {VANILLA}, "
                             f"{', '.join(sorted(FIXES))} (join several with +)")
    return names


def fix_set_name(fixes: list[str]) -> str:
    return "+".join(fixes) or VANILLA


@dataclass(frozen=True, kw_only=True)
class RunSpec:
    dataset: str
    fixes: tuple[str, ...]
    seed: int
    folder: str
    preset: str
    assignments: tuple[str, ...]
    device: str
    data_dir: str | None
    threads: int

    @property
    def name(self) -> str:
        return f"{self.dataset}/{fix_set_name(list(self.fixes))}-s{self.seed}"

    def config(self) -> GanConfig:
        flags = {"dataset": self.dataset, "fixes": list(self.fixes), "seed": self.seed, "device": self.device}
        return resolve_gan_config(self.preset, None, flags, list(self.assignments))


def assignments_for(dataset: str, assignments: list[str]) -> tuple[str, ...]:
    """--set KEY=VALUE applies to every run; --set DATASET:KEY=VALUE only to that dataset's runs."""
    chosen = []
    for text in assignments:
        scope, colon, rest = text.partition(":")
        if colon and "=" not in scope:
            if scope not in DATASETS:
                raise UsageError(f"--set '{text}': unknown dataset '{scope}' before ':'; choose from "
                                 f"{', '.join(DATASETS)}")
            if scope == dataset:
                chosen.append(rest)
        else:
            chosen.append(text)
    return tuple(chosen)


def plan(datasets: list[str], fix_sets: list[str], seeds: list[int], out: Path, fonts_preset: str,
         assignments: list[str], device: str, data_dir: Path | None, jobs: int) -> list[RunSpec]:
    for dataset in datasets:
        if dataset not in DATASETS:
            raise UsageError(f"unknown dataset '{dataset}'; choose from {', '.join(DATASETS)}")
    threads = max(1, (os.cpu_count() or 1) // jobs)
    if os.environ.get("OMP_NUM_THREADS", "").isdigit():  # a cap set by the caller (several benchmarks at once)
        threads = min(threads, max(1, int(os.environ["OMP_NUM_THREADS"])))
    specs = []
    for dataset in datasets:
        preset = fonts_preset if dataset == "fonts" else VANILLA
        for text in fix_sets:
            fixes = tuple(parse_fix_set(text))
            for seed in seeds:
                folder = out / dataset / f"{fix_set_name(list(fixes))}-s{seed}"
                specs.append(RunSpec(dataset=dataset, fixes=fixes, seed=seed, folder=str(folder), preset=preset,
                                     assignments=assignments_for(dataset, assignments), device=device,
                                     data_dir=str(data_dir) if data_dir else None, threads=threads))
    for spec in specs:  # every config is valid before anything trains (bad --set, impossible combinations)
        check_existing(spec, spec.config())
    return specs


def check_existing(spec: RunSpec, config: GanConfig) -> None:
    """A folder from an earlier benchmark is reused only if it was made with the same config (apart from the
    device and the epoch count, which a resume may raise)."""
    if not (Path(spec.folder) / "config.yaml").is_file():
        return
    existing = gan_config_dict(read_run_config(RunDir.open_existing(spec.folder, what="benchmark run"), GAN))
    wanted = gan_config_dict(config)
    for settings in (existing, wanted):
        settings.pop("device")
        settings.pop("logging", None)  # how a run is logged does not change its result
        settings["train"].pop("epochs")
    if existing != wanted:
        changed = sorted(k for k in wanted if wanted[k] != existing.get(k))
        raise UsageError(f"benchmark run '{spec.folder}' was made with other settings ({', '.join(changed)} "
                         f"differ); give a new --out folder, or the same options as before")


def status_of(spec: RunSpec) -> str:
    """"done", "partial" (has a checkpoint to resume) or "new"."""
    summary = Path(spec.folder) / "summary.json"
    if summary.is_file() and json.loads(summary.read_text()).get("status") == "completed":
        return "done"
    return "partial" if (Path(spec.folder) / "checkpoints" / "last.pt").is_file() else "new"


def run_one(spec: RunSpec) -> dict:
    """Train (or resume, or just read) one run; returns its summary. Runs in a worker process."""
    torch.set_num_threads(spec.threads)
    state = status_of(spec)
    ctx = RunContext(data_dir=Path(spec.data_dir) if spec.data_dir else None)
    if state == "partial":
        resume_run(GAN, spec.folder, ctx, command="gentool gan benchmark")
    elif state == "new":
        start_run(GAN, spec.config(), ctx, out=spec.folder, preset=spec.preset, command="gentool gan benchmark")
    return json.loads((Path(spec.folder) / "summary.json").read_text())


def prepare_shared_data(specs: list[RunSpec], reporter: Reporter) -> None:
    """Build the letter dataset and evaluator once, before workers start (they would all build it at once)."""
    for spec in specs:
        if spec.dataset == "fonts" and status_of(spec) != "done":
            data_dir = Path(spec.data_dir) if spec.data_dir else None
            load_task(spec.config(), RunContext(reporter=reporter, data_dir=data_dir))
            return


def run_all(specs: list[RunSpec], jobs: int, on_done: Callable[[RunSpec, dict], None]) -> dict[str, dict]:
    """Every run's summary by name; `jobs` runs side by side in worker processes (1 = in this process)."""
    results: dict[str, dict] = {}
    if jobs == 1:
        for spec in specs:
            results[spec.name] = run_one(spec)
            on_done(spec, results[spec.name])
        return results
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(run_one, spec): spec for spec in specs}
        for future in futures:  # in plan order, so the log reads like the table
            spec = futures[future]
            results[spec.name] = future.result()
            on_done(spec, results[spec.name])
    return results


def aggregate(specs: list[RunSpec], results: dict[str, dict]) -> dict:
    """{fix set: {dataset: {metric: {mean, std, n, missing}}}} from the runs' final evaluations."""
    table: dict[str, dict] = {}
    for spec in specs:
        summary = results[spec.name]
        final = summary["final"] or {}
        metrics = POINT_METRICS if spec.dataset != "fonts" else LETTER_METRICS
        cell = table.setdefault(fix_set_name(list(spec.fixes)), {}).setdefault(spec.dataset, {"values": {}})
        for metric in (*metrics, "seconds_per_epoch"):
            value = summary.get("seconds_per_epoch") if metric == "seconds_per_epoch" else final.get(metric)
            cell["values"].setdefault(metric, []).append(value)
        cell.setdefault("epochs", summary["epochs_completed"])
    for row in table.values():
        for cell in row.values():
            cell.update({metric: spread(values) for metric, values in cell.pop("values").items()})
    return table


def run_benchmark(*, datasets: list[str] | None, fix_sets: list[str] | None, seeds: int, out: Path,
                  fonts_preset: str, assignments: list[str], jobs: int, ctx: RunContext,
                  describe: Callable[[RunSpec, dict], str]) -> dict:
    """Plan, run (or read, or resume) every run, and aggregate them: the report benchmark.json holds.
    Each worker decides its device from ctx's --device (else auto); `describe(spec, summary)` is the progress line
    logged as each run finishes."""
    reporter = ctx.reporter
    datasets = datasets or list(DEFAULT_DATASETS)
    fix_sets = fix_sets or [VANILLA, *FIXES]
    if len(set(fix_sets)) != len(fix_sets):
        raise UsageError("a fix set is listed twice in --fixes")
    seed_list = list(range(seeds))
    check_benchmark_folder(out)
    specs = plan(datasets, fix_sets, seed_list, out, fonts_preset, assignments, ctx.requested_device or "auto",
                 ctx.data_dir, jobs)
    done = sum(status_of(spec) == "done" for spec in specs)
    reporter.info(f"benchmark {out}: {len(specs)} runs ({done} already done), {jobs} at a time")
    prepare_shared_data(specs, reporter)
    started = time.perf_counter()
    finished = [0]

    def on_done(spec: RunSpec, summary: dict) -> None:
        finished[0] += 1
        reporter.info(f"[{finished[0]}/{len(specs)}] {describe(spec, summary)} "
                      f"({time.perf_counter() - started:.0f} s elapsed)")

    results = run_all(specs, jobs, on_done)
    table = aggregate(specs, results)
    relative_cost(table)
    return {"datasets": datasets, "fix_sets": fix_sets, "seeds": seed_list, "table": table, "published": PUBLISHED,
            "runs": {spec.name: spec.folder for spec in specs}}


def check_benchmark_folder(out: Path) -> None:
    """A benchmark folder holds run folders by dataset; a file, or a single run's folder, is not one."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out '{out}' is a file, not a folder; choose a folder for the benchmark")
    if (out / "config.yaml").is_file() or (out / "checkpoints").is_dir():
        raise UsageError(f"--out '{out}' is a run folder, not a benchmark folder; choose a new folder (or the one "
                         f"an earlier benchmark wrote, to continue it)")


def write_report(out: Path, report: dict, markdown: str) -> list[Path]:
    return [atomic_write_json(out / "benchmark.json", report), atomic_write_text(out / "benchmark.md", markdown + "\n")]


def relative_cost(table: dict) -> None:
    """Seconds per epoch relative to vanilla on the same dataset, added to each cell."""
    for row in table.values():
        for dataset, cell in row.items():
            base = table.get(VANILLA, {}).get(dataset, {}).get("seconds_per_epoch", {}).get("mean")
            mine = cell["seconds_per_epoch"]["mean"]
            cell["cost_vs_vanilla"] = round(mine / base, 2) if base and mine else None
