"""`gentool vae ...`: the hierarchical drum VAE: train, analyze posterior collapse; creative commands in
vae_creative."""

from gentool.cli import vae_creative, vae_letters
from gentool.cli.commands import Commands
from gentool.cli.common import context_for, handle_errors, run_command, show
from gentool.cli.options import (
    ConfigFlags,
    ConfigOption,
    DataDirOption,
    DeviceOption,
    JsonOption,
    QuietOption,
    ResumeOption,
    SetOption,
    out_option,
    preset_option,
    resolved_paths,
)
from gentool.cli.vae_creative import RunOption
from gentool.vae.config import DrumVaeConfig, LetterVaeConfig, VaeConfig

app = Commands()
flags = ConfigFlags(VaeConfig, DrumVaeConfig, LetterVaeConfig)


@app.command("train")
@handle_errors
def train(
    preset: preset_option("vae", "default") = None,
    config: ConfigOption = None,
    dataset: flags("dataset") = None,
    anneal: flags("anneal.schedule", "--anneal") = None,
    free_bits: flags("free_bits", help="free nats per latent dimension, both levels of the drum VAE or the "
                                       "letters' (per dimension, never on the sum)") = None,
    epochs: flags("train.epochs", on_resume=True) = None,
    batch_size: flags("train.batch_size") = None,
    lr: flags("optim.lr") = None,
    seed: flags("seed") = None,
    midi_dir: flags("drums.midi_dirs", "--midi-dir", convert=resolved_paths, metavar="<dir>") = None,
    precision: flags("train.precision") = None,
    device: flags("device", on_resume=True, envvar="GENTOOL_DEVICE") = None,
    tensorboard: flags("logging.tensorboard") = None,
    set_: SetOption = None,
    out_dir: out_option("Run folder.", "runs/vae-PRESET-TIME") = None,
    resume: ResumeOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Train the two-level drum VAE and write a run folder; every epoch records reconstruction, KL per level and
    dimension, beta, active units, mutual information, and the validity, diversity and genre accuracy of samples.

    Config precedence: preset < --config FILE < named flags < --set key=value. Ctrl-C saves and exits 130.
    """
    from gentool.vae.family import VAE

    run_command(VAE, train, locals())


@handle_errors
def analyze_command(
    run: RunOption = None,
    device: DeviceOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Posterior-collapse report: KL per dimension, KL over epochs with beta, z_high by genre, genre probes on
    z_high and z_low, and the latent dimensions that control density. Writes posterior_collapse.json + figures."""
    from gentool.vae.sessions import analyze
    from gentool.views.vae import analyze_view

    chosen, report = analyze(context_for(device, quiet, data_dir), run)
    show(report, json_, lambda shown: analyze_view(shown, chosen.path, chosen.figures))


app.command("analyze")(analyze_command)
vae_creative.register(app)
vae_letters.register(app)
