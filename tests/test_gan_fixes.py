"""The GAN fixes: each one's mechanism, their combinations, and the errors for impossible ones."""

from __future__ import annotations

import json
import math

import pytest
import torch
from torch import nn

from gentool.config import config_to_dict, deep_merge
from gentool.datasets.font_faces import LETTERS
from gentool.errors import ConfigError
from gentool.evaluate.coverage import letters_by_code
from gentool.gan.averaging import GeneratorAverage
from gentool.gan.config import build_gan_config, resolve_gan_config
from gentool.gan.family import GAN, outcome_lines
from gentool.gan.fixes.architecture import MinibatchFeatures, apply_spectral_norm, pairwise_l1
from gentool.gan.fixes.information import InfoGan, InfoGanOptions
from gentool.gan.fixes.penalties import R1Options, R1Penalty, WganGp, WganGpOptions
from gentool.gan.fixes.registry import FIXES, StepContext, TrainingSetup, build_fixes, training_setup
from gentool.gan.fixes.self_conditioning import SelfConditioning, SelfConditioningOptions, cluster_report, kmeans
from gentool.gan.fixes.unrolled import Unrolled, UnrolledOptions
from gentool.gan.model import (
    Discriminator,
    DiscriminatorOutput,
    DiscriminatorSetup,
    Generator,
    PointDiscriminator,
    PointGenerator,
    latent_codes,
)
from gentool.gan.tasks import load_task
from gentool.gan.train import GanTrainer, load_generator
from gentool.runtime.rundir import RunDir

from helpers import StopAfter, cpu_context, resume, start_gan, tiny_2d

CPU = torch.device("cpu")


def point_config(fixes=(), **sections):
    """The tiny preset on grid25 with `fixes`; six steps an epoch, so a stop after nine lands in the second epoch."""
    six_steps = {"batch_size": 50, "max_steps_per_epoch": 6}
    return build_gan_config(tiny_2d("grid25", **deep_merge({"fixes": list(fixes), "train": six_steps}, sections)))


# ------------------------------------------------------------------------------------------ the mechanisms

def test_pacgan_packs_samples_into_one_discriminator_input():
    discriminator = PointDiscriminator(16, 2, 3, DiscriminatorSetup(pack=4))
    assert discriminator.trunk[0].linear.in_features == 8  # 4 packed 2-D points
    assert discriminator(torch.randn(12, 2)).logits.shape == (3,)
    letters = Discriminator(8, 0, DiscriminatorSetup(pack=2))
    assert letters(torch.randn(6, 1, 28, 28)).logits.shape == (3,)
    with pytest.raises(ValueError, match="packed in groups of 4"):
        discriminator(torch.randn(10, 2))


def test_minibatch_features_tell_a_collapsed_batch_from_a_varied_one():
    torch.manual_seed(0)
    layer = MinibatchFeatures(8, kernels=6, kernel_dims=3)
    varied = torch.randn(16, 8) * 3
    collapsed = varied[:1].repeat(16, 1)
    # identical samples: every kernel says "15 others exactly like me"; varied ones are far apart
    assert torch.allclose(layer(collapsed), torch.full((16, 6), 15.0))
    assert layer(varied).mean() < 2.0
    options = {"minibatch-discrimination": {"kernels": 6, "kernel_dims": 3}}
    setup = training_setup(build_fixes(["minibatch-discrimination"], options)).discriminator
    discriminator = PointDiscriminator(16, 2, 3, setup)
    assert discriminator.classify.in_features == 16 + 6
    assert discriminator.state_dict()["minibatch.T"].shape == (16, 6 * 3)  # the key every checkpoint holds


def test_minibatch_distances_for_a_gradient_penalty_are_the_same_and_differentiate_twice():
    torch.manual_seed(0)
    points = torch.randn(3, 7, 4, dtype=torch.float64, requires_grad=True)
    assert torch.allclose(pairwise_l1(points, True), pairwise_l1(points, False))
    assert torch.autograd.gradgradcheck(lambda x: pairwise_l1(x, True).exp().sum(), (points,))
    with pytest.raises(NotImplementedError):  # why the second-order path exists: cdist has no double backward
        (gradient,) = torch.autograd.grad(pairwise_l1(points, False).exp().sum(), points, create_graph=True)
        gradient.pow(2).sum().backward()
    for fix in (R1Penalty(R1Options()), WganGp(WganGpOptions())):
        setup = TrainingSetup()
        fix.configure(setup)
        assert setup.discriminator.second_order


