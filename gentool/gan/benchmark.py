"""`gentool gan benchmark`: every fix (or fix combination) over seeds on ring8, grid25 and the letters, in one
table beside the published figures. It is a sweep per dataset (gentool.sweep) with its own defaults: the grid is
`fixes`, the baseline vanilla, and the letters run under their own preset.

Each dataset's sweep folder is <out>/<dataset>/ (sweep.yaml, sweep.json, cells/<fixes>-s<seed>/ run folders), so
any cell can be traced to its config.yaml, and giving the same command again reads finished runs and resumes
unfinished ones. The figures are the last epoch's evaluation (not the best epoch's): what a user gets when
training stops.
"""

from __future__ import annotations

from pathlib import Path

from gentool.errors import UsageError
from gentool.evaluate.spread import spread
from gentool.gan.config import DATASETS
from gentool.gan.fixes import VANILLA, fix_set_name, parse_fix_set
from gentool.gan.fixes.registry import FIXES
from gentool.runtime.context import RunContext
from gentool.runtime.files import atomic_write_json, atomic_write_text
from gentool.sweep.engine import Sweep, SweepEvents, plan_sweep, run_sweep
from gentool.sweep.executors import LocalExecutor

DEFAULT_DATASETS = ("ring8", "grid25", "fonts")
# Lin et al. 2018 (PacGAN), Table 1: means of 10 trials under PacGAN's protocol (the preset pacgan-protocol:
# 400 epochs of 1,000 steps, Adam 1e-4 with beta1 0.8, 2,500 samples measured with the same definitions as
# gentool's). They are shown only beside runs of that protocol: a shorter regime's figures are not comparable.
PUBLISHED = {
    "GAN (PacGAN paper)": {"ring8": {"modes": 6.3, "high_quality": 0.982, "reverse_kl": 0.45},
                           "grid25": {"modes": 17.3, "high_quality": 0.948, "reverse_kl": 0.70}},
    "PacGAN2 (PacGAN paper)": {"ring8": {"modes": 7.9, "high_quality": 0.956, "reverse_kl": 0.07}},
    "PacGAN3 (PacGAN paper)": {"grid25": {"modes": 24.6, "high_quality": 0.942, "reverse_kl": 0.06}},
    "PacGAN4 (PacGAN paper)": {"grid25": {"modes": 24.8, "high_quality": 0.936, "reverse_kl": 0.04}},
}
PACGAN_PROTOCOL = "PacGAN's protocol: 400 epochs of 1,000 steps, Adam 1e-4 with beta1 0.8, 10 trials"
# the settings that make a run PacGAN's protocol (the preset pacgan-protocol sets them all)
PROTOCOL_KEYS = {("train", "epochs"): 400, ("train", "batch_size"): 100, ("points", "samples"): 100_000,
                 ("optim", "lr"): 1e-4, ("optim", "beta1"): 0.8, ("optim", "final_lr_ratio"): 1.0,
                 ("mlp", "g_hidden"): 400, ("mlp", "d_hidden"): 200, ("evaluation", "samples"): 2500}


def protocol_differences(config: dict) -> list[str]:
    """How a resolved 2-D config departs from PacGAN's protocol ("train.epochs 2, not 400"); [] when it follows it."""
    return [f"{section}.{key} {config[section][key]}, not {wanted}" for (section, key), wanted in PROTOCOL_KEYS.items()
            if config[section][key] != wanted]
POINT_METRICS = ("modes_captured", "high_quality", "reverse_kl")
LETTER_METRICS = ("letters_covered", "letter_fid")


def assignments_for(dataset: str, assignments: list[str]) -> list[str]:
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
    return chosen


