"""`gentool em fit`: Gaussian mixtures by EM, and k-means."""

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
from gentool.em.config import EmConfig

app = Commands()
flags = ConfigFlags(EmConfig)


@app.command("fit")
@handle_errors
def fit(
    preset: preset_option("em", "default") = None,
    config: ConfigOption = None,
    dataset: flags("dataset", metavar="[ring8|grid25|FILE]") = None,
    method: flags("method") = None,
    components: flags("components", short="-k") = None,
    covariance: flags("covariance") = None,
    init: flags("init") = None,
    restarts: flags("restarts") = None,
    max_iter: flags("max_iter") = None,
    seed: flags("seed") = None,
    device: flags("device", envvar="GENTOOL_DEVICE") = None,
    set_: SetOption = None,
    out_dir: out_option("Run folder.", "runs/em-PRESET-TIME") = None,
    resume: NoResumeOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Fit a mixture, keep the best of --restarts, and write a run folder (config, per-iteration log-likelihood,
    summary with BIC/AIC, modes recovered and mode metrics, figures).

    Config precedence: preset < --config FILE < named flags < --set key=value.
    """
    from gentool.em.family import EM

    run_command(EM, fit, locals())