def test_infogan_codes_are_uniform_read_off_the_noise_and_recoverable_after_training():
    noise = torch.randn(26_000, 100, generator=torch.Generator().manual_seed(0))
    codes = latent_codes(noise, 26)
    counts = torch.bincount(codes, minlength=26)
    assert counts.min() > 850 and counts.max() < 1150  # uniform: 1000 each, binomial spread ~31
    assert torch.equal(latent_codes(noise, 26), codes)  # a function of the noise: a seed fixes the codes
    fix = InfoGan(InfoGanOptions(codes=4))
    setup = training_setup([fix])
    torch.manual_seed(0)
    generator = Generator(z_dim=8, width=8, codes=4)
    discriminator = Discriminator(width=8, setup=setup.discriminator)
    assert generator.project[0].in_features == 8 + 4 and discriminator.code_head.out_features == 4
    optimizer = torch.optim.Adam([*generator.parameters(), *discriminator.parameters()], lr=2e-3)
    losses = []
    for _ in range(60):  # the code's cross-entropy alone: G and Q learn to make the code visible and read it
        z = torch.randn(32, 8)
        fake = generator(z)
        step = StepContext(real=fake, real_labels=None, fake=fake, noise=z, fake_labels=None, generator=generator,
                           discriminator=discriminator, d_optimizer=None, setup=setup)
        metrics = {}
        loss = fix.generator_loss(step, torch.zeros(()), discriminator(fake), metrics)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(metrics["code_loss"].item())
    assert losses[0] > 1.2 and sum(losses[-5:]) / 5 < 0.3  # log 4 = 1.39 at chance


def test_kmeans_finds_separated_clusters_the_same_way_per_seed_and_leaves_the_global_stream_alone():
    generator = torch.Generator().manual_seed(1)
    centres = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
    truth = torch.arange(4).repeat_interleave(torch.tensor([400, 200, 100, 50]))  # unequal sizes
    points = centres[truth] + 0.5 * torch.randn(len(truth), 2, generator=generator)
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    found = kmeans(points, 4, iterations=30, seed=7)
    assert torch.equal(torch.rand(1), expected_next)  # the training run's random stream is untouched
    # the same partition up to the clusters' names: each true cluster maps to one found cluster, and back
    pairs = {(int(t), int(f)) for t, f in zip(truth, found)}
    assert len(pairs) == 4 and len({f for _, f in pairs}) == 4
    assert torch.equal(kmeans(points, 4, iterations=30, seed=7), found)
    with pytest.raises(ValueError, match="3 points cannot make 4 clusters"):
        kmeans(points[:3], 4, iterations=5, seed=0)


def test_weighted_codes_are_drawn_at_the_given_frequencies_and_travel_with_the_generator():
    noise = torch.randn(40_000, 16, generator=torch.Generator().manual_seed(0))
    generator = Generator(z_dim=16, width=8, codes=3, weighted_codes=True)
    uniform = torch.bincount(generator.code_of(noise), minlength=3) / len(noise)
    assert torch.allclose(uniform, torch.full((3,), 1 / 3), atol=0.01)  # uniform until told otherwise
    generator.set_code_frequencies(torch.tensor([700, 200, 100]))
    shares = torch.bincount(generator.code_of(noise), minlength=3) / len(noise)
    assert torch.allclose(shares, torch.tensor([0.7, 0.2, 0.1]), atol=0.01)  # binomial spread ~0.002
    assert torch.equal(generator.code_of(noise), latent_codes(noise, 3, generator.code_cdf))
    copy = Generator(z_dim=16, width=8, codes=3, weighted_codes=True)
    copy.load_state_dict(generator.state_dict())  # a loaded run draws its clusters as it trained
    assert torch.equal(copy.code_of(noise), generator.code_of(noise))
    assert Generator(z_dim=16, width=8, codes=3).code_cdf is None  # InfoGAN's stay uniform, no buffer
    assert torch.equal(Generator(z_dim=16, width=8, codes=3).code_of(noise), latent_codes(noise, 3))


