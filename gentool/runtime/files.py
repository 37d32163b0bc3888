"""Atomic writes: write to a temporary file beside the target, flush to disk, rename into place.

A crash at any moment leaves either the old file or the new one, never half of one. The finished file or folder
gets the mode the umask gives a new one (mkstemp/mkdtemp make them private to the owner, which would leave a shared
data folder or run folder unreadable to colleagues). A write that fails because the disk is full says so.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable

from gentool.runtime.faults import kill_point


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def umask_mode(full: int) -> int:
    """`full` (0o666 for files, 0o777 for folders) less the process umask."""
    mask = os.umask(0)
    os.umask(mask)
    return full & ~mask


def disk_full(folder: Path) -> bool:
    """Less free space than a small checkpoint needs: a failed write there is the disk being full."""
    try:
        return shutil.disk_usage(folder).free < FULL_BELOW_BYTES
    except OSError:
        return False


FULL_BELOW_BYTES = 16 * 2**20


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call `write(tmp_path)` and move the finished file to `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.chmod(tmp, umask_mode(0o666))
        kill_point(f"tmp:{path.name}")
        os.replace(tmp, path)
    except BaseException as err:
        tmp.unlink(missing_ok=True)
        # torch.save reports a full disk as "RuntimeError: [enforce fail ...] file write failed"
        if isinstance(err, Exception) and not isinstance(err, OSError) and disk_full(path.parent):
            raise OSError(errno.ENOSPC, "No space left on device", str(path)) from err
        raise
    return path


def atomic_write_stream(path: str | Path, write: Callable[[BinaryIO], None]) -> Path:
    """`write(handle)` into an open binary file: numpy's savers given a path add their suffix to one that lacks it
    (the temporary file's), so they are handed the file instead."""

    def to_file(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            write(handle)

    return atomic_write(path, to_file)


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def atomic_write_json(path: str | Path, data: dict) -> Path:
    return atomic_write_text(path, json.dumps(data, indent=2) + "\n")


def atomic_write_dir(path: str | Path, fill: Callable[[Path], None]) -> Path:
    """Build a whole folder in a temporary sibling and rename it into place (used for dataset caches)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        fill(tmp)
        os.chmod(tmp, umask_mode(0o777))
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path
