"""EM for Gaussian mixtures, k-means, and their initialisations; float64 torch throughout.

EM's per-point log-likelihood never decreases (each E-step makes the bound tight, each M-step maximises it), so
the history it returns is a check on the code as much as a result.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from gentool.errors import RunFailure

# added to component counts so a component that lost every point divides by a tiny number, not zero (as sklearn)
COUNT_EPS = 10 * torch.finfo(torch.float64).eps


@dataclass
class Mixture:
    weights: torch.Tensor  # (K,)
    means: torch.Tensor  # (K, D)
    covariances: torch.Tensor  # (K, D, D); a diagonal type keeps zeros off the diagonal

    def component_log_probs(self, points: torch.Tensor) -> torch.Tensor:
        """log N(x_n | mean_k, cov_k): (N, D) -> (N, K)"""
        try:
            chol = torch.linalg.cholesky(self.covariances)  # (K, D, D)
        except RuntimeError:
            raise RunFailure("a component's covariance became singular (it holds a single point or a line); "
                             "raise reg_covar (--set reg_covar=1e-4) or lower --components") from None
        diff = (points.unsqueeze(0) - self.means.unsqueeze(1)).transpose(1, 2)  # (K, D, N)
        whitened = torch.linalg.solve_triangular(chol, diff, upper=False)  # (K, D, N)
        mahalanobis = (whitened ** 2).sum(dim=1)  # (K, N)
        log_det = 2 * torch.diagonal(chol, dim1=1, dim2=2).log().sum(dim=1)  # (K,)
        dim = points.shape[1]
        return (-0.5 * (dim * math.log(2 * math.pi) + log_det.unsqueeze(1) + mahalanobis)).T

    def weighted_log_probs(self, points: torch.Tensor) -> torch.Tensor:
        return self.component_log_probs(points) + self.weights.log()  # (N, K)

    def log_likelihood(self, points: torch.Tensor) -> float:
        """Mean log p(x) per point."""
        return float(torch.logsumexp(self.weighted_log_probs(points), dim=1).mean())

    def sample(self, count: int, generator: torch.Generator) -> torch.Tensor:
        components = torch.multinomial(self.weights, count, replacement=True, generator=generator)
        chol = torch.linalg.cholesky(self.covariances)[components]  # (count, D, D)
        noise = torch.randn(count, self.means.shape[1], 1, dtype=self.means.dtype, generator=generator)
        return self.means[components] + (chol @ noise).squeeze(-1)

    def to(self, device: torch.device | str) -> Mixture:
        return Mixture(self.weights.to(device), self.means.to(device), self.covariances.to(device))

    def to_dict(self) -> dict:
        return {"weights": self.weights.tolist(), "means": self.means.tolist(),
                "covariances": self.covariances.tolist()}


def e_step(points: torch.Tensor, mixture: Mixture) -> tuple[float, torch.Tensor]:
    """Mean log-likelihood of the current parameters and the log responsibilities (N, K)."""
    weighted = mixture.weighted_log_probs(points)
    norm = torch.logsumexp(weighted, dim=1, keepdim=True)  # (N, 1)
    return float(norm.mean()), weighted - norm


def m_step(points: torch.Tensor, resp: torch.Tensor, covariance: str, reg_covar: float) -> Mixture:
    """Maximum-likelihood weights, means and covariances for responsibilities (N, K)."""
    counts = resp.sum(dim=0) + COUNT_EPS  # (K,)
    means = resp.T @ points / counts.unsqueeze(1)  # (K, D)
    dim = points.shape[1]
    eye = torch.eye(dim, dtype=points.dtype, device=points.device)
    if covariance == "full":
        diff = points.unsqueeze(0) - means.unsqueeze(1)  # (K, N, D)
        covs = torch.einsum("nk,knd,kne->kde", resp, diff, diff) / counts.view(-1, 1, 1) + reg_covar * eye
    else:
        second = resp.T @ (points ** 2) / counts.unsqueeze(1)  # (K, D)
        variances = (second - means ** 2).clamp_min(0.0) + reg_covar
        covs = torch.diag_embed(variances)
    return Mixture(counts / len(points), means, covs)


@dataclass
class Fit:
    mixture: Mixture
    history: list[float] = field(default_factory=list)  # EM: log-likelihood per point; k-means: inertia per point
    converged: bool = False
    centres: torch.Tensor | None = None  # k-means centres (the init's, for EM from kmeans++)

    @property
    def iterations(self) -> int:
        return len(self.history) - 1


def fit_em(points: torch.Tensor, start: Mixture, *, covariance: str, reg_covar: float, max_iter: int, tol: float,
           on_iteration: Callable[[int, float], bool] | None = None) -> Fit:
    """EM from `start`. history[0] is the start's log-likelihood, history[i] the one after the i-th M-step.
    `on_iteration(i, ll)` returns True to stop early (Ctrl-C)."""
    mixture = start
    log_likelihood, log_resp = e_step(points, mixture)
    fit = Fit(mixture, [log_likelihood])
    for iteration in range(1, max_iter + 1):
        mixture = m_step(points, log_resp.exp(), covariance, reg_covar)
        new_log_likelihood, log_resp = e_step(points, mixture)
        fit.mixture = mixture
        fit.history.append(new_log_likelihood)
        if not math.isfinite(new_log_likelihood):
            raise RunFailure(f"the log-likelihood became {new_log_likelihood} at EM iteration {iteration}; raise "
                             f"reg_covar (--set reg_covar=1e-4)")
        stop = on_iteration(iteration, new_log_likelihood) if on_iteration else False
        if new_log_likelihood - log_likelihood < tol:
            fit.converged = True
            break
        log_likelihood = new_log_likelihood
        if stop:  # the caller reads the stop flag itself (its status "interrupted")
            break
    return fit


# --------------------------------------------------------------------------------------------- k-means

def squared_distances(points: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    return torch.cdist(points, centres) ** 2  # (N, K)


def kmeans_plus_plus(points: torch.Tensor, count: int, generator: torch.Generator) -> torch.Tensor:
    """Arthur and Vassilvitskii's seeding: each next centre drawn with probability proportional to D(x)^2."""
    first = torch.randint(len(points), (1,), generator=generator)
    centres = [points[first[0]]]
    nearest = squared_distances(points, centres[0].unsqueeze(0)).squeeze(1)  # (N,)
    for _ in range(1, count):
        if float(nearest.sum()) <= 0:  # fewer distinct points than centres: any point will do
            index = torch.randint(len(points), (1,), generator=generator)[0]
        else:
            index = torch.multinomial(nearest, 1, generator=generator)[0]
        centres.append(points[index])
        nearest = torch.minimum(nearest, squared_distances(points, points[index].unsqueeze(0)).squeeze(1))
    return torch.stack(centres)


