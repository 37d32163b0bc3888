"""Creative uses of the drum VAE's latent space: interpolation, blending, humanization, style transfer,
complexity control and long tracks. Each returns patterns plus the measurements that say how well it worked.

A "source" is a genre name (its posterior mean style) or a pattern file (its bars, encoded). z_low is handled
relative to its conditional prior: a bar's z_low is stored as its standardised residual
(z_low - mean_p(z_high)) / std_p(z_high), so it can be moved to another style's prior and keep its place there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from gentool.config import did_you_mean
from gentool.datasets.config import GENRES
from gentool.datasets.drums import DrumDataset
from gentool.drums.feel import DrumFeel
from gentool.drums.pattern import KICK, SNARE, DrumPattern, as_bars, as_steps
from gentool.errors import UsageError
from gentool.evaluate import drum_metrics
from gentool.evaluate.genres import GenreClassifier
from gentool.io.pattern_files import load_pattern_file
from gentool.latent import INTERPOLATION_METHODS, interpolator
from gentool.vae import measure
from gentool.vae.model import HierarchicalVAE


@dataclass
class Latent:
    """Codes of one or more bars: z_high (B, H) and z_low's standardised residual under its prior (B, L)."""

    high: torch.Tensor
    residual: torch.Tensor
    label: str