def plan(datasets: list[str], fix_sets: list[str], seeds: int, out: Path, fonts_preset: str,
         assignments: list[str]) -> list[Sweep]:
    """One sweep per dataset, every cell's config checked before anything trains."""
    for dataset in datasets:
        if dataset not in DATASETS:
            raise UsageError(f"unknown dataset '{dataset}'; choose from {', '.join(DATASETS)}")
    names = [fix_set_name(parse_fix_set(text)) for text in fix_sets]
    if len(set(names)) != len(names):
        raise UsageError("a fix set is listed twice in --fixes")
    return [plan_sweep(family="gan", grid_texts=[f"fixes={','.join(names)}"], seeds=seeds,
                       preset=fonts_preset if dataset == "fonts" else VANILLA,
                       assignments=[*assignments_for(dataset, assignments), f"dataset={dataset}"], out=out / dataset,
                       baseline=VANILLA if VANILLA in names else None)
            for dataset in datasets]


def run_benchmark(*, datasets: list[str] | None, fix_sets: list[str] | None, seeds: int, out: Path,
                  fonts_preset: str, assignments: list[str], jobs: int, ctx: RunContext,
                  events: SweepEvents | None = None) -> dict:
    """Plan, run (or read, or resume) every dataset's sweep, and aggregate them: the report benchmark.json holds.
    Each run decides its device from ctx's --device (else auto)."""
    datasets = datasets or list(DEFAULT_DATASETS)
    fix_sets = fix_sets or [VANILLA, *FIXES]
    check_benchmark_folder(out)
    sweeps = plan(datasets, fix_sets, seeds, out, fonts_preset, assignments)
    executor = LocalExecutor(jobs)
    results = {}
    for dataset, sweep in zip(datasets, sweeps):
        if ctx.stop.requested:
            break
        results[dataset] = run_sweep(sweep, executor, ctx, events)
    table = aggregate(results)
    relative_cost(table)
    # the published rows go beside a 2-D dataset's runs only when those runs follow PacGAN's protocol
    departures = {dataset: protocol_differences(next(iter(sweep.configs.values())))
                  for dataset, sweep in zip(datasets, sweeps) if dataset != "fonts" and sweep.configs}
    return {"datasets": datasets, "fix_sets": [fix_set_name(parse_fix_set(t)) for t in fix_sets],
            "seeds": list(range(seeds)), "table": table,
            "published": {name: {d: figures for d, figures in by_dataset.items()
                                 if d in departures and not departures[d]}
                          for name, by_dataset in PUBLISHED.items()},
            "protocol": {dataset: {"pacgan": not diffs, "differences": diffs} for dataset, diffs in departures.items()},
            "comparisons": {dataset: result["comparisons"] for dataset, result in results.items()},
            "failed": [f"{dataset}/{cell['name']}" for dataset, result in results.items()
                       for cell in result["cells"] if cell["status"] == "failed"],
            # name -> folder relative to the benchmark folder (<dataset>/cells/<fixes>-s<seed>): a moved folder
            # still finds its runs
            "runs": {f"{dataset}/{cell['name']}": f"{dataset}/{cell['path']}"
                     for dataset, result in results.items() for cell in result["cells"]}}


def aggregate(results: dict[str, dict]) -> dict:
    """{fix set: {dataset: {metric: {mean, std, n, missing, ci_low, ci_high}, epochs}}} from each sweep's cells."""
    table: dict[str, dict] = {}
    for dataset, result in results.items():
        metrics = (*(POINT_METRICS if dataset != "fonts" else LETTER_METRICS), "seconds_per_epoch")
        for group in result["groups"]:
            cells = [c for c in result["cells"] if c["params"] == group["params"] and c["status"] == "done"]
            entry = {metric: {**spread([c["metrics"].get(metric) for c in cells]),
                              "ci_low": group["metrics"].get(metric, {}).get("ci_low"),
                              "ci_high": group["metrics"].get(metric, {}).get("ci_high")} for metric in metrics}
            table.setdefault(group["label"], {})[dataset] = entry
    return table


def check_benchmark_folder(out: Path) -> None:
    """A benchmark folder holds a sweep folder per dataset; a file, or a single run's folder, is not one."""
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
