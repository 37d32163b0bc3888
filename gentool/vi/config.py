"""The VI run config. Presets live in gentool/presets/vi/."""

from __future__ import annotations

from dataclasses import dataclass, field

from gentool.config import build_config, option
from gentool.datasets.config import POINT_DATASETS, PointDataConfig
from gentool.presets import layered
from gentool.runtime.device import device_option, device_problems
from gentool.runtime.seeding import MAX_SEED

METHODS = ("reparam", "cavi")
FAMILIES = ("gaussian", "mixture")
DIVERGENCES = ("reverse", "forward")


@dataclass
class CaviConfig:
    prior_std: float = option(5.0, min=0.0, min_exclusive=True, help="std of the N(0, s^2 I) prior on each mean")
    likelihood_std: float | None = option(None, min=0.0, min_exclusive=True,
                                          help="known std of each component (null: the mixture's own; a points "
                                               "file needs it set)")
    max_iter: int = option(200, min=1, max=1_000_000, help="coordinate-ascent sweeps at most")
    tol: float = option(1e-9, min=0.0, help="stop when the ELBO per point gains less than this")
    init: str = option("random-points", choices=("random-points", "kmeans++"),
                       help="initial means, the same for CAVI and the EM it is compared with")


@dataclass
class ViConfig:
    seed: int = option(0, min=0, max=MAX_SEED, help="seed of the initial q and of every Monte Carlo draw")
    device: str = device_option("cpu", "the problems are small: the CPU is usually fastest")
    method: str = option("reparam", choices=METHODS,
                         help="reparam: fit q to the target density by gradient steps; cavi: mean-field coordinate "
                              "ascent for a Bayesian Gaussian mixture on data points")
    dataset: str = option("ring8", suggest=POINT_DATASETS,
                          help="reparam: ring8 or grid25 (the density); cavi: those or a .npy/.csv file")
    points: PointDataConfig = field(default_factory=PointDataConfig)
    family: str = option("gaussian", choices=FAMILIES, help="q: one full-covariance Gaussian, or a mixture of K")
    divergence: str = option("reverse", choices=DIVERGENCES,
                             help="reverse: KL(q || p), the ELBO (mode-seeking); forward: KL(p || q) from target "
                                  "samples (mass-covering)")
    components: int = option(8, min=1, max=1000, help="K: q's components (mixture) or CAVI's clusters")
    steps: int = option(5000, min=1, max=10_000_000, help="reparam: optimiser steps")
    lr: float = option(0.05, min=0.0, min_exclusive=True, max=10.0, help="Adam learning rate (decays linearly to 1%)")
    batch: int = option(256, min=1, max=1_000_000, help="Monte Carlo draws per step (reverse: per component)")
    init_scale: float = option(1.0, min=0.0, min_exclusive=True, help="initial std of each q component")
    samples: int = option(10_000, min=100, max=10_000_000, help="q draws for the mode metrics and KL estimates")
    log_every: int = option(25, min=1, help="steps between metrics.jsonl records")
    cavi: CaviConfig = field(default_factory=CaviConfig)

    def check(self) -> list[tuple[str, str]]:
        from gentool.datasets.point_files import dataset_problems

        problems = device_problems(self.device)
        if self.method == "reparam" and self.dataset not in POINT_DATASETS:
            problems.append(("dataset", f"got {self.dataset!r}; reparameterised VI needs a known density: "
                                        f"{', '.join(POINT_DATASETS)} (a points file works with --method cavi)"))
        else:
            problems += dataset_problems(self.dataset)
        if (self.method == "cavi" and self.dataset not in POINT_DATASETS and self.cavi.likelihood_std is None):
            problems.append(("cavi.likelihood_std", "a points file has no known component std; set it, e.g. "
                                                    "--set cavi.likelihood_std=0.1"))
        return problems


def resolve_vi_config(preset: str, config_file: str | None = None, flags: dict | None = None,
                      assignments: list[str] | None = None) -> ViConfig:
    """preset < --config FILE < named flags (dotted keys) < --set key=value."""
    return build_config(ViConfig, layered("vi", preset, config_file, flags, assignments))