def fit_kmeans(points: torch.Tensor, centres: torch.Tensor, *, max_iter: int,
               on_iteration: Callable[[int, float], bool] | None = None) -> tuple[torch.Tensor, torch.Tensor, Fit]:
    """Lloyd's algorithm until no point changes cluster. Returns centres (K, D), labels (N,), and a Fit whose
    history is the inertia per point (mean squared distance to the own centre), which never increases."""
    distances = squared_distances(points, centres)
    labels = distances.argmin(dim=1)
    fit = Fit(mixture=None, history=[float(distances.gather(1, labels[:, None]).mean())])  # type: ignore[arg-type]
    for iteration in range(1, max_iter + 1):
        one_hot = torch.nn.functional.one_hot(labels, len(centres)).to(points.dtype)  # (N, K)
        counts = one_hot.sum(dim=0)
        sums = one_hot.T @ points
        # an empty cluster keeps its centre (it may win points back), rather than becoming NaN
        centres = torch.where(counts.unsqueeze(1) > 0, sums / counts.clamp_min(1).unsqueeze(1), centres)
        distances = squared_distances(points, centres)
        new_labels = distances.argmin(dim=1)
        inertia = float(distances.gather(1, new_labels[:, None]).mean())
        fit.history.append(inertia)
        stop = on_iteration(iteration, inertia) if on_iteration else False
        if torch.equal(new_labels, labels):
            fit.converged = True
            break
        labels = new_labels
        if stop:  # the caller reads the stop flag itself (its status "interrupted")
            break
    fit.centres = centres
    return centres, labels, fit


def mixture_from_clusters(points: torch.Tensor, centres: torch.Tensor, labels: torch.Tensor,
                          reg_covar: float) -> Mixture:
    """k-means read as a mixture: cluster shares as weights, centres as means, each cluster's isotropic spread."""
    count = len(centres)
    one_hot = torch.nn.functional.one_hot(labels, count).to(points.dtype)  # (N, K)
    sizes = one_hot.sum(dim=0)
    spread = (one_hot * squared_distances(points, centres)).sum(dim=0) / sizes.clamp_min(1) / points.shape[1]
    eye = torch.eye(points.shape[1], dtype=points.dtype, device=points.device)
    covs = (spread + reg_covar).view(-1, 1, 1) * eye
    return Mixture((sizes + COUNT_EPS) / (len(points) + count * COUNT_EPS), centres, covs)


# ----------------------------------------------------------------------------------------- initialisation

def initial_mixture(points: torch.Tensor, components: int, init: str, *, covariance: str, reg_covar: float,
                    kmeans_iter: int, generator: torch.Generator) -> tuple[Mixture, torch.Tensor | None]:
    """The starting mixture for EM, and the k-means centres it came from (kmeans++ only)."""
    count, dim = points.shape
    if init == "kmeans++":
        seeds = kmeans_plus_plus(points, components, generator)
        centres, labels, _ = fit_kmeans(points, seeds, max_iter=kmeans_iter)
        resp = torch.nn.functional.one_hot(labels, components).to(points.dtype)
        return m_step(points, resp, covariance, reg_covar), centres
    if init == "random-points":
        chosen = torch.randperm(count, generator=generator)[:components]
        spread = torch.cov(points.T).reshape(dim, dim) + reg_covar * torch.eye(dim, dtype=points.dtype)
        if covariance == "diag":
            spread = torch.diag_embed(torch.diagonal(spread))
        weights = torch.full((components,), 1.0 / components, dtype=points.dtype)
        return Mixture(weights, points[chosen].clone(), spread.expand(components, dim, dim).clone()), None
    if init == "random-resp":
        resp = torch.rand(count, components, dtype=points.dtype, generator=generator)
        return m_step(points, resp / resp.sum(dim=1, keepdim=True), covariance, reg_covar), None
    raise ValueError(f"unknown init {init!r}")
