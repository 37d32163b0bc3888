"""draws.npz: every draw of an MCMC run, for ArviZ and any other tool that reads numpy files.

    draws    float64 (chain, draw, dim): every iteration of every chain, burn-in included
    burn_in  int: the draws each chain starts with that the run's diagnostics drop (draws[:, burn_in:] are kept)
    names    str (dim,): what each coordinate is (x, y; for the Ising lattice magnetisation, |magnetisation|, energy)

The file opens with numpy alone (no pickled objects); docs/exports.md shows the lines that hand it to ArviZ.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gentool.runtime.files import atomic_write_stream

DRAWS_FILE = "draws.npz"


def save_draws(path: Path, by_step: np.ndarray, names: list[str], burn_in: int) -> Path:
    """by_step: (step, chain, dim), as the samplers fill it; written as (chain, draw, dim)."""

    return atomic_write_stream(path, lambda handle: np.savez(
        handle, draws=np.ascontiguousarray(by_step.transpose(1, 0, 2), dtype=np.float64), burn_in=np.int64(burn_in),
        names=np.array(names, dtype=str)))


def load_draws(path: Path) -> tuple[np.ndarray, int, list[str]]:
    """(draws (chain, draw, dim), burn_in, names) of a draws.npz."""
    with np.load(path, allow_pickle=False) as data:
        return data["draws"], int(data["burn_in"]), [str(name) for name in data["names"]]