def test_self_conditioning_ties_each_cluster_to_real_images_and_the_discriminator_sees_it():
    fix = SelfConditioning(SelfConditioningOptions(clusters=2, pool=2, iterations=10))
    setup = training_setup([fix])
    assert setup.discriminator.clusters == 2 and setup.discriminator.codes == 0
    # two kinds of image: a bright left half, a bright right half; pooling keeps them apart
    left = -torch.ones(30, 1, 28, 28)
    left[..., :14] = 1
    right = -torch.ones(10, 1, 28, 28)
    right[..., 14:] = 1
    real = torch.cat([left, right]) + 0.1 * torch.randn(40, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    clusters = fix.cluster(real, seed=0)
    assert len(set(clusters[:30].tolist())) == 1 and len(set(clusters[30:].tolist())) == 1
    assert clusters[0] != clusters[30]
    labels = torch.tensor([0] * 25 + [1] * 15)  # 5 of the 30 left-half images carry the other label
    assert cluster_report(clusters, labels, 2) == {"clusters": 2, "smallest": 10, "largest": 30,
                                                   "letter_purity": 0.875}  # (25 + 10) / 40
    discriminator = Discriminator(width=8, num_classes=2, setup=setup.discriminator)
    assert discriminator.label_map.num_embeddings == 2  # the cluster enters as an input plane


def test_spectral_norm_bounds_every_discriminator_layer():
    torch.manual_seed(0)
    discriminator = apply_spectral_norm(PointDiscriminator(32, 2, 3))
    for _ in range(30):  # power iteration converges over forward passes in training mode
        discriminator(torch.randn(20, 2))
    for module in discriminator.modules():
        if isinstance(module, nn.Linear):
            assert torch.linalg.matrix_norm(module.weight, ord=2).item() == pytest.approx(1.0, abs=0.05)
    setup = training_setup(build_fixes(["spectral-norm"], {}))
    assert apply_spectral_norm in setup.discriminator.transforms and setup.discriminator.normalization == "none"
    plain = Discriminator(8, 0, setup.discriminator)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in plain.modules())


class LinearCritic(nn.Module):
    """D(x) = w . x + b: its input gradient is w everywhere, so the penalties have closed forms."""

    def __init__(self, w):
        super().__init__()
        self.linear = nn.Linear(2, 1)
        with torch.no_grad():
            self.linear.weight.copy_(torch.tensor([w]))

    def forward(self, x, labels=None):
        return DiscriminatorOutput(self.linear(x).squeeze(1), x)


@pytest.mark.parametrize("w", [(0.3, 0.4), (3.0, 4.0)])
def test_gradient_penalties_have_their_closed_form_on_a_linear_critic(w):
    critic = LinearCritic(w)
    norm = math.hypot(*w)
    step = StepContext(real=torch.randn(8, 2), real_labels=None, fake=torch.randn(8, 2), fake_labels=None,
                       generator=None, discriminator=critic, d_optimizer=None, setup=TrainingSetup())
    metrics = {}
    loss = R1Penalty(R1Options(gamma=2.0)).discriminator_loss(step, critic, torch.tensor(0.0), None, None, metrics)
    assert metrics["r1_penalty"].item() == pytest.approx(norm ** 2, rel=1e-5)
    assert loss.item() == pytest.approx(norm ** 2, rel=1e-5)  # gamma / 2 = 1
    WganGp(WganGpOptions(weight=1.0)).discriminator_loss(step, critic, torch.tensor(0.0), None, None, metrics)
    assert metrics["gp_penalty"].item() == pytest.approx((norm - 1) ** 2, rel=1e-5)


def test_label_smoothing_and_wgan_gp_change_the_loss_setup():
    assert training_setup(build_fixes(["label-smoothing"], {})).real_target == 0.9
    setup = training_setup(build_fixes(["wgan-gp"], {"wgan-gp": {"critic_steps": 3}}))
    assert setup.loss == "wasserstein" and setup.d_steps == 3 and setup.discriminator.normalization == "none"


