"""The EM / k-means run config. Presets live in gentool/presets/em/."""

from __future__ import annotations

from dataclasses import dataclass, field

from gentool.config import build_config, option
from gentool.datasets.config import POINT_DATASETS, PointDataConfig
from gentool.presets import layered
from gentool.runtime.device import device_option, device_problems
from gentool.runtime.seeding import MAX_SEED

METHODS = ("em", "kmeans")
INITS = ("kmeans++", "random-points", "random-resp")
COVARIANCES = ("full", "diag")


@dataclass
class EmConfig:
    seed: int = option(0, min=0, max=MAX_SEED, help="seed of the initialisations (the data has its own, points.seed)")
    device: str = device_option("cpu", "the problems are small: the CPU is usually fastest")
    dataset: str = option("grid25", suggest=POINT_DATASETS,
                          help="ring8, grid25 (true modes known), or a .npy/.csv file of points (N, D)")
    points: PointDataConfig = field(default_factory=PointDataConfig)
    method: str = option("em", choices=METHODS, help="em: a Gaussian mixture by EM; kmeans: Lloyd's k-means")
    components: int = option(25, min=1, max=10_000, help="mixture components / clusters K")
    covariance: str = option("full", choices=COVARIANCES, help="EM covariance type")
    init: str = option("kmeans++", choices=INITS,
                       help="kmeans++: k-means++ seeds refined by k-means; random-points: K data points as means "
                            "with the data's covariance; random-resp: random responsibilities, then an M-step")
    restarts: int = option(1, min=1, max=10_000, help="independent initialisations; the best final fit is kept")
    max_iter: int = option(300, min=1, max=1_000_000, help="EM (or k-means) iterations per restart at most")
    tol: float = option(1e-6, min=0.0, help="stop when the per-point log-likelihood gains less than this "
                                            "(k-means: when no point changes cluster)")
    reg_covar: float = option(1e-6, min=0.0, help="added to covariance diagonals (as scikit-learn) so a "
                                                  "component on one point stays invertible")
    kmeans_iter: int = option(100, min=1, max=1_000_000, help="k-means iterations inside the kmeans++ init")
    samples: int = option(10_000, min=100, max=10_000_000, help="points drawn from the fit for the mode metrics")

    def check(self) -> list[tuple[str, str]]:
        from gentool.datasets.point_files import dataset_problems, point_count

        problems = device_problems(self.device) + dataset_problems(self.dataset)
        if not problems and self.components > point_count(self.dataset, self.points):
            problems.append(("components", f"got {self.components}, more than the "
                                           f"{point_count(self.dataset, self.points)} points; lower it"))
        return problems


def resolve_em_config(preset: str, config_file: str | None = None, flags: dict | None = None,
                      assignments: list[str] | None = None) -> EmConfig:
    """preset < --config FILE < named flags (dotted keys) < --set key=value."""
    return build_config(EmConfig, layered("em", preset, config_file, flags, assignments))
