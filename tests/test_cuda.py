"""The CUDA path, run only where a GPU exists (`pytest -m cuda`; skipped elsewhere): every tensor a run makes is
on the GPU, a GPU run resumes, bf16 works there. The CPU-only side (`--device cuda` without a GPU exits 2 in one
line) is tested in test_cli.py."""

import pytest
import torch

from gentool.gan.config import build_gan_config
from gentool.gan.family import GAN
from gentool.gan.tasks import load_task
from gentool.gan.train import GanTrainer
from gentool.runtime.checkpoint import load_checkpoint
from gentool.runtime.context import RunContext, StopRequest
from gentool.runtime.rundir import RunDir
from gentool.runtime.runs import resume_run, start_run
from gentool.vae.family import VAE, VAE_TASKS

from helpers import TINY_VAE, StopAfter

pytestmark = [pytest.mark.cuda,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine")]


def gpu_context(data_dir, stop=None) -> RunContext:
    return RunContext.on("cuda", data_dir=data_dir, stop=stop or StopRequest())


def tensors_of(trainer: GanTrainer):
    yield "real", trainer.real
    yield "fixed_noise", trainer.fixed_noise
    for module in (trainer.generator, trainer.discriminator):
        yield from module.named_parameters()
        yield from module.named_buffers()
    for optimizer in (trainer.opt_g, trainer.opt_d):
        for state in optimizer.state.values():
            yield from ((k, v) for k, v in state.items() if torch.is_tensor(v) and v.dim() > 0)


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_every_tensor_of_a_gpu_run_is_on_the_gpu(tiny_config, data_dir, tmp_path, precision):
    config = build_gan_config({**tiny_config, "device": "cuda", "train": {**tiny_config["train"], "epochs": 1,
                                                                           "precision": precision}})
    ctx = gpu_context(data_dir)
    run = RunDir.create(tmp_path / "run", "gan")
    trainer = GanTrainer(config=config, task=load_task(config, ctx), run=run, ctx=ctx)
    trainer.fit()
    misplaced = [name for name, tensor in tensors_of(trainer) if tensor.device.type != "cuda"]
    assert not misplaced


def test_a_gpu_gan_run_resumes_and_records_each_epoch_once(tiny_config, data_dir, tmp_path):
    config = build_gan_config({**tiny_config, "device": "cuda", "train": {**tiny_config["train"], "epochs": 3}})
    run = tmp_path / "run"
    outcome = start_run(GAN, config, gpu_context(data_dir, StopAfter(10)), out=run)
    assert outcome.status == "interrupted"
    resumed = resume_run(GAN, run, gpu_context(data_dir))
    assert resumed.status == "completed" and resumed.summary["device"].startswith("cuda")
    assert [r["epoch"] for r in RunDir(run).read_metrics()] == [1, 2, 3]
    state = load_checkpoint(RunDir(run).last_checkpoint, "gan", map_location="cuda")
    assert state["global_step"] == resumed.summary["steps"]


@pytest.mark.parametrize("asked, expected", [("bf16", "bf16"), ("auto", "fp32")])
def test_a_gpu_vae_run_trains_in_bf16_by_name_and_in_fp32_under_auto(data_dir, tmp_path, asked, expected):
    """auto is fp32 on a GPU, where these models' steps are launch-bound (docs/gpus.md)."""
    if expected == "bf16" and not torch.cuda.is_bf16_supported():
        pytest.skip("this GPU has no bf16")
    config = VAE_TASKS.read_config({**TINY_VAE, "device": "cuda", "train": {**TINY_VAE["train"], "precision": asked}})
    outcome = start_run(VAE, config, gpu_context(data_dir), out=tmp_path / "run")
    assert outcome.status == "completed" and outcome.summary["precision"] == expected
