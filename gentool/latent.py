"""Paths through a latent space: straight lines and great circles."""

from __future__ import annotations

import torch

INTERPOLATION_METHODS = ("slerp", "lerp")


def lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    return a + (b - a) * t


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation: Gaussian noise lives near a sphere, and a straight line cuts through its inside.
    Where the two points are (nearly) parallel the arc is undefined, so the path falls back to a straight line."""
    cos = (a * b).sum(-1, keepdim=True) / (a.norm(dim=-1, keepdim=True) * b.norm(dim=-1, keepdim=True)).clamp_min(1e-12)
    omega = torch.acos(cos.clamp(-1 + 1e-6, 1 - 1e-6))
    curved = (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega).clamp_min(1e-6)
    return torch.where(omega < 1e-3, lerp(a, b, t), curved)


def interpolator(method: str):
    """slerp or lerp by name; the caller has checked the name against INTERPOLATION_METHODS."""
    return slerp if method == "slerp" else lerp
