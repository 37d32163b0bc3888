"""`gentool demo`: the vanilla GAN and its fix on the letters, measured side by side; each step's command printed
before it runs."""

from gentool.cli.commands import Commands
from gentool.cli.common import context_for, handle_errors, show, stop_on_ctrl_c
from gentool.cli.options import (
    ConfigFlags,
    ConfigOption,
    DataDirOption,
    DeviceOption,
    JsonOption,
    QuietOption,
    SetOption,
    out_option,
)
from gentool.gan.config import GanConfig

app = Commands(callback=None)  # one command, `gentool demo`, not a group
flags = ConfigFlags(GanConfig)


@app.command("demo")
@handle_errors
def demo(
    out_dir: out_option("Folder for the two runs (vanilla/, fixed/), the report page (report/index.html) and "
                        "side_by_side.png.", "runs/demo-<time>") = None,
    seed: flags("seed", note="the same for both runs") = None,
    config: ConfigOption = None,
    set_: SetOption = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Start here: a GAN's mode collapse and its fix on the letters, side by side, in a few minutes.

    Trains presets demo-vanilla and demo-fixed, measures both beside real letters, noise and a collapsed generator.
    --config and --set are laid over both presets.

    Writes one page with both runs side by side. Each step is printed as the gentool command that does it."""
    from gentool.demo import run_demo
    from gentool.views.demo import demo_view

    ctx = context_for(device, quiet, data_dir)
    with stop_on_ctrl_c(ctx.stop):
        result = run_demo(ctx, out=out_dir, seed=seed, config_file=config, assignments=set_)
    show(result, json_, demo_view)