class Studio:
    """A trained VAE with its data, classifier and each genre's posterior style, on one device."""

    def __init__(self, *, model: HierarchicalVAE, dataset: DrumDataset, classifier: GenreClassifier,
                 device: torch.device):
        self.model = model.eval()
        self.dataset = dataset
        self.classifier = classifier
        self.device = device
        train = dataset.split_mask("train")
        self.train_hits = torch.from_numpy(dataset.hits[train]).float().to(device)
        self.train_genre = dataset.genre[train]
        self.styles = measure.genre_posteriors(model, self.train_hits, self.train_genre)

    # --------------------------------------------------------------------------------------------- encoding

    @torch.no_grad()
    def encode(self, hits: torch.Tensor, label: str) -> Latent:
        high, low = self.model.posterior_means(hits.float().to(self.device))
        prior = self.model.prior_low(high)
        return Latent(high, (low - prior.mean) / (0.5 * prior.logvar).exp(), label)

    def style(self, genre: str) -> dict:
        if genre not in self.styles:
            raise UsageError(f"the run's data has no {genre} bars; its genres: {', '.join(self.styles)}")
        return self.styles[genre]

    def source(self, text: str) -> Latent:
        """A genre name (its mean style, z_low at its prior mean) or a .mid/.npy pattern file (its bars)."""
        if text in GENRES:
            high = self.style(text)["mean"][None].to(self.device)
            return Latent(high, torch.zeros(1, self.model.z_low_dim, device=self.device), text)
        if Path(text).suffix.lower() in (".mid", ".midi", ".npy") or Path(text).exists():
            pattern = load_pattern_file(text)
            return self.encode(torch.from_numpy(as_bars(pattern.hits)), Path(text).name)
        raise UsageError(f"'{text}' is neither a genre{did_you_mean(text, GENRES)} nor a pattern file; known genres: "
                         f"{', '.join(GENRES)}; or give a .mid or .npy file")

    # --------------------------------------------------------------------------------------------- decoding

    @torch.no_grad()
    def probabilities(self, high: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        prior = self.model.prior_low(high)
        z_low = prior.mean + residual * (0.5 * prior.logvar).exp()
        return torch.sigmoid(self.model.decode(high, z_low))

    @staticmethod
    def draw(probabilities: torch.Tensor, rng: torch.Generator) -> np.ndarray:
        noise = torch.rand(probabilities.shape, generator=rng).to(probabilities.device)
        return (noise < probabilities).cpu().numpy()

    def verdicts(self, hits: np.ndarray) -> list[dict]:
        return [{genre: round(float(p), 4) for genre, p in zip(GENRES, row)}
                for row in self.classifier.probabilities(hits)]

    def noisy_style(self, genre: str, count: int, temperature: float, rng: torch.Generator) -> torch.Tensor:
        style = self.style(genre)
        noise = torch.randn(count, len(style["mean"]), generator=rng)
        return (style["mean"] + temperature * style["std"] * noise).to(self.device)


def interpolate(studio: Studio, start: Latent, end: Latent, steps: int, level: str, method: str,
                rng: torch.Generator) -> dict:
    """A path from start to end (their first bars). `level` says which latent moves: high (style), low
    (pattern), or both; the other stays at the start's value."""
    if level not in ("high", "low", "both"):
        raise UsageError(f"unknown --level '{level}'; use high, low or both")
    if method not in INTERPOLATION_METHODS:
        raise UsageError(f"unknown --method '{method}'; use slerp or lerp")
    t = torch.linspace(0, 1, steps, device=studio.device)[:, None]
    mix = interpolator(method)
    high = mix(start.high[:1], end.high[:1], t) if level in ("high", "both") else start.high[:1].repeat(steps, 1)
    residual = (mix(start.residual[:1], end.residual[:1], t) if level in ("low", "both")
                else start.residual[:1].repeat(steps, 1))
    hits = studio.draw(studio.probabilities(high, residual), rng)
    return {"hits": hits, "t": [round(float(v), 4) for v in t.flatten()], "genre_probabilities": studio.verdicts(hits)}


def blend(studio: Studio, first: str, second: str, ratios: list[float], count: int, bars: int, temperature: float,
          rng: torch.Generator) -> list[dict]:
    """Tracks whose z_high mixes two styles: (1 - r) * first + r * second, with noise scaled by temperature."""
    results = []
    for ratio in ratios:
        a, b = studio.style(first), studio.style(second)
        mean = (1 - ratio) * a["mean"] + ratio * b["mean"]
        spread = (1 - ratio) * a["std"] + ratio * b["std"]
        tracks = []
        for _ in range(count):
            high = (mean + temperature * spread * torch.randn(1, len(mean), generator=rng)).to(studio.device)
            residual = evolving_residuals(bars, studio.model.z_low_dim, 0.8, temperature, rng).to(studio.device)
            hits = studio.draw(studio.probabilities(high.repeat(bars, 1), residual), rng)
            tracks.append(hits)
        stacked = np.concatenate(tracks)
        probabilities = studio.classifier.probabilities(stacked).mean(axis=0)
        results.append({"ratio": ratio, "tracks": tracks,
                        "genre_probabilities": {g: round(float(p), 4) for g, p in zip(GENRES, probabilities)},
                        "validity": round(float(drum_metrics.validity(stacked).mean()), 4)})
    return results


def evolving_residuals(bars: int, size: int, correlation: float, temperature: float,
                       rng: torch.Generator) -> torch.Tensor:
    """z_low residuals for consecutive bars as an AR(1) walk: each bar keeps `correlation` of the last one, so a
    long track varies without losing its groove. Stationary spread = temperature."""
    walk = [torch.randn(1, size, generator=rng) * temperature]
    for _ in range(bars - 1):
        fresh = torch.randn(1, size, generator=rng) * temperature
        walk.append(correlation * walk[-1] + (1 - correlation**2) ** 0.5 * fresh)
    return torch.cat(walk)


def long_track(studio: Studio, genre: str, bars: int, temperature: float, rng: torch.Generator) -> dict:
    """One z_high for the whole track, z_low evolving bar to bar; measured for groove consistency and genre."""
    high = studio.noisy_style(genre, 1, temperature, rng).repeat(bars, 1)
    residual = evolving_residuals(bars, studio.model.z_low_dim, 0.8, temperature, rng).to(studio.device)
    hits = studio.draw(studio.probabilities(high, residual), rng)
    verdicts = [studio.classifier.genres[i] for i in studio.classifier.probabilities(hits).argmax(axis=1)]
    return {"hits": hits, "classified_as": verdicts,
            "bars_keeping_genre": round(float(np.mean([v == genre for v in verdicts])), 4),
            "groove_consistency": round(drum_metrics.groove_consistency(hits), 4) if bars > 1 else None,
            "validity": round(float(drum_metrics.validity(hits).mean()), 4)}


TRANSFER_MODES = ("shift", "replace")


def transfer(studio: Studio, content: Latent, content_hits: np.ndarray, source: str, style: str,
             rng: torch.Generator, mode: str = "shift") -> dict:
    """Play content bars in another style. Each bar keeps its z_low (its place under its style's prior); z_high
    either moves by the difference between the two genres' mean styles, keeping the bar's own offset from its
    genre's mean (mode "shift": z_high' = z_high + mean(style) - mean(source)), or is replaced by the target's
    mean style (mode "replace"), which also erases what z_high says about that particular bar.

    Rhythm preservation: the share of the content's kick and snare hits still there. Style success: the share of
    bars the classifier now assigns to the target style."""
    if mode not in TRANSFER_MODES:
        raise UsageError(f"unknown transfer mode '{mode}'; use {' or '.join(TRANSFER_MODES)}")
    target = studio.style(style)["mean"].to(studio.device)
    if mode == "shift":
        high = content.high + target - studio.style(source)["mean"].to(studio.device)
    else:
        high = target[None].repeat(len(content.high), 1)
    hits = studio.draw(studio.probabilities(high, content.residual), rng)
    backbone = content_hits[:, :, [KICK, SNARE]]
    kept = (hits[:, :, [KICK, SNARE]] & backbone).sum() / max(int(backbone.sum()), 1)
    predicted = studio.classifier.probabilities(hits).argmax(axis=1)
    return {"hits": hits, "source_style": source, "mode": mode, "rhythm_preservation": round(float(kept), 4),
            "style_success": round(float((predicted == GENRES.index(style)).mean()), 4),
            "classified_as": [studio.classifier.genres[i] for i in predicted]}


def density_path(studio: Studio, genre: str, levels: int, span: float, substeps: int = 20) -> torch.Tensor:
    """z_high points from sparse to dense for a style: from the genre's mean, follow the gradient of the
    decoder's expected density (z_low at its prior mean) down and up, `span` style spreads each way in small
    steps, so each level is denser than the one before. Returns (levels, z_high)."""
    style = studio.style(genre)
    start = style["mean"][None].to(studio.device)
    distance = span * float(style["std"].norm().clamp_min(0.1))
    half = (levels - 1) / 2
    step = distance / max(half, 1) / substeps

    def walk(sign: float, count: int) -> list[torch.Tensor]:
        point, visited = start.clone(), []
        for _ in range(count):
            for _ in range(substeps):
                with torch.enable_grad():
                    z = point.clone().requires_grad_(True)
                    prior = studio.model.prior_low(z)
                    density = torch.sigmoid(studio.model.decode(z, prior.mean)).mean()
                    (gradient,) = torch.autograd.grad(density, z)
                point = point + sign * step * gradient / gradient.norm().clamp_min(1e-12)
            visited.append(point)
        return visited

    below = walk(-1.0, int(np.floor(half)))[::-1]
    above = walk(1.0, int(np.ceil(half)))
    return torch.cat(below + [start] + above)[:levels]


def complexity(studio: Studio, genre: str, levels: int, span: float, rng: torch.Generator) -> dict:
    """The style moved along its density path (see density_path), z_low at its prior mean: the decoder's expected
    density per level, and one drawn bar per level."""
    high = density_path(studio, genre, levels, span)
    probabilities = studio.probabilities(high, torch.zeros(len(high), studio.model.z_low_dim, device=studio.device))
    expected = probabilities.mean(dim=(1, 2)).tolist()
    hits = studio.draw(probabilities, rng)
    return {"hits": hits, "expected_density": [round(v, 4) for v in expected],
            "drawn_density": [round(float(v), 4) for v in hits.mean(axis=(1, 2))],
            "monotonic": bool(all(b >= a for a, b in zip(expected, expected[1:]))),
            "genre_probabilities": studio.verdicts(hits)}


# ------------------------------------------------------------------------------------------------- humanize

def humanize(studio: Studio, pattern: DrumPattern, feel: DrumFeel, amount: float, variations: int,
             rng: torch.Generator, vary_pattern: bool = False) -> list[dict]:
    """Performances of a pattern with a feel: a genre's hand-made one (gentool.drums.feel) or a learned groove.

    Humanizing keeps the notes: with `amount` a in [0, 1], velocity and timing move from the input's towards values
    drawn from the feel by a, and velocities stay within the feel's range per instrument (a drawn velocity of 1
    would be inaudible); every hit of the input is played and none is added. a = 0 returns the input unchanged.
    With `vary_pattern` the pattern changes too: each cell's hit probability is (1 - a) * the input's hit + a * the
    VAE's reconstruction of the bar (with latent noise scaled by a), so a = 1 lets the model re-imagine the bar in
    its style (ghost notes, dropped and added hits)."""
    if not 0.0 <= amount <= 1.0:
        raise UsageError(f"--amount must be between 0 and 1, got {amount}")
    np_rng = np.random.default_rng(int(torch.randint(0, 2**31 - 1, (1,), generator=rng)))
    results = []
    for _ in range(variations):
        hits = varied_hits(studio, pattern, amount, rng, np_rng) if vary_pattern and amount > 0 else pattern.hits.copy()
        drawn_velocity, drawn_offset = feel.draw(hits, np_rng)
        base_velocity = np.where(pattern.hits, pattern.velocity, drawn_velocity)  # new hits start from the feel
        velocity = np.rint((1 - amount) * base_velocity + amount * drawn_velocity)
        if amount > 0:
            velocity = np.clip(velocity, feel.velocity_low[None, :], feel.velocity_high[None, :])
        offset = (1 - amount) * pattern.offset + amount * drawn_offset
        result = DrumPattern(hits, np.clip(velocity, 1, 127).astype(np.uint8), offset)
        played = result.velocity[result.hits]
        spread = round(float(result.offset[result.hits].std()), 4) if result.hits.any() else 0.0
        results.append({"pattern": result, "hits_changed": int((result.hits != pattern.hits).sum()),
                        "timing_spread": spread,
                        "velocity_range": [int(played.min()), int(played.max())] if played.size else None})
    return results


def varied_hits(studio: Studio, pattern: DrumPattern, amount: float, rng: torch.Generator,
                np_rng: np.random.Generator) -> np.ndarray:
    """The pattern's hits re-imagined by the VAE by `amount` (see humanize's `vary_pattern`)."""
    bars = as_bars(pattern.hits)
    latent = studio.encode(torch.from_numpy(bars), "input")
    residual = latent.residual + amount * torch.randn(latent.residual.shape, generator=rng).to(studio.device)
    model_p = studio.probabilities(latent.high, residual).cpu().numpy()
    return as_steps(np_rng.random(bars.shape) < (1 - amount) * bars + amount * model_p)
