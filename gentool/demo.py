"""`gentool demo`: mode collapse and its fix on the letters, in one command that teaches the others.

It trains the `demo-vanilla` and `demo-fixed` presets (the same short regime, without and with self-conditioning),
measures both with the letter evaluator beside the real, noise and collapsed baselines, and writes a report page
and one picture with the two side by side. Each step is an ordinary gentool command, printed before it runs, so a
user can repeat or change any of them; the work is the same library calls those commands make (the picture is the
demo's own).
"""

from __future__ import annotations

import os
import shlex
import time
from pathlib import Path

from gentool.datasets.root import DATA_DIR_ENV
from gentool.errors import UsageError
from gentool.evaluate.coverage_figures import samples_side_by_side
from gentool.evaluate.instruments import instrument_of
from gentool.evaluate.letters import load_letter_evaluator
from gentool.gan import measure
from gentool.gan.config import resolve_gan_config
from gentool.gan.family import GAN
from gentool.gan.trained import open_trained
from gentool.report import make_report
from gentool.report.page import jinja_environment
from gentool.report.side_by_side import last_samples
from gentool.runtime.context import RunContext
from gentool.runtime.runs import start_run

# (name of the run folder inside --out, the preset it trains): vanilla first, so the story reads in order
DEMO_RUNS = (("vanilla", "demo-vanilla"), ("fixed", "demo-fixed"))
REPORT_FOLDER = "report"
FIGURE = "side_by_side.png"  # the two runs' last sample grids, each titled with its letters covered


def default_out() -> Path:
    return Path("runs") / f"demo-{time.strftime('%Y%m%d-%H%M%S')}"


def check_out(out: Path) -> None:
    """Refuse an --out whose run or report folders are taken before anything is trained (a run is never
    overwritten; an earlier demo's report would be, so it is refused with the runs)."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out '{out}' is a file, not a folder; choose another --out")
    taken = [name for name in (*(name for name, _ in DEMO_RUNS), REPORT_FOLDER)
             if (out / name).exists() and any((out / name).iterdir())]
    if taken:
        raise UsageError(f"--out '{out}' already holds {', '.join(taken)} (an earlier demo?); choose a new --out")


def command(*words: object) -> str:
    return " ".join(shlex.quote(str(word)) for word in ("gentool", *words))


def shared_options(ctx: RunContext) -> list[str]:
    """The options the printed gan commands need to do what the demo did: the data folder and device the demo was
    given (the environment's GENTOOL_DATA_DIR reaches the printed commands by itself)."""
    options = []
    if ctx.data_dir is not None and os.environ.get(DATA_DIR_ENV) != str(ctx.data_dir):
        options += ["--data-dir", ctx.data_dir]
    if ctx.requested_device is not None:
        options += ["--device", ctx.requested_device]
    return options


def run_demo(ctx: RunContext, *, out: Path | None = None, seed: int | None = None, config_file: Path | None = None,
             assignments: list[str] | None = None) -> dict:
    """Train, measure and report the demo's two runs into `out` (default runs/demo-<time>), with the presets' seed
    unless `seed` is given, and `config_file` and `assignments` (--config, --set) over both presets; returns what
    the final table shows, every command run, and where the report is."""
    started = time.perf_counter()
    out = out or default_out()
    check_out(out)
    jinja_environment()  # the page is the last step: a missing Jinja2 is said before anything trains
    options = shared_options(ctx)
    layers = [*(("--config", config_file) if config_file else ()),
              *(word for assignment in assignments or [] for word in ("--set", assignment))]
    commands: list[str] = []

    def announce(*words: object, gan: bool = True) -> None:
        line = command(*words, *(options if gan else ()))
        commands.append(line)
        ctx.reporter.info(f"$ {line}")

    configs = {name: resolve_gan_config(preset, str(config_file) if config_file else None, {"seed": seed},
                                        assignments) for name, preset in DEMO_RUNS}
    # (1) the instrument: the shipped letter evaluator (or the local one the layers ask for), shown, not trained
    announce("gan", "evaluator", *layers)
    first = configs[DEMO_RUNS[0][0]]
    evaluator = load_letter_evaluator(first.fonts, ctx.data_dir, ctx.decide_device(first.device),
                                      settings=first.evaluation.evaluator, reporter=ctx.reporter, baseline=False)
    ctx.reporter.info(f"letter evaluator: {evaluator.instrument.label()}, held-out accuracy "
                      f"{evaluator.report['held_out']['accuracy']:.2%} on fonts it never saw")
    runs = {}
    # (2) the two runs: the same regime and seed, without and with the fix
    for name, preset in DEMO_RUNS:
        folder = out / name
        announce("gan", "train", "--preset", preset, *layers, *(() if seed is None else ("--seed", seed)),
                 "--out", folder)
        outcome = start_run(GAN, configs[name], ctx, out=folder, preset=preset, command=commands[-1])
        if outcome.status == "interrupted":
            ctx.reporter.info(f"interrupted: continue with {command('gan', 'train', '--resume', folder)}")
            raise KeyboardInterrupt
        runs[name] = {"run": str(folder), "preset": preset, "wall_time_s": outcome.summary["wall_time_s"]}
    # (3) both measured the same way, beside the baselines
    for name, _ in DEMO_RUNS:
        folder = out / name
        announce("gan", "coverage", "--run", folder)
        result = measure.coverage(open_trained(ctx, folder), ctx)
        runs[name].update(coverage=result["model"], coverage_file=result["path"])
        baselines, samples, noise_seed = result["baselines"], result["samples"], result["seed"]
    # (4) one page with both runs side by side, and one picture of their samples
    report_folder = out / REPORT_FOLDER
    announce("report", *(out / name for name, _ in DEMO_RUNS), "--out", report_folder, gan=False)
    report = make_report([out / name for name, _ in DEMO_RUNS], report_folder, ctx.reporter)
    instrument = instrument_of(result["instrument"])
    figure = samples_side_by_side(
        out / FIGURE, [(f"{name}: {runs[name]['coverage']['letters_covered']}/26 letters",
                        out / name / last_samples(out / name)) for name, _ in DEMO_RUNS],
        f"letters covered in {samples} samples, read by {instrument.label()}")
    return {"out": str(out), "seed": configs[DEMO_RUNS[0][0]].seed, "runs": runs, "baselines": baselines,
            "samples": samples, "noise_seed": noise_seed, "instrument": result["instrument"],
            "report": report["report"], "figure": str(figure), "commands": commands,
            "wall_time_s": round(time.perf_counter() - started, 1)}
