"""`gentool demo`: the vanilla GAN and its fix on the letters, measured side by side; each step's command printed
before it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from gentool.cli.common import (
    DataDirOption,
    DeviceOption,
    JsonOption,
    QuietOption,
    TrainSeedOption,
    context_for,
    handle_errors,
    show,
    stop_on_ctrl_c,
)
from gentool.demo import run_demo
from gentool.views.demo import demo_view


@handle_errors
def demo(
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out", "-o", show_default="runs/demo-<time>",
        help="Folder for the two runs (vanilla/, fixed/) and the report page (report/index.html).")] = None,
    seed: TrainSeedOption = None,
    config: Annotated[Optional[Path], typer.Option(
        "--config", "-c", help="YAML file with config keys laid over both runs' presets.")] = None,
    set_: Annotated[Optional[list[str]], typer.Option(
        "--set", metavar="KEY=VALUE", help="Override a config key of both runs, e.g. --set train.epochs=20 "
                                           "(repeatable).")] = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Start here: a GAN's mode collapse and its fix on the letters, side by side, in a few minutes.

    Trains presets demo-vanilla and demo-fixed, measures both beside real letters, noise and a collapsed generator.

    Writes one page with both runs side by side. Each step is printed as the gentool command that does it."""
    ctx = context_for(device, quiet, data_dir)
    with stop_on_ctrl_c(ctx.stop):
        result = run_demo(ctx, out=out_dir, seed=seed, config_file=config, assignments=set_)
    show(result, json_, demo_view)