def test_unrolled_hands_the_generator_a_discriminator_k_steps_ahead_and_leaves_the_real_one_alone():
    torch.manual_seed(0)
    config = point_config(["unrolled"])
    task = load_task(config, cpu_context())
    generator, discriminator = PointGenerator(2, 16, 2), PointDiscriminator(16, 2, 3)
    optimizer = torch.optim.Adam(discriminator.parameters(), lr=0.05)
    real, fake = task.dataset.points[:50], generator(torch.randn(50, 2))
    step = StepContext(real=real, real_labels=None, fake=fake, fake_labels=None, generator=generator,
                       discriminator=discriminator, d_optimizer=optimizer, setup=TrainingSetup())

    def loss_fn(critic, fake_batch, metrics):
        return (nn.functional.softplus(-critic(real).logits).mean()
                + nn.functional.softplus(critic(fake_batch).logits).mean())

    before = [p.detach().clone() for p in discriminator.parameters()]
    now = discriminator(fake).logits
    ahead = {}
    for second_order in (False, True):
        critic = Unrolled(UnrolledOptions(steps=3, second_order=second_order)).discriminator_for_generator(
            step, discriminator, loss_fn)
        ahead[second_order] = critic(fake).logits
        assert not torch.allclose(ahead[second_order], now)  # the unrolled critic has moved
    assert all(torch.equal(a, b) for a, b in zip(before, discriminator.parameters()))
    # second order: the generator's gradient also flows through the unrolled updates, so it differs
    grads = {}
    for second_order, logits in ahead.items():
        generator.zero_grad()
        (grad,) = torch.autograd.grad(logits.mean(), next(generator.parameters()), retain_graph=True)
        grads[second_order] = grad
    assert not torch.allclose(grads[False], grads[True])


# ----------------------------------------------------------------------------------------- configurations

@pytest.mark.parametrize("fixes, message", [
    (["label-smoothing", "wgan-gp"], "'label-smoothing' and 'wgan-gp' cannot be combined: the Wasserstein loss"),
    (["r1", "wgan-gp"], "'r1' and 'wgan-gp' cannot be combined: both are gradient penalties"),
    (["pacgan", "pacgan"], "listed twice"),
    (["pac-gan"], "did you mean 'pacgan'"),
    (["infogan", "pacgan"], "'infogan' and 'pacgan' cannot be combined: a pack of m samples has m codes"),
    (["infogan", "feature-matching"], "'infogan' is listed before 'feature-matching', whose pure form"),
    (["infogan", "self-conditioning"], "'infogan' and 'self-conditioning' cannot be combined: both read a"),
])
def test_impossible_fix_lists_are_refused_with_the_reason(fixes, message):
    with pytest.raises(ConfigError, match=message):
        point_config(fixes)


def test_pacgan_needs_a_batch_it_can_pack_and_points_have_no_labels():
    with pytest.raises(ConfigError, match="multiple of 3"):
        point_config(["pacgan"], fix_options={"pacgan": {"packs": 3}})
    with pytest.raises(ConfigError, match="no labels to condition on"):
        point_config(model={"conditional": True})
    with pytest.raises(ConfigError, match="infogan is for unconditional letter generators, not the 2-D dataset"):
        point_config(["infogan"])
    with pytest.raises(ConfigError, match="not a conditional generator"):
        build_gan_config({"fixes": ["infogan"], "model": {"conditional": True}})
    with pytest.raises(ConfigError, match="self-conditioning is for unconditional letter generators, not the 2-D"):
        point_config(["self-conditioning"])
    with pytest.raises(ConfigError, match="self-conditioning is for unconditional .* not a conditional generator"):
        build_gan_config({"fixes": ["self-conditioning"], "model": {"conditional": True}})


def test_a_point_dataset_brings_its_training_regime_under_the_preset():
    config = resolve_gan_config("pacgan", flags={"dataset": "grid25"})
    assert (config.model.z_dim, config.train.batch_size, config.optim.lr) == (2, 100, 1e-4)
    assert config.fixes == ["pacgan"] and config.evaluation.samples == 2500
    assert resolve_gan_config("vanilla").model.z_dim == 100  # letters keep the course's settings
    override = resolve_gan_config("vanilla", flags={"dataset": "ring8"}, assignments=["optim.lr=0.001"])
    assert override.optim.lr == 1e-3
    recipe = resolve_gan_config("points-r1-ls", flags={"dataset": "grid25"})
    assert recipe.fixes == ["r1", "label-smoothing"] and recipe.fix_options["r1"]["gamma"] == 1.0
    assert (recipe.optim.lr, recipe.optim.final_lr_ratio, recipe.train.epochs, recipe.train.batch_size) == \
        (1e-3, 0.01, 40, 100)
    # the every-mode recipe is that one with a generator without batch norm, and nothing else changed
    sharp = config_to_dict(resolve_gan_config("points-r1-ls-nobn", flags={"dataset": "grid25"}))
    plain = config_to_dict(recipe)
    averaged = config_to_dict(resolve_gan_config("points-r1-ls-ema", flags={"dataset": "grid25"}))
    assert sharp["mlp"].pop("g_batch_norm") is False and plain["mlp"].pop("g_batch_norm") is True
    assert sharp == plain
    # and the averaged recipe is the every-mode one, sampled from its weight average
    assert averaged["train"].pop("g_ema") == 0.999 and plain["train"].pop("g_ema") == 0.0
    assert averaged["mlp"].pop("g_batch_norm") is False
    assert averaged == plain


