"""Presets named for the protocol they follow: PacGAN's published 2-D protocol and gentool's CPU-budget regime."""

import torch

from gentool.gan.config import resolve_gan_config
from gentool.gan.tasks import build_models


def test_the_pacgan_protocol_preset_carries_pacgans_released_settings():
    config = resolve_gan_config("pacgan-protocol")
    assert config.dataset == "grid25"
    assert (config.train.epochs, config.train.batch_size, config.points.samples) == (400, 100, 100_000)
    assert (config.optim.lr, config.optim.beta1, config.optim.final_lr_ratio) == (1e-4, 0.8, 1.0)
    assert (config.mlp.g_hidden, config.mlp.g_layers, config.mlp.d_hidden, config.mlp.d_layers) == (400, 4, 200, 3)
    assert config.mlp.maxout_pieces == 5 and config.mlp.init_std == 0.02 and config.model.z_dim == 2
    assert config.evaluation.samples == 2500
    # the dataset's own short regime goes underneath: it must not shorten the protocol
    ring = resolve_gan_config("pacgan-protocol", flags={"dataset": "ring8"})
    assert ring.dataset == "ring8" and ring.train.epochs == 400 and ring.optim.beta1 == 0.8


def test_init_std_draws_every_linear_weight_from_that_gaussian_and_zeroes_biases():
    torch.manual_seed(0)
    config = resolve_gan_config("pacgan-protocol")
    generator, discriminator = build_models(config, torch.device("cpu"))
    linears = [m for model in (generator, discriminator) for m in model.modules() if isinstance(m, torch.nn.Linear)]
    weights = torch.cat([m.weight.flatten() for m in linears])
    assert abs(weights.std().item() - 0.02) < 0.001 and abs(weights.mean().item()) < 0.001
    assert all(m.bias is None or not m.bias.any() for m in linears)
    default = build_models(resolve_gan_config("vanilla", flags={"dataset": "grid25"}), torch.device("cpu"))[0]
    first = next(m for m in default.modules() if isinstance(m, torch.nn.Linear))
    assert first.weight.std().item() > 0.1  # PyTorch's default for a 2-input layer: U(-1/sqrt(2), 1/sqrt(2))


def test_the_cpu_budget_preset_is_the_fix_benchmarks_short_regime():
    config = resolve_gan_config("points-cpu-budget")
    assert (config.train.epochs, config.optim.lr, config.mlp.g_hidden, config.mlp.d_hidden) == (2, 1e-3, 128, 128)


def test_published_rows_stand_only_beside_runs_of_pacgans_protocol():
    from gentool.config import config_to_dict
    from gentool.gan.benchmark import PUBLISHED, protocol_differences
    from gentool.views.gan import benchmark_table

    assert protocol_differences(config_to_dict(resolve_gan_config("pacgan-protocol"))) == []
    short = config_to_dict(resolve_gan_config("points-cpu-budget"))
    assert "train.epochs 2, not 400" in protocol_differences(short)
    cell = {m: {"mean": 24.0, "std": 0.5, "n": 3, "missing": 0, "ci_low": 23, "ci_high": 25}
            for m in ("modes_captured", "high_quality", "reverse_kl", "seconds_per_epoch")}
    report = {"table": {"vanilla": {"grid25": cell}}, "datasets": ["grid25"], "seeds": [0, 1, 2],
              "published": {name: {d: f for d, f in by.items() if d == "grid25"} for name, by in PUBLISHED.items()},
              "protocol": {"grid25": {"pacgan": True, "differences": []}}}
    _, markdown = benchmark_table(report)
    assert "| PacGAN4 (PacGAN paper) | 24.8 | 93.6 | 0.04 |" in markdown and "PacGAN2" not in markdown
    assert "PacGAN's protocol, beside its published means" in markdown
    # benchmark.md gives each mean's 95% t-interval over seeds beside mean ± std (HQ in %)
    assert "| vanilla | 24.0 ± 0.5 [23.0, 25.0] | 2400.0 ± 50.0 [2300.0, 2500.0] |" in markdown
    assert "95% t-interval of the mean" in markdown
