"""Where built datasets and evaluators are cached: --data-dir, else $GENTOOL_DATA_DIR, else ./data."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "GENTOOL_DATA_DIR"


def data_root(data_dir: str | Path | None = None) -> Path:
    return Path(data_dir) if data_dir is not None else Path(os.environ.get(DATA_DIR_ENV, "data"))