# ------------------------------------------------------------------------------------------------- training

# infogan, self-conditioning: letters only (refused on points below)
@pytest.mark.parametrize("name", sorted(set(FIXES) - {"infogan", "self-conditioning"}))
def test_each_fix_trains_on_points_alone_and_with_feature_matching(name, tmp_path):
    for fixes in ([name], [name, "feature-matching"]) if name != "feature-matching" else ([name],):
        config = point_config(fixes)
        run = RunDir(tmp_path / "-".join(fixes))
        outcome = start_gan(config, run)
        assert outcome.status == "completed"
        final = run.read_metrics()[-1]
        assert math.isfinite(final["loss_d"]) and math.isfinite(final["loss_g"])
        assert 0 <= final["modes_captured"] <= 25 and 0 <= final["high_quality"] <= 1
        assert ("critic_gap" in final) == ("wgan-gp" in fixes)


def test_letters_by_code_names_each_codes_most_common_confident_letter():
    probabilities = torch.zeros(6, 27)
    probabilities[[0, 1, 2, 3, 4, 5], [0, 0, 1, 2, 26, 3]] = torch.tensor([0.95, 0.99, 0.97, 0.5, 0.99, 0.91])
    codes = torch.tensor([0, 0, 0, 1, 1, 2])
    # code 0: A twice, B once; code 1: a C under the threshold and a "not a letter"; code 2: D; code 3: nothing
    assert letters_by_code(probabilities, codes, 4, threshold=0.9) == ["A", None, "D", None]


def test_an_infogan_run_reports_which_letter_each_code_draws(tiny_evaluation, data_dir, tmp_path):
    config = build_gan_config({**tiny_evaluation, "fixes": ["infogan"], "fix_options": {"infogan": {"codes": 5}},
                               "train": {**tiny_evaluation["train"], "epochs": 1, "max_steps_per_epoch": 2}})
    outcome = start_gan(config, RunDir(tmp_path / "run"), data_dir)
    final = outcome.summary["final"]
    assert len(final["code_letters"]) == 5 and "code_loss" in final
    assert all(letter is None or letter in LETTERS for letter in final["code_letters"])
    assert any(line.startswith("infogan codes: 5, most often drawing ") for line in outcome_lines(outcome.summary))


@pytest.mark.parametrize("fixes", [["pacgan", "spectral-norm", "minibatch-discrimination"],
                                   ["wgan-gp", "unrolled"], ["minibatch-discrimination", "r1"],
                                   ["minibatch-discrimination", "wgan-gp"], ["infogan", "r1", "label-smoothing"],
                                   ["self-conditioning", "pacgan", "minibatch-discrimination", "wgan-gp"]])
def test_fixes_combine_on_letters(fixes, tiny_config, data_dir, tmp_path):
    config = build_gan_config({**tiny_config, "fixes": fixes, "train": {**tiny_config["train"], "epochs": 1,
                                                                         "max_steps_per_epoch": 2}})
    assert start_gan(config, RunDir(tmp_path / "run"), data_dir).status == "completed"


