import json

import pytest
import torch

from gentool.datasets.fonts import load_font_dataset
from gentool.errors import UsageError
from gentool.gan.config import build_gan_config
from gentool.gan.family import GAN
from gentool.gan.fixes.feature_matching import FeatureMatching, FeatureMatchingOptions
from gentool.gan.fixes.registry import StepContext, TrainingSetup
from gentool.gan.model import Discriminator, Generator
from gentool.gan.tasks import LetterTask
from gentool.gan.train import GanTrainer, load_generator
from gentool.runtime.checkpoint import load_checkpoint
from gentool.runtime.rundir import RunDir
from gentool.runtime.trainer import NonFiniteLoss

from helpers import StopAfter, cpu_context, resume, start_gan

CPU = torch.device("cpu")


@pytest.mark.parametrize("conditional", [False, True])
def test_model_shapes(conditional):
    classes = 26 if conditional else 0
    generator, discriminator = Generator(16, 8, classes), Discriminator(8, classes)
    labels = torch.arange(5) if conditional else None
    images = generator(torch.randn(5, 16), labels)
    assert images.shape == (5, 1, 28, 28) and images.abs().max() <= 1
    out = discriminator(images, labels)
    assert out.logits.shape == (5,) and out.features.shape == (5, 16 * 7 * 7)


def test_conditional_generator_depends_on_the_label():
    generator = Generator(16, 8, 26).eval()
    z = torch.randn(1, 16).repeat(2, 1)
    images = generator(z, torch.tensor([0, 1]))
    assert not torch.allclose(images[0], images[1])


def test_feature_matching_is_zero_for_matching_batches_and_trains_only_the_generator():
    torch.manual_seed(0)
    generator, discriminator = Generator(16, 8), Discriminator(8)
    fix = FeatureMatching(FeatureMatchingOptions(weight=1.0, adversarial_weight=0.0))
    real = generator(torch.randn(8, 16)).detach()
    same = StepContext(real=real, real_labels=None, fake=real.clone(), fake_labels=None, generator=generator,
                       discriminator=discriminator, d_optimizer=None, setup=TrainingSetup())
    metrics = {}
    loss = fix.generator_loss(same, torch.tensor(5.0), discriminator(real), metrics)
    assert loss.item() == pytest.approx(0.0, abs=1e-7)  # adversarial term weighted 0, features identical

    fake = generator(torch.randn(8, 16))
    step = StepContext(real=real, real_labels=None, fake=fake, fake_labels=None, generator=generator,
                       discriminator=discriminator, d_optimizer=None, setup=TrainingSetup())
    loss = fix.generator_loss(step, torch.tensor(0.0), discriminator(fake), metrics)
    assert loss.item() > 0 and metrics["fm_distance"].item() == pytest.approx(loss.item())
    loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in generator.parameters())


def make_trainer(tiny_config, data_dir, tmp_path, name="run", stop=None, **train):
    config = build_gan_config({**tiny_config, "fixes": ["feature-matching"],
                               "train": {**tiny_config["train"], **train}})
    dataset = load_font_dataset(config.fonts, data_dir)
    run = RunDir.create(tmp_path / name, "gan")
    run.write_config({})
    ctx = cpu_context(data_dir, stop)
    task = LetterTask(config=config, dataset=dataset, evaluator=None, device=CPU)
    trainer = GanTrainer(config=config, task=task, run=run, ctx=ctx)
    return trainer, config, dataset, run


def test_run_folder_holds_config_metrics_summary_checkpoints_and_samples(tiny_config, data_dir, tmp_path):
    config = build_gan_config({**tiny_config, "fixes": ["feature-matching"]})
    run = RunDir(tmp_path / "run")
    outcome = start_gan(config, run, data_dir, preset="test", command="gentool gan train")
    assert outcome.status == "completed"
    records = run.read_metrics()
    assert [r["epoch"] for r in records] == [1, 2]
    for key in ("loss_d", "loss_g", "d_real", "d_fake", "fm_distance", "epoch_s", "images_per_s", "elapsed_s"):
        assert key in records[0]
    assert 0 < records[-1]["d_real"] < 1 and records[-1]["images_per_s"] > 0
    summary = json.loads(run.summary_path.read_text())
    assert summary["status"] == "completed" and summary["seed"] == 0 and summary["device"] == "cpu"
    assert summary["environment"]["torch"] == torch.__version__ and summary["epochs_completed"] == 2
    assert sorted(p.name for p in run.checkpoints.iterdir()) == ["epoch_0001.pt", "epoch_0002.pt", "last.pt"]
    assert sorted(p.name for p in run.samples.iterdir()) == ["epoch_0001.png", "epoch_0002.png"]
    assert build_gan_config(__import__("yaml").safe_load(run.config_path.read_text())) == config


def test_same_seed_same_weights_and_other_seed_differs(tiny_config, data_dir, tmp_path):
    weights = []
    for name, seed in (("a", 0), ("b", 0), ("c", 1)):
        config = build_gan_config({**tiny_config, "seed": seed, "train": {**tiny_config["train"], "epochs": 1}})
        run = RunDir(tmp_path / name)
        start_gan(config, run, data_dir)
        weights.append(load_checkpoint(run.last_checkpoint, "gan")["generator"])
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])
    assert not all(torch.equal(weights[0][k], weights[2][k]) for k in weights[0])


