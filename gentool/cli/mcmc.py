"""`gentool mcmc sample`: MCMC samplers on ring8, grid25 and the Ising lattice."""

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
    renamed,
)
from gentool.mcmc.config import IsingMcmcConfig, McmcConfig, MixtureMcmcConfig

app = Commands()
flags = ConfigFlags(McmcConfig, MixtureMcmcConfig, IsingMcmcConfig)


@app.command("sample", context_settings=renamed(target="dataset"))  # --dataset, as em fit and vi fit name it
@handle_errors
def sample(
    preset: preset_option("mcmc", "default") = None,
    config: ConfigOption = None,
    dataset: flags("target", "--dataset") = None,
    sampler: flags("sampler") = None,
    chains: flags("chains") = None,
    steps: flags("steps") = None,
    budget: flags("budget") = None,
    burn_in: flags("burn_in") = None,
    step: flags("step") = None,
    leapfrog: flags("leapfrog") = None,
    temperatures: flags("temperatures") = None,
    size: flags("size") = None,
    beta: flags("beta") = None,
    seed: flags("seed") = None,
    device: flags("device", envvar="GENTOOL_DEVICE") = None,
    set_: SetOption = None,
    out_dir: out_option("Run folder.", "runs/mcmc-PRESET-TIME") = None,
    resume: NoResumeOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Sample a target with C chains and write a run folder (config, modes visited over time, summary with
    acceptance, R-hat, ESS, autocorrelation time and mode metrics, figures).

    Config precedence: preset < --config FILE < named flags < --set key=value.
    """
    from gentool.mcmc.family import MCMC

    run_command(MCMC, sample, locals())