def test_a_self_conditioned_letter_run_draws_its_clusters_as_the_data_holds_them_and_resumes_exactly(
        tiny_evaluation, data_dir, tmp_path):
    config = build_gan_config({**tiny_evaluation, "fixes": ["self-conditioning", "r1"],
                               "fix_options": {"self-conditioning": {"clusters": 5}},
                               "train": {**tiny_evaluation["train"], "epochs": 2, "max_steps_per_epoch": 3}})
    straight = RunDir(tmp_path / "straight")
    outcome = start_gan(config, straight, data_dir)
    broken = RunDir(tmp_path / "broken")
    assert start_gan(config, broken, data_dir, stop=StopAfter(4)).status == "interrupted"
    resume(GAN, broken, data_dir)
    a = torch.load(straight.last_checkpoint, weights_only=True)
    b = torch.load(broken.last_checkpoint, weights_only=True)
    for key in ("generator", "discriminator"):
        assert all(torch.equal(a[key][k], b[key][k]) for k in a[key])
    clusters = a["clusters"]
    assert torch.equal(clusters, b["clusters"]) and int(clusters.max()) == 4
    frequencies = torch.bincount(clusters, minlength=5).double()
    assert torch.allclose(a["generator"]["code_cdf"].double(), frequencies.cumsum(0) / frequencies.sum(), atol=1e-6)
    assert a["discriminator"]["label_map.weight"].shape[0] == 5
    loaded, _ = load_generator(straight.last_checkpoint)
    assert torch.equal(loaded.code_cdf, a["generator"]["code_cdf"])
    report = outcome.summary["self_conditioning"]
    assert report["clusters"] == 5 and report["smallest"] == int(frequencies.min())
    assert report["largest"] == int(frequencies.max()) and 0 < report["letter_purity"] <= 1
    final = outcome.summary["final"]
    assert len(final["code_letters"]) == 5
    assert any(line.startswith("self-conditioning: 5 clusters of the training images, ")
               for line in outcome_lines(outcome.summary))
    assert any(line.startswith("self-conditioning clusters: 5, most often drawing ")
               for line in outcome_lines(outcome.summary))


def test_point_run_resumes_to_the_same_weights(tmp_path):
    config = point_config(["pacgan", "r1"])

    straight = RunDir(tmp_path / "straight")
    start_gan(config, straight)
    broken = RunDir(tmp_path / "broken")
    outcome = start_gan(config, broken, stop=StopAfter(9))
    assert outcome.status == "interrupted"
    resume(GAN, broken)
    a = torch.load(straight.last_checkpoint, weights_only=True)["generator"]
    b = torch.load(broken.last_checkpoint, weights_only=True)["generator"]
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert [r["modes_captured"] for r in straight.read_metrics()] == [r["modes_captured"]
                                                                      for r in broken.read_metrics()]
    assert (straight.figures / "modes.png").is_file() and (straight.figures / "dynamics.png").is_file()


def test_learning_rate_falls_linearly_to_its_final_ratio_and_stays_constant_by_default(tmp_path):
    config = point_config(optim={"lr": 1e-3, "final_lr_ratio": 0.1})
    trainer = GanTrainer(config=config, task=load_task(config, cpu_context()),
                         run=RunDir.create(tmp_path / "run", "gan"), ctx=cpu_context())
    last = trainer.epochs * trainer.batches_per_epoch - 1
    assert trainer.learning_rate() == pytest.approx(1e-3)
    trainer.global_step = last
    assert trainer.learning_rate() == pytest.approx(1e-4)
    trainer.global_step = last // 2
    assert 1e-4 < trainer.learning_rate() < 1e-3
    trainer.fit()
    assert trainer.opt_g.param_groups[0]["lr"] == pytest.approx(1e-4)
    constant = point_config()
    plain = GanTrainer(config=constant, task=load_task(constant, cpu_context()),
                       run=RunDir.create(tmp_path / "plain", "gan"), ctx=cpu_context())
    plain.fit()
    assert plain.opt_d.param_groups[0]["lr"] == constant.optim.lr


def test_a_generator_without_batch_norm_draws_each_point_on_its_own(tmp_path):
    # With batch norm (PacGAN's default) a training-mode sample depends on the rest of its batch; without it the
    # same noise gives the same point whatever it is drawn with, which is what mlp.g_batch_norm=false promises.
    torch.manual_seed(0)
    z = torch.randn(8, 2)
    for batch_norm, independent in ((True, False), (False, True)):
        generator = PointGenerator(2, 16, 2, batch_norm=batch_norm).train()
        alone, together = generator(z[:4]), generator(z)[:4]
        assert torch.allclose(alone, together) is independent
        assert any(isinstance(m, nn.BatchNorm1d) for m in generator.modules()) is batch_norm
    config = point_config(mlp={"g_batch_norm": False})
    run = RunDir(tmp_path / "run")
    assert start_gan(config, run).status == "completed"
    weights = torch.load(run.last_checkpoint, weights_only=True)["generator"]
    assert not any("running_mean" in key for key in weights)