def test_interrupted_and_resumed_run_ends_with_the_same_weights(tiny_config, data_dir, tmp_path):
    config = build_gan_config({**tiny_config, "fixes": ["feature-matching"],
                               "train": {**tiny_config["train"], "epochs": 3}})
    dataset = load_font_dataset(config.fonts, data_dir)
    straight = RunDir(tmp_path / "straight")
    start_gan(config, straight, data_dir)

    broken = RunDir(tmp_path / "broken")
    steps_per_epoch = len(dataset.tensors("train")[0]) // config.train.batch_size
    stopped_at = steps_per_epoch + 3  # in the middle of epoch 2
    outcome = start_gan(config, broken, data_dir, stop=StopAfter(stopped_at))
    assert outcome.status == "interrupted" and outcome.summary["steps"] == stopped_at
    assert json.loads(broken.summary_path.read_text())["status"] == "interrupted"
    torch.manual_seed(1234)  # whatever happens between the two processes must not matter
    resumed = resume(GAN, broken, data_dir)
    assert resumed.status == "completed"

    a = load_checkpoint(straight.last_checkpoint, "gan")
    b = load_checkpoint(broken.last_checkpoint, "gan")
    for part in ("generator", "discriminator"):
        assert all(torch.equal(a[part][k], b[part][k]) for k in a[part]), part
    assert a["global_step"] == b["global_step"]
    assert [r["loss_d"] for r in straight.read_metrics()] == [r["loss_d"] for r in broken.read_metrics()]


def test_a_nan_loss_stops_the_run_and_keeps_the_last_good_checkpoint(tiny_config, data_dir, tmp_path, monkeypatch):
    trainer, config, dataset, run = make_trainer(tiny_config, data_dir, tmp_path, epochs=3)
    honest_step = GanTrainer.train_step

    def step_that_breaks_in_epoch_two(self, index):
        stats = honest_step(self, index)
        if self.epoch == 1:
            stats["loss_g"] = torch.tensor(float("nan"))
        return stats

    monkeypatch.setattr(GanTrainer, "train_step", step_that_breaks_in_epoch_two)
    with pytest.raises(NonFiniteLoss, match=r"loss_g became nan in epoch 2.*last good checkpoint.*after epoch 1"):
        trainer.fit()
    state = load_checkpoint(run.last_checkpoint, "gan")
    assert state["epoch"] == 1 and all(torch.isfinite(v).all() for v in state["generator"].values()
                                       if v.is_floating_point())


def test_checkpoint_round_trip_gives_the_same_generator(tiny_config, data_dir, tmp_path):
    trainer, config, dataset, run = make_trainer(tiny_config, data_dir, tmp_path, epochs=1)
    trainer.fit()
    generator, loaded_config = load_generator(run.last_checkpoint)
    trainer.generator.eval()
    z = torch.randn(4, config.model.z_dim)
    assert torch.equal(generator(z), trainer.generator(z)) and loaded_config == config


def test_corrupt_missing_and_foreign_checkpoints_are_usage_errors(tmp_path):
    corrupt = tmp_path / "last.pt"
    corrupt.write_bytes(b"PK\x03\x04 not really a checkpoint")
    with pytest.raises(UsageError, match="corrupt or not a gentool checkpoint"):
        load_checkpoint(corrupt, "gan")
    with pytest.raises(UsageError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt", "gan")
    foreign = tmp_path / "foreign.pt"
    torch.save({"weights": torch.zeros(2)}, foreign)
    with pytest.raises(UsageError, match="not a gentool gan checkpoint"):
        load_checkpoint(foreign, "gan")


def test_resume_refuses_a_changed_dataset(tiny_config, data_dir, tmp_path):
    trainer, config, dataset, run = make_trainer(tiny_config, data_dir, tmp_path, epochs=1)
    trainer.fit()
    other = build_gan_config({**tiny_config, "fonts": {**tiny_config["fonts"], "seed": 5}})
    with pytest.raises(UsageError, match="trained on dataset .* changed"):
        task = LetterTask(config=config, dataset=load_font_dataset(other.fonts, data_dir), evaluator=None,
                          device=CPU)
        GanTrainer(config=config, task=task, run=run, ctx=cpu_context(data_dir)).resume_from_last()


def test_conditional_run_with_feature_matching_trains_and_reloads(tiny_config, data_dir, tmp_path):
    config = build_gan_config({**tiny_config, "fixes": ["feature-matching"], "model": {**tiny_config["model"],
                               "conditional": True}, "train": {**tiny_config["train"], "epochs": 1}})
    run = RunDir(tmp_path / "cond")
    outcome = start_gan(config, run, data_dir)
    assert outcome.status == "completed" and outcome.summary["conditional"] is True
    generator, _ = load_generator(run.last_checkpoint)
    assert generator(torch.randn(3, 16), torch.tensor([0, 5, 25])).shape == (3, 1, 28, 28)
