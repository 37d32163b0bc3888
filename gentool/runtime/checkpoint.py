"""Checkpoints: dicts of tensors and plain values, written atomically, loaded with weights_only=True.

A checkpoint is untrusted input: it is never unpickled beyond tensors and plain containers, and a file that is
missing, truncated or not a gentool checkpoint of the expected kind is a UsageError naming the file and the fix.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

from gentool import __version__
from gentool.errors import UsageError
from gentool.runtime.files import atomic_write

CHECKPOINT_FORMAT = 1


def save_checkpoint(path: str | Path, kind: str, payload: dict) -> Path:
    data = {"format": CHECKPOINT_FORMAT, "kind": kind, "gentool_version": __version__, **payload}
    return atomic_write(path, lambda tmp: torch.save(data, tmp))


def load_checkpoint(path: str | Path, kind: str, map_location: str | torch.device = "cpu") -> dict:
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"checkpoint '{path}' does not exist; check the path, or train a run first")
    try:
        with warnings.catch_warnings():  # torch warns about a refused pickle before raising: the error says it all
            warnings.simplefilter("ignore")
            data = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises many types for a damaged file; all mean the same to a user
        raise UsageError(f"checkpoint '{path}' is corrupt or not a gentool checkpoint ({type(err).__name__}); "
                         f"resume from another checkpoint in its folder or train again") from None
    if not isinstance(data, dict) or data.get("kind") != kind or "format" not in data:
        found = data.get("kind") if isinstance(data, dict) else type(data).__name__
        raise UsageError(f"checkpoint '{path}' is not a gentool {kind} checkpoint (found {found!r}); "
                         f"pass a checkpoint written by `gentool {kind} train`")
    if data["format"] > CHECKPOINT_FORMAT:
        raise UsageError(f"checkpoint '{path}' was written by a newer gentool (format {data['format']}); "
                         f"upgrade gentool to read it")
    return data


def checkpoint_kind(path: str | Path) -> str | None:
    """The kind a readable checkpoint declares, or None (missing or unreadable: the caller's own checks say why)."""
    try:
        data = torch.load(Path(path), map_location="cpu", weights_only=True)
    except Exception:  # any damage means "unknown" here
        return None
    return data.get("kind") if isinstance(data, dict) else None
