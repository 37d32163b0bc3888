"""Measurements of a trained drum VAE: reconstruction, KL per dimension, active units, mutual information,
genre posteriors, samples per genre, linear probes, and the latent directions that control density."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from gentool.datasets.config import GENRES
from gentool.evaluate import drum_metrics
from gentool.evaluate.genres import GenreClassifier
from gentool.vae.model import Gaussian, HierarchicalVAE, kl_gaussians, kl_standard_normal

ACTIVE_THRESHOLD = 0.01  # Burda et al. 2016: a unit is active when Cov_x(E_q[z_u | x]) exceeds this
COLLAPSED_KL = 0.01  # nats: a dimension whose mean KL is below this carries (almost) nothing


@torch.no_grad()
def reconstruction(model: HierarchicalVAE, hits: torch.Tensor) -> dict:
    """On held-out bars: reconstruction loss (nats per bar), hit accuracy, F1 on hits, KL per dimension."""
    out = model(hits)
    target = hits.float()
    recon = F.binary_cross_entropy_with_logits(out.logits, target, reduction="none").sum(dim=(1, 2)).mean()
    predicted = out.logits > 0
    truth = hits.bool()
    true_positive = (predicted & truth).sum().item()
    precision = true_positive / max(predicted.sum().item(), 1)
    recall = true_positive / max(truth.sum().item(), 1)
    kl_high = kl_standard_normal(out.q_high).mean(dim=0)
    kl_low = kl_gaussians(out.q_low, out.p_low).mean(dim=0)
    return {
        "val_recon": float(recon), "hit_accuracy": float((predicted == truth).float().mean()),
        "hit_f1": 2 * precision * recall / max(precision + recall, 1e-12),
        "val_kl_high": float(kl_high.sum()), "val_kl_low": float(kl_low.sum()),
        "val_elbo": float(recon + kl_high.sum() + kl_low.sum()),
        "kl_high_dims": [round(v, 5) for v in kl_high.tolist()], "kl_low_dims": [round(v, 5) for v in kl_low.tolist()],
    }


@torch.no_grad()
def active_units(model: HierarchicalVAE, hits: torch.Tensor) -> dict:
    mean_high, mean_low = model.posterior_means(hits)
    variance_high, variance_low = mean_high.var(dim=0), mean_low.var(dim=0)
    return {"active_high": int((variance_high > ACTIVE_THRESHOLD).sum()),
            "active_low": int((variance_low > ACTIVE_THRESHOLD).sum()),
            "activity_high_dims": [round(v, 5) for v in variance_high.tolist()],
            "activity_low_dims": [round(v, 5) for v in variance_low.tolist()]}


def _gaussian_log_density(z: torch.Tensor, q: Gaussian) -> torch.Tensor:
    """log q(z_i | x_j) for every pair: z (N, D), q over M inputs -> (N, M)."""
    diff = z[:, None, :] - q.mean[None]
    return -0.5 * (diff.pow(2) / q.logvar.exp()[None] + q.logvar[None] + math.log(2 * math.pi)).sum(dim=2)


@torch.no_grad()
def mutual_information(model: HierarchicalVAE, hits: torch.Tensor) -> dict:
    """I(x; z) per level, estimated as E[log q(z|x)] - E[log q(z)] with q(z) the batch's aggregate posterior
    (Hoffman & Johnson 2016; He et al. 2019). Bounded above by log N for N patterns."""
    q_high, features = model.infer_high(hits)
    z_high = q_high.sample()
    q_low = model.infer_low(features, z_high)
    z_low = q_low.sample()
    result = {}
    for name, z, q in (("mi_high", z_high, q_high), ("mi_low", z_low, q_low)):
        pairwise = _gaussian_log_density(z, q)  # (N, N)
        own = pairwise.diagonal()
        aggregate = torch.logsumexp(pairwise, dim=1) - math.log(len(z))
        result[name] = float((own - aggregate).mean())
    return result


@torch.no_grad()
def genre_posteriors(model: HierarchicalVAE, hits: torch.Tensor, genre: np.ndarray) -> dict[str, dict]:
    """Per genre: mean and spread of E_q[z_high | x] over that genre's bars, the style a sample is drawn from."""
    mean_high, _ = model.posterior_means(hits)
    stats = {}
    for index, name in enumerate(GENRES):
        rows = torch.from_numpy(genre == index)
        if rows.any():
            codes = mean_high[rows.to(mean_high.device)]
            stats[name] = {"mean": codes.mean(dim=0).cpu(), "std": codes.std(dim=0).nan_to_num(0.0).cpu()}
    return stats


@torch.no_grad()
def sample_style(model: HierarchicalVAE, style: dict, count: int, temperature: float,
                 device: torch.device) -> torch.Tensor:
    """`count` one-bar patterns of a style: z_high around the genre's posterior mean (spread x temperature)."""
    noise = torch.randn(count, len(style["mean"]))
    z_high = (style["mean"] + temperature * style["std"] * noise).to(device)
    return model.sample(z_high, temperature).cpu()


