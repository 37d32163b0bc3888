"""`gentool gan ...`: train GANs on letters and 2-D mixtures, list the fixes; measuring commands in gan_eval."""

from gentool.cli import gan_bench, gan_eval
from gentool.cli.commands import Commands
from gentool.cli.common import handle_errors, run_command, show
from gentool.cli.options import (
    ConfigFlags,
    ConfigOption,
    DataDirOption,
    JsonOption,
    QuietOption,
    ResumeOption,
    SetOption,
    out_option,
    preset_option,
    resolved_paths,
)
from gentool.gan.config import GanConfig

app = Commands()
flags = ConfigFlags(GanConfig)


@app.command("train")
@handle_errors
def train(
    preset: preset_option("gan", "vanilla") = None,
    config: ConfigOption = None,
    dataset: flags("dataset") = None,
    fix: flags("fixes", "--fix") = None,
    epochs: flags("train.epochs", on_resume=True) = None,
    batch_size: flags("train.batch_size") = None,
    lr: flags("optim.lr") = None,
    seed: flags("seed") = None,
    conditional: flags("model.conditional", "--conditional/--unconditional") = None,
    eval_every: flags("evaluation.every", "--eval-every") = None,
    precision: flags("train.precision") = None,
    device: flags("device", on_resume=True, envvar="GENTOOL_DEVICE") = None,
    tensorboard: flags("logging.tensorboard") = None,
    fonts_dir: flags("fonts.fonts_dirs", "--fonts-dir", convert=resolved_paths, metavar="<dir>") = None,
    set_: SetOption = None,
    out_dir: out_option("Run folder.", "a new one in runs/, named after the preset and the time") = None,
    resume: ResumeOption = None,
    data_dir: DataDirOption = None,
    json_: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Train a GAN (letters: DCGAN; ring8/grid25: MLPs) and write a run folder (config, metrics, checkpoints,
    samples, figures).

    Config precedence: preset < --config FILE < named flags < --set key=value.
    Ctrl-C saves a checkpoint and exits 130; --resume RUN continues it.
    """
    from gentool.gan.family import GAN

    run_command(GAN, train, locals())


@app.command("fixes")
@handle_errors
def fixes(json_: JsonOption = False) -> None:
    """List the stabilisation fixes: what each does, its options with defaults, and what it cannot combine with."""
    from gentool.gan.fixes.registry import describe_fixes
    from gentool.views.gan import fixes_lines

    show({"fixes": describe_fixes()}, json_, lambda described: fixes_lines(described["fixes"]))


gan_eval.register(app)
gan_bench.register(app)