def test_a_letter_generator_without_batch_norm_draws_each_image_on_its_own(tiny_config, data_dir, tmp_path):
    # model.g_batch_norm=false, the letters' counterpart of mlp.g_batch_norm: DCGAN's generator loses both batch
    # norms, so a training-mode image no longer depends on its batch, and a run's checkpoint has no statistics.
    torch.manual_seed(0)
    z = torch.randn(8, 16)
    for batch_norm, independent in ((True, False), (False, True)):
        generator = Generator(16, 8, batch_norm=batch_norm).train()
        assert torch.allclose(generator(z[:4]), generator(z)[:4]) is independent
        assert any(isinstance(m, nn.BatchNorm2d) for m in generator.modules()) is batch_norm
    config = build_gan_config({**tiny_config, "model": {**tiny_config["model"], "g_batch_norm": False},
                               "train": {**tiny_config["train"], "epochs": 1, "max_steps_per_epoch": 2}})
    run = RunDir(tmp_path / "run")
    assert start_gan(config, run, data_dir).status == "completed"
    weights = torch.load(run.last_checkpoint, weights_only=True)["generator"]
    assert not any("running_mean" in key for key in weights)


def test_the_weight_average_follows_the_generator_with_a_warming_decay():
    torch.manual_seed(0)
    live = PointGenerator(2, 8, 1, batch_norm=True)
    average = GeneratorAverage(live, decay=0.99)
    before = [p.clone() for p in average.model.parameters()]
    with torch.no_grad():
        for p in live.parameters():
            p.add_(1.0)
    live(torch.randn(16, 2))  # moves the batch-norm statistics
    keep = average.current_decay()
    assert keep == pytest.approx(0.1)  # warm-up (1 + t) / (10 + t) at t = 0, below the decay
    average.update(live)
    for old, new, now in zip(before, average.model.parameters(), live.parameters()):
        assert torch.allclose(new, keep * old + (1 - keep) * now)
    assert torch.equal(average.model.net[1].running_mean, live.net[1].running_mean)
    assert not any(p.requires_grad for p in average.model.parameters())
    average.updates = 10_000
    assert average.current_decay() == 0.99


def test_a_run_with_a_weight_average_is_sampled_from_it_and_resumes_exactly(tmp_path):
    config = point_config(["r1"], train={"g_ema": 0.9})
    straight = RunDir(tmp_path / "straight")
    start_gan(config, straight)
    broken = RunDir(tmp_path / "broken")
    assert start_gan(config, broken, stop=StopAfter(9)).status == "interrupted"
    resume(GAN, broken)
    a = torch.load(straight.last_checkpoint, weights_only=True)
    b = torch.load(broken.last_checkpoint, weights_only=True)
    for key in ("generator", "discriminator"):
        assert all(torch.equal(a[key][k], b[key][k]) for k in a[key])
    averaged, live = a["generator_average"]["weights"], a["generator"]
    assert all(torch.equal(averaged[k], b["generator_average"]["weights"][k]) for k in averaged)
    assert a["generator_average"]["updates"] == 12  # one per generator step
    assert not torch.equal(averaged["net.0.weight"], live["net.0.weight"])
    summary = json.loads(straight.summary_path.read_text())
    assert "the generator's weight average (decay 0.9)" in " ".join(outcome_lines(summary))
    loaded, _ = load_generator(straight.last_checkpoint)
    assert torch.equal(loaded.state_dict()["net.0.weight"], averaged["net.0.weight"])
    # the records measure the average too: the last one is a fresh measurement of the loaded generator
    records = straight.read_metrics()
    assert [r["modes_captured"] for r in records] == [r["modes_captured"] for r in broken.read_metrics()]
    fresh = load_task(config, cpu_context()).evaluate(loaded)
    assert (fresh["modes_captured"], fresh["high_quality"]) == (records[-1]["modes_captured"],
                                                                records[-1]["high_quality"])
