"""Measuring instruments as files: the shipped ones, and local ones built from a user's own data.

An instrument (the letter evaluator, the digit evaluator, the genre classifier) is a trained network whose reading
IS the figure, as the Inception network is for FID: two instruments give two figures for the same images. So each
one is a file with an identity (name, version, the file's sha256, shipped or local), and every figure it makes
records that identity.

Shipped instruments are package data in gentool/instruments/: `<name>-v<version>.pt` (tensors and plain values,
loaded with weights_only=True) beside `<name>.json`, its manifest (the file, its sha256, its own held-out figures,
the data it was built from and the command that built it). A fresh install measures with them and never trains
one. A local instrument is built on request from the user's data and cached under the data folder; its figures
say "local".
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Literal

from gentool.errors import GentoolError
from gentool.runtime.files import atomic_write_json, file_sha256

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "instruments"
Source = Literal["shipped", "local"]


@dataclass(frozen=True)
class Instrument:
    name: str  # "letter-evaluator", "digit-evaluator", "genre-classifier"; also its checkpoint kind
    version: int
    sha256: str  # of the file that holds it
    source: Source

    def record(self) -> dict:
        """What a measurement stores beside its figures."""
        return asdict(self)

    def label(self) -> str:
        return f"{self.name} v{self.version} ({self.source}, sha256 {self.sha256[:12]})"


def instrument_of(record: dict | None) -> Instrument | None:
    """The instrument a stored measurement names (None when it names none)."""
    return Instrument(**record) if isinstance(record, dict) and record.keys() == Instrument.__annotations__.keys() \
        else None


def mixed_instruments(records: Iterable[dict | None]) -> str | None:
    """One line naming the instruments when the measurements come from more than one, else None. Figures from
    different instruments are different quantities: shown side by side, but never tested against each other. A
    measurement that names no instrument beside ones that do was made by an unknown one (a run from before
    instruments were recorded), so it counts as another."""
    named = [instrument_of(record) for record in records]
    found = [label for label in dict.fromkeys(i.label() for i in named if i)]
    if found and None in named:
        found.append("an unrecorded one")
    if len(found) < 2:
        return None
    return (f"measured by {len(found)} different instruments ({'; '.join(found)}): their figures are not "
            f"comparable, so no significance test is made across them")


def shipped_manifest(name: str) -> dict:
    path = SHIPPED_DIR / f"{name}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise GentoolError(f"the shipped {name}'s manifest {path} is missing or damaged; reinstall gentool "
                           f"(pip install --force-reinstall gentool)") from None


def load_shipped(name: str, version: int) -> tuple[dict, dict, Instrument]:
    """The shipped instrument `name`: its state (tensors as stored), its manifest (with the file's "path") and its
    identity. A missing or altered file, or one built for another version of the code, is a one-line error."""
    manifest = shipped_manifest(name)
    path = SHIPPED_DIR / manifest["file"]
    if manifest.get("version") != version:
        raise GentoolError(f"the shipped {name} is version {manifest.get('version')} but this gentool reads version "
                           f"{version}; reinstall gentool (pip install --force-reinstall gentool)")
    if not path.is_file():
        raise GentoolError(f"the shipped {name} ({path}) is missing; reinstall gentool "
                           f"(pip install --force-reinstall gentool)")
    digest = file_sha256(path)
    if digest != manifest["sha256"]:
        raise GentoolError(f"the shipped {name} ({path}) is corrupt: its sha256 is {digest[:12]}, its manifest says "
                           f"{manifest['sha256'][:12]}; reinstall gentool (pip install --force-reinstall gentool)")
    from gentool.runtime.checkpoint import load_checkpoint  # torch: imported by what measures, not what reads figures

    state = load_checkpoint(path, name)
    return state, {**manifest, "path": str(path)}, Instrument(name, version, digest, "shipped")


def load_local(path: Path, name: str, version: int) -> tuple[dict, Instrument]:
    """A locally built instrument from the data folder's cache, and its identity."""
    from gentool.runtime.checkpoint import load_checkpoint

    return load_checkpoint(path, name), Instrument(name, version, file_sha256(path), "local")


def save_local(path: Path, name: str, version: int, state: dict) -> Instrument:
    from gentool.runtime.checkpoint import save_checkpoint

    save_checkpoint(path, name, state)
    return Instrument(name, version, file_sha256(path), "local")


def stored_weights(model) -> dict:
    """The weights as every instrument stores them, floating-point tensors in fp16 (half the file, read back as
    fp32), and `model` changed to read with exactly those: its figures are measured with the weights as stored."""
    stored = {key: value.detach().cpu().half() if value.is_floating_point() else value.detach().cpu().clone()
              for key, value in model.state_dict().items()}
    model.load_state_dict(full_precision(stored))
    return stored


def full_precision(weights: dict) -> dict:
    return {key: value.float() if value.is_floating_point() else value for key, value in weights.items()}


def write_shipped(name: str, version: int, state: dict, manifest: dict) -> tuple[Path, Path]:
    """Write an instrument as package data: `<name>-v<version>.pt` and its manifest `<name>.json`, which names the
    file and its sha256 (torch.save's bytes differ between two saves of the same weights, so the hash names this
    file, not the weights)."""
    from gentool.runtime.checkpoint import save_checkpoint

    path = SHIPPED_DIR / f"{name}-v{version}.pt"
    save_checkpoint(path, name, state)
    written = {"name": name, "version": version, "file": path.name, "sha256": file_sha256(path), **manifest}
    return path, atomic_write_json(SHIPPED_DIR / f"{name}.json", written)
