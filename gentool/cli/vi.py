"""`gentool vi fit`: variational inference on the mode benchmarks."""

from gentool.cli.commands import Commands
from gentool.cli.common import handle_errors, run_command
from gentool.cli.options import (
    ConfigFlags,
    ConfigOption,
    JsonOption,
    NoResumeOption,
    QuietOption,
    SetOption,
    out_option,
    preset_option,
)
from gentool.vi.config import ViConfig

app = Commands()
flags = ConfigFlags(ViConfig)


@app.command("fit")
@handle_errors
def fit(
    preset: preset_option("vi", "default") = None,
    config: ConfigOption = None,
    method: flags("method") = None,
    dataset: flags("dataset", metavar="[ring8|grid25|FILE]") = None,
    family: flags("family") = None,
    divergence: flags("divergence") = None,
    components: flags("components", short="-k") = None,
    steps: flags("steps") = None,
    lr: flags("lr") = None,
    seed: flags("seed") = None,
    device: flags("device", envvar="GENTOOL_DEVICE") = None,
    set_: SetOption = None,
    out_dir: out_option("Run folder.", "runs/vi-PRESET-TIME") = None,
    resume: NoResumeOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Fit q and write a run folder (config, objective per step, summary with both KL estimates, mode metrics of
    q's draws, figures); --method cavi runs mean-field CAVI and EM on the same data.

    Config precedence: preset < --config FILE < named flags < --set key=value.
    """
    from gentool.vi.family import VI

    run_command(VI, fit, locals())
