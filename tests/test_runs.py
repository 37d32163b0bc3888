"""The one run path every family uses: options and --resume, start/resume, run kinds, the command's one device, and
a core that works without the CLI."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Optional

import pytest
import torch
import typer
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.cli.options import ConfigFlags, QuietOption, config_overrides, out_option, refuse_on_resume
from gentool.errors import UsageError
from gentool.gan import measure
from gentool.gan.config import build_gan_config
from gentool.gan.family import GAN
from gentool.gan.trained import open_trained
from gentool.latent import slerp
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir, open_run, pick_run
from gentool.runtime.runs import FAMILIES, resume_run
from gentool.vae.config import DrumVaeConfig
from gentool.vae.family import VAE
from gentool.views.gan import coverage_view

from helpers import cpu_context, start_gan, tiny_2d

runner = CliRunner()


@pytest.fixture(scope="module")
def ring_run(tmp_path_factory) -> RunDir:
    run = RunDir(tmp_path_factory.mktemp("ring") / "run")
    assert start_gan(build_gan_config(tiny_2d()), run).status == "completed"
    return run


# ---------------------------------------------------------------------------------------- options and --resume

VAE_FLAGS = ConfigFlags(DrumVaeConfig)


def a_run_command(
    out_dir: out_option("Run folder.", "new") = None,
    lr: VAE_FLAGS("optim.lr") = None,
    free_bits: VAE_FLAGS("free_bits", help="free nats per latent dimension") = None,
    epochs: VAE_FLAGS("train.epochs", on_resume=True) = None,
    dirs: VAE_FLAGS("drums.midi_dirs", "--dir", convert=lambda paths: [str(p) for p in paths]) = None,
    undeclared: Annotated[Optional[int], typer.Option("--undeclared")] = None,
    quiet: QuietOption = False,
):
    return None


def test_one_declaration_gives_the_overrides_and_the_resume_guard():
    values = {"out_dir": None, "lr": 0.1, "free_bits": 0.5, "epochs": None, "dirs": [Path("a")], "undeclared": None,
              "quiet": True}
    assert config_overrides(a_run_command, values) == {"optim.lr": 0.1, "free_bits": 0.5,
                                                       "drums.midi_dirs": ["a"]}
    with pytest.raises(UsageError, match=r"--lr, --free-bits, --dir cannot be given with it \(only --epochs, "
                                         r"--quiet\)"):
        refuse_on_resume(a_run_command, values)
    refuse_on_resume(a_run_command, {"epochs": 4, "lr": None, "dirs": [], "quiet": True})  # what --resume accepts


def test_an_option_that_does_not_say_it_is_fine_with_resume_is_refused_with_it():
    with pytest.raises(UsageError, match="--undeclared cannot be given"):
        refuse_on_resume(a_run_command, {"undeclared": 3})


def test_an_option_for_a_config_key_that_does_not_exist_fails_where_it_is_declared():
    with pytest.raises(TypeError, match="no config key 'optim.lrr'"):
        VAE_FLAGS("optim.lrr")


@pytest.mark.parametrize("args, refused", [
    (["gan", "train", "--fonts-dir", "x"], "--fonts-dir"), (["gan", "train", "--preset", "fixed"], "--preset"),
    (["vae", "train", "--anneal", "none"], "--anneal"), (["vae", "train", "--free-bits", "0.5"], "--free-bits")])
def test_resume_refuses_every_option_that_would_change_the_config(args, refused, ring_run):
    result = runner.invoke(app, [*args, "--resume", str(ring_run.path)])
    assert result.exit_code == 2 and refused in result.stderr and "cannot be given with it" in result.stderr


# ------------------------------------------------------------------------------------------- runs and kinds

def test_families_are_registered_by_their_run_kind():
    import gentool.em.family  # noqa: F401  (a family registers itself when its module is imported)
    import gentool.mcmc.family  # noqa: F401
    import gentool.vi.family  # noqa: F401

    assert FAMILIES["gan"] is GAN and FAMILIES["vae"] is VAE
    assert {"em", "mcmc", "vi"} <= set(FAMILIES) and not any(FAMILIES[name].resumable for name in ("em", "mcmc", "vi"))


def test_a_run_of_another_family_is_refused_with_the_command_that_takes_it(ring_run, tmp_path):
    assert open_run(ring_run.path, "gan").path == ring_run.path
    with pytest.raises(UsageError, match=r"is a GAN run; `gentool vae \.\.\.` commands take VAE runs \(`gentool gan"):
        open_run(ring_run.path, "vae")
    fake_vae = tmp_path / "vae-run"
    fake_vae.mkdir()
    (fake_vae / "config.yaml").write_text("seed: 0\n")
    (fake_vae / "summary.json").write_text(json.dumps({"kind": "vae"}))
    for command in (["gan", "coverage", "--run"], ["gan", "figures", "--run"], ["gan", "train", "--resume"],
                    ["gan", "compare"]):
        result = runner.invoke(app, [*command, str(fake_vae)])
        assert result.exit_code == 2 and "is a VAE run" in result.stderr and "gentool vae" in result.stderr, command


def test_newest_run_of_a_kind_is_picked_and_none_is_a_clear_error(ring_run, tmp_path):
    assert pick_run(None, "gan", root=ring_run.path.parent).path == ring_run.path
    with pytest.raises(UsageError, match="no trained VAE run found"):
        pick_run(None, "vae", root=ring_run.path.parent)


def test_resume_refuses_fewer_epochs_than_done_and_leaves_the_run_alone(ring_run):
    before = ring_run.metrics_path.read_text()
    with pytest.raises(UsageError, match=r"has done 2 epochs, more than the 1 asked for"):
        resume_run(GAN, ring_run.path, cpu_context(), epochs=1)
    assert ring_run.metrics_path.read_text() == before
    assert "epochs: 2" in ring_run.config_path.read_text()


# -------------------------------------------------------------------------------------------- the one device

def test_the_device_is_decided_once_per_command():
    ctx = RunContext(requested_device="cpu")
    assert ctx.decide_device("cuda") == torch.device("cpu")  # --device wins over the config's choice
    ctx = RunContext()
    first = ctx.decide_device("cpu")
    assert ctx.decide_device("auto") is first  # later steps get the same device, whatever they would pick


def test_a_trained_model_is_opened_on_the_commands_device(ring_run):
    ctx = RunContext(requested_device="cpu")
    trained = open_trained(ctx, ring_run.path)
    assert trained.device == ctx.device and all(p.device == ctx.device for p in trained.generator.parameters())


# ---------------------------------------------------------------------------------------- core without typer

def test_the_core_imports_neither_typer_nor_the_cli():
    modules = ["gentool.runtime.runs", "gentool.gan.family", "gentool.gan.measure", "gentool.gan.benchmark",
               "gentool.vae.family", "gentool.vae.sessions", "gentool.views.gan", "gentool.views.vae",
               "gentool.views.data", "gentool.io.render", "gentool.datasets.drums", "gentool.rbm.family",
               "gentool.rbm.measure", "gentool.views.rbm", "gentool.sweep.engine", "gentool.sweep.executors",
               "gentool.views.sweep", "gentool.seq2seq.family", "gentool.seq2seq.measure", "gentool.views.seq2seq",
               "gentool.evaluate.digits", "gentool.vae.letter_sessions", "gentool.evaluate.trained_letters",
               "benchmarks.latent_size"]
    code = (f"import sys; import {', '.join(modules)}; "
            "print([m for m in sys.modules if m == 'typer' or m.startswith('gentool.cli')])")
    checkout = Path(__file__).resolve().parents[1]  # benchmarks/ is importable from a checkout's root only
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=checkout).stdout
    assert loaded.strip() == "[]"


def test_coverage_of_a_point_run_is_a_library_call(ring_run):
    ctx = cpu_context()
    result = measure.coverage(open_trained(ctx, ring_run.path), ctx, samples=400, seed=3)
    assert result["kind"] == "points" and result["samples"] == 400 and result["model"]["samples"] == 400
    baselines = result["baselines"]
    assert baselines["real"]["modes_captured"] == 8 and baselines["collapsed"]["modes_captured"] == 1
    assert Path(result["path"]).is_file()
    table, *lines = coverage_view(result)  # the view reads the result alone: no model, no CLI
    assert [column.header for column in table.columns] == ["", "model", "real", "noise", "collapsed"]
    assert lines == [f"wrote {result['path']} and {result['figures'][0]}"]


def test_slerp_keeps_its_ends_and_stays_finite_for_parallel_points():
    a, b = torch.randn(3, 8), torch.randn(3, 8)
    t = torch.tensor([[0.0], [1.0], [0.5]])
    path = slerp(a, b, t)
    assert torch.allclose(path[0], a[0]) and torch.allclose(path[1], b[1], atol=1e-5)
    parallel = slerp(a, 2 * a, torch.full((3, 1), 0.5))
    assert torch.isfinite(parallel).all() and torch.allclose(parallel, 1.5 * a, atol=1e-5)


def test_the_input_pipeline_benchmark_measures_the_shared_trainer(tiny_config, data_dir, tmp_path):
    from benchmarks.input_pipeline import gentool_images_per_s
    from gentool.datasets.fonts import load_font_dataset

    config = build_gan_config({**tiny_config, "train": {**tiny_config["train"], "epochs": 1, "max_steps_per_epoch": 3}})
    speed = gentool_images_per_s(config, load_font_dataset(config.fonts, data_dir), torch.device("cpu"), tmp_path)
    assert speed > 0
