"""Points for EM and CAVI: a named mixture (ring8, grid25: true modes known) or a .npy/.csv file of points.

One place checks a file, so every family refuses the same bad input with the same one-line message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from gentool.datasets.points import POINT_DATASETS, PointDataConfig, load_point_dataset
from gentool.errors import UsageError

POINT_FILE_SUFFIXES = (".npy", ".csv")


@dataclass
class PointSource:
    name: str  # ring8, grid25 or the file's path
    points: torch.Tensor  # (N, D) float64
    means: torch.Tensor | None  # (K, D) true modes, when known
    std: float | None

    @property
    def known_modes(self) -> bool:
        return self.means is not None


def dataset_problems(value: str, key: str = "dataset") -> list[tuple[str, str]]:
    """A named mixture, or a readable points file (read here, so bad input fails before a run folder exists)."""
    if value in POINT_DATASETS:
        return []
    if Path(value).suffix.lower() not in POINT_FILE_SUFFIXES:
        return [(key, f"got {value!r}; use {', '.join(POINT_DATASETS)} or the path of a .npy/.csv file of points")]
    try:
        load_points_file(value)
    except UsageError as err:
        return [(key, str(err))]
    return []


def point_count(dataset: str, points: PointDataConfig) -> int:
    return points.samples if dataset in POINT_DATASETS else len(load_points_file(dataset))


def load_points_file(path: str | Path) -> torch.Tensor:
    """A (N, D) array of finite numbers, N >= 2, D >= 1, as float64. Anything else is a UsageError."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"points file '{path}' does not exist; pass a .npy or .csv file of shape (N, D)")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            array = np.load(path, allow_pickle=False)
        elif suffix == ".csv":
            array = np.loadtxt(path, delimiter=",", ndmin=2, dtype=np.float64)
        else:
            raise UsageError(f"points file '{path}' must end in .npy or .csv")
    except UsageError:
        raise
    except (ValueError, OSError) as err:
        raise UsageError(f"points file '{path}' could not be read as numbers ({str(err).splitlines()[0][:120]}); "
                         f"write one point per row, coordinates separated by commas") from None
    if array.dtype.kind not in "fiu":
        raise UsageError(f"points file '{path}' holds {array.dtype} values, not numbers")
    if array.ndim != 2 or array.shape[0] < 2 or array.shape[1] < 1:
        raise UsageError(f"points file '{path}' has shape {tuple(array.shape)}; expected (N, D) with N >= 2 points "
                         f"as rows")
    array = array.astype(np.float64)
    bad = ~np.isfinite(array).all(axis=1)
    if bad.any():
        raise UsageError(f"points file '{path}' has {int(bad.sum())} rows with NaN or infinite values (first: row "
                         f"{int(np.argmax(bad))}); remove them")
    return torch.from_numpy(array)


def load_point_source(dataset: str, points: PointDataConfig) -> PointSource:
    if dataset in POINT_DATASETS:
        data = load_point_dataset(dataset, points)
        return PointSource(dataset, data.points.double(), data.means.double(), float(data.std))
    return PointSource(dataset, load_points_file(dataset), None, None)
