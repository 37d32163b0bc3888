"""Device choice: auto = cuda, then mps, then cpu. The resolved device is printed and recorded by the callers.

Config modules read DEVICE_CHOICES and device_problems, so torch is imported only where a device is resolved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gentool.config import option
from gentool.errors import UsageError

if TYPE_CHECKING:
    import torch

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
DEVICE_HELP = "where to compute: auto (cuda, then mps, then cpu), cpu, cuda, cuda:N or mps"


def device_option(default: str, note: str = "") -> Any:
    """The `device` field of a family's config; `note` says what the family adds."""
    return option(default, suggest=DEVICE_CHOICES, help=f"{DEVICE_HELP}{f' ({note})' if note else ''}")


def _mps_available() -> bool:
    import torch

    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def resolve_device(requested: str = "auto") -> torch.device:
    import torch

    requested = (requested or "auto").strip().lower()
    kind = requested.split(":")[0]
    if kind not in DEVICE_CHOICES:
        raise UsageError(f"unknown device '{requested}'; choose one of {', '.join(DEVICE_CHOICES)} "
                         f"(cuda:N picks a GPU)")
    if kind == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if kind == "cuda" and not torch.cuda.is_available():
        raise UsageError(f"--device {requested} was asked for, but this torch ({torch.__version__}) sees no CUDA GPU; "
                         f"use --device auto or --device cpu")
    if kind == "mps" and not _mps_available():
        raise UsageError("--device mps was asked for, but MPS is not available here; use --device auto or --device cpu")
    return torch.device(requested)


def describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        import torch

        return f"cuda ({torch.cuda.get_device_name(device)})"
    return device.type


def device_problems(value: str) -> list[tuple[str, str]]:
    """Config check for a `device` key, as (key, problem) pairs."""
    if value.split(":")[0] in DEVICE_CHOICES:
        return []
    return [("device", f"got {value!r}; allowed values: {', '.join(DEVICE_CHOICES)} (or cuda:N)")]
