"""bf16 autocast (`train.precision`): what it changes (the models' matmuls and convolutions) and what it must not
(fp32 parameters, optimiser state, losses and metrics; exact resume at a given precision)."""

import pytest
import torch

from gentool.gan.config import build_gan_config, resolve_gan_config
from gentool.gan.family import GAN
from gentool.gan.fixes.registry import FIXES
from gentool.runtime import precision
from gentool.runtime.checkpoint import load_checkpoint
from gentool.runtime.rundir import RunDir
from gentool.vae.family import VAE_TASKS

from helpers import TINY_VAE, StopAfter, resume, start_gan, start_vae, tiny_2d

CPU = torch.device("cpu")


def test_auto_is_bf16_only_where_it_was_measured_faster(monkeypatch):
    monkeypatch.setattr(precision, "cpu_bf16_flags", lambda: ("amx_bf16",))
    assert precision.resolve_precision("auto", CPU) == "bf16"
    # a GPU runs these models' steps launch-bound, where autocast's casts made bf16 slower (docs/gpus.md): fp32,
    # whatever the CPU beside it has
    for gpu in ("cuda", "cuda:1"):
        assert precision.resolve_precision("auto", torch.device(gpu)) == "fp32"
        assert precision.resolve_precision("bf16", torch.device(gpu)) == "bf16"  # asked for by name: honoured
    assert precision.resolve_precision("auto", torch.device("mps")) == "fp32"
    monkeypatch.setattr(precision, "cpu_bf16_flags", lambda: ())
    assert precision.resolve_precision("auto", CPU) == "fp32"
    assert precision.resolve_precision("bf16", CPU) == "bf16"
    assert precision.resolve_precision("fp32", CPU) == "fp32"


@pytest.mark.parametrize("preset", ["vanilla", "feature-matching", "fixed", "quick", "demo-vanilla", "demo-fixed"])
def test_letters_default_to_auto(preset):
    # measured for the letters only (vanilla and feature matching, 3 seeds, 50 epochs)
    assert resolve_gan_config(preset).train.precision == "auto"
    assert resolve_gan_config(preset, assignments=["train.precision=fp32"]).train.precision == "fp32"


@pytest.mark.parametrize("preset", ["vanilla", "feature-matching", "quick"])  # self-conditioning: letters only
def test_the_2d_sets_and_the_vae_default_to_fp32(preset):
    # the 2-D GANs and the VAE were not measured in bf16
    assert resolve_gan_config(preset, flags={"dataset": "grid25"}).train.precision == "fp32"
    assert resolve_gan_config(preset, flags={"dataset": "ring8"}).train.precision == "fp32"
    assert VAE_TASKS.read_config({}).train.precision == "fp32"


def test_an_unknown_precision_is_refused_with_the_choices(tiny_config):
    with pytest.raises(Exception, match="fp32, bf16, auto"):
        build_gan_config({**tiny_config, "train": {**tiny_config["train"], "precision": "fp16"}})


def final_weights(run: RunDir, kind: str, part: str) -> dict:
    return load_checkpoint(run.last_checkpoint, kind)[part]


# infogan, self-conditioning (letters only): below
@pytest.mark.parametrize("fix", ["", *sorted(set(FIXES) - {"infogan", "self-conditioning"})])
def test_every_fix_trains_under_bf16_with_fp32_state_and_finite_fp32_losses(fix, tmp_path):
    config = build_gan_config(tiny_2d(fixes=[fix] if fix else [], train={"epochs": 1, "precision": "bf16"}))
    run = RunDir(tmp_path / "run")
    outcome = start_gan(config, run)
    assert outcome.status == "completed" and outcome.summary["precision"] == "bf16"
    state = load_checkpoint(run.last_checkpoint, "gan")
    for part in ("generator", "discriminator"):
        assert all(v.dtype in (torch.float32, torch.int64) for v in state[part].values()), part
    moments = [v for s in state["opt_g"]["state"].values() for k, v in s.items() if k.startswith("exp_avg")]
    assert moments and all(m.dtype == torch.float32 for m in moments)
    record = run.read_metrics()[-1]
    assert all(isinstance(record[k], float) and abs(record[k]) < 1e6 for k in ("loss_d", "loss_g"))


def test_bf16_changes_the_arithmetic_so_the_flag_is_not_a_no_op(tmp_path):
    runs = {}
    for name in ("fp32", "bf16"):
        config = build_gan_config(tiny_2d(train={"precision": name}))
        runs[name] = RunDir(tmp_path / name)
        start_gan(config, runs[name])
    a, b = (final_weights(runs[n], "gan", "generator") for n in ("fp32", "bf16"))
    assert not all(torch.equal(a[k], b[k]) for k in a)
    # ... but not the model: both trained from the same start, they stay close
    assert all(torch.allclose(a[k].float(), b[k].float(), atol=0.05) for k in a if a[k].is_floating_point())


@pytest.mark.parametrize("fixes", [[], ["infogan", "r1", "label-smoothing"], ["self-conditioning", "r1"]])
def test_a_bf16_gan_run_resumes_to_the_same_weights(fixes, tiny_config, data_dir, tmp_path):
    config = build_gan_config({**tiny_config, "fixes": fixes,
                               "train": {**tiny_config["train"], "epochs": 2, "precision": "bf16"}})
    straight, broken = RunDir(tmp_path / "straight"), RunDir(tmp_path / "broken")
    start_gan(config, straight, data_dir)
    assert start_gan(config, broken, data_dir, stop=StopAfter(7)).status == "interrupted"
    torch.manual_seed(99)
    assert resume(GAN, broken, data_dir).status == "completed"
    for part in ("generator", "discriminator"):  # the discriminator holds InfoGAN's code head
        a, b = final_weights(straight, "gan", part), final_weights(broken, "gan", part)
        assert all(torch.equal(a[k], b[k]) for k in a)


def test_a_bf16_vae_run_trains_with_fp32_losses_and_resumes_exactly(data_dir, tmp_path):
    from gentool.vae.family import VAE

    config = VAE_TASKS.read_config({**TINY_VAE, "train": {**TINY_VAE["train"], "precision": "bf16"}})
    straight, broken = RunDir(tmp_path / "straight"), RunDir(tmp_path / "broken")
    assert start_vae(config, straight, data_dir).summary["precision"] == "bf16"
    start_vae(config, broken, data_dir, stop=StopAfter(5))
    resume(VAE, broken, data_dir)
    a, b = final_weights(straight, "vae", "model"), final_weights(broken, "vae", "model")
    assert all(torch.equal(a[k], b[k]) for k in a) and all(v.dtype == torch.float32 for v in a.values())
    assert all(isinstance(r["loss"], float) for r in straight.read_metrics())