def sample_metrics(model: HierarchicalVAE, posteriors: dict[str, dict], classifier: GenreClassifier, count: int,
                   temperature: float, device: torch.device, reference: np.ndarray) -> dict:
    """Validity, diversity and novelty of samples from every genre, and how often the classifier names the genre
    they were drawn from."""
    patterns, labels, per_genre = [], [], {}
    for name, style in posteriors.items():
        hits = sample_style(model, style, count, temperature, device).numpy()
        labels += [GENRES.index(name)] * count
        patterns.append(hits)
        per_genre[name] = round(classifier.accuracy(hits, np.full(count, GENRES.index(name))), 4)
    hits = np.concatenate(patterns)
    return {"sample_validity": round(float(drum_metrics.validity(hits).mean()), 4),
            "sample_diversity": round(drum_metrics.diversity(hits), 4),
            "sample_novelty": round(drum_metrics.novelty(hits, reference), 4),
            "sample_genre_accuracy": round(classifier.accuracy(hits, np.array(labels)), 4),
            "sample_genre_accuracy_by_genre": per_genre}


def linear_probe(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray, test_y: np.ndarray,
                 steps: int = 300) -> float:
    """Held-out accuracy of a multinomial logistic regression on standardised codes (full-batch L-BFGS)."""
    mean, std = train_x.mean(axis=0), train_x.std(axis=0) + 1e-6
    x = torch.from_numpy((train_x - mean) / std).float()
    y = torch.from_numpy(train_y).long()
    classes = int(max(train_y.max(), test_y.max())) + 1
    weights = torch.zeros(x.shape[1], classes, requires_grad=True)
    bias = torch.zeros(classes, requires_grad=True)
    optimizer = torch.optim.LBFGS([weights, bias], max_iter=steps, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = F.cross_entropy(x @ weights + bias, y) + 1e-3 * weights.pow(2).sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        predicted = (torch.from_numpy((test_x - mean) / std).float() @ weights + bias).argmax(dim=1)
    return float((predicted.numpy() == test_y).mean())


def _correlations(codes: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    centred = codes - codes.mean(dim=0)
    centred_target = target - target.mean()
    return (centred * centred_target[:, None]).sum(dim=0) / (
        centred.norm(dim=0) * centred_target.norm()).clamp_min(1e-12)


@torch.no_grad()
def density_directions(model: HierarchicalVAE, hits: torch.Tensor, device: torch.device,
                       levels: int = 9, span: float = 2.5) -> dict:
    """Which latent dimensions follow pattern density, on each level.

    z_high dimensions are read as their posterior means; z_low dimensions as the deviation of their posterior
    mean from the prior mean p(z_low | z_high), because the raw mean also follows the style through the prior and
    styles differ in density, which would credit z_low with what z_high carries. The dimension with the strongest
    correlation is swept over +-span at the scale the model samples it (N(0, 1) for z_high, the prior's spread
    for z_low), in the style of the bar of median density; the sweep reports the decoder's expected density
    (mean hit probability) and draws one pattern per level.
    """
    mean_high, mean_low = model.posterior_means(hits)
    prior = model.prior_low(mean_high)
    density = hits.float().mean(dim=(1, 2))
    correlation = {"high": _correlations(mean_high, density), "low": _correlations(mean_low - prior.mean, density)}
    level = max(correlation, key=lambda name: float(correlation[name].abs().max()))
    strongest = int(correlation[level].abs().argmax())
    direction = 1.0 if correlation[level][strongest] >= 0 else -1.0
    median_bar = int(density.argsort()[len(density) // 2])
    steps = direction * span * torch.linspace(-1, 1, levels, device=mean_high.device)
    z_high = mean_high[median_bar:median_bar + 1].repeat(levels, 1)
    if level == "high":
        z_high[:, strongest] = steps
        z_low = model.prior_low(z_high).mean  # the typical pattern of each swept style
        values = steps
    else:
        z_low = mean_low[median_bar:median_bar + 1].repeat(levels, 1)
        values = prior.mean[median_bar, strongest] + steps * (0.5 * prior.logvar[median_bar, strongest]).exp()
        z_low[:, strongest] = values
    probabilities = torch.sigmoid(model.decode(z_high, z_low))
    generator = torch.Generator(device=probabilities.device).manual_seed(0)
    drawn = (torch.rand(probabilities.shape, generator=generator, device=probabilities.device) < probabilities).cpu()
    return {"correlation_high": [round(v, 4) for v in correlation["high"].tolist()],
            "correlation_low": [round(v, 4) for v in correlation["low"].tolist()],
            "strongest_level": level, "strongest_dim": strongest,
            "sweep_values": [round(v, 4) for v in values.tolist()],
            "sweep_density": [round(float(v), 4) for v in probabilities.mean(dim=(1, 2))],
            "sweep_patterns": drawn.numpy()}
