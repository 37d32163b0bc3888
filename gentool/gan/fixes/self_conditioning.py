"""Self-conditioning (Liu et al. 2020, "Diverse image generation via self-conditioned GANs"): cluster the training
images, then train a GAN conditioned on the cluster, drawing clusters at their frequencies in the data."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from gentool.config import option
from gentool.gan.fixes.base import Fix, code_letters_line, register_fix, unconditional_letters_only


@dataclass
class SelfConditioningOptions:
    clusters: int = option(104, min=2, max=1024, help="k of the k-means clustering of the training images (the "
                                                      "paper's k is 100; no data labels are used)")
    pool: int = option(2, min=1, max=7, help="average-pool the 28x28 images by this factor before clustering (2: "
                                             "14x14), so a stroke a pixel to the side is still near")
    iterations: int = option(30, min=1, max=1000, help="k-means (Lloyd) iterations after k-means++ seeding")


@register_fix
class SelfConditioning(Fix):
    """Liu et al. 2020: the training images are split into k clusters, and generator and discriminator are
    conditioned on the cluster as a class-conditional GAN is on its class. The generator draws each cluster as
    often as the data holds it, and the discriminator judges each image against its own cluster's real images, so
    a cluster the generator neglects is asked for at its full share and must be met: modes cannot fade the way
    they do in an unconditional GAN, whose discriminator never sees what is missing. Unlike InfoGAN's free codes,
    which settle on whichever kinds of image are easiest, each cluster is tied to real images from the start.

    gentool clusters once, before training, by k-means on the (pooled) pixels of the training images; the paper
    clusters the discriminator's features and re-clusters as it trains. Unconditional: the data's labels are not
    used. The cluster is read off the noise (gentool.gan.model.latent_codes, with the clusters' frequencies), so
    a trained generator samples with no extra input. Letters only."""

    name = "self-conditioning"
    summary = "condition G and D on k-means clusters of the training images (Liu et al. 2020)"
    Options = SelfConditioningOptions
    incompatible = {"infogan": "both read a categorical code off the same noise coordinate"}

    def __init__(self, options):
        super().__init__(options)
        self.clusters: torch.Tensor | None = None  # (N,) each training image's cluster, once training starts

    def check(self, config):
        return unconditional_letters_only(self.name, config)

    def configure(self, setup):
        setup.discriminator.clusters = self.options.clusters

    def cluster(self, real: torch.Tensor, seed: int) -> torch.Tensor:
        """The cluster of every training image, (N,) on the images' device."""
        options = self.options
        images = real.detach().float().cpu()
        if options.pool > 1:
            images = F.avg_pool2d(images, options.pool)
        return kmeans(images.flatten(1), options.clusters, options.iterations, seed).to(real.device)

    def prepare(self, real, generator, seed):
        """Cluster the training split; G draws each cluster as often as the data holds it."""
        self.clusters = self.cluster(real, seed)
        generator.set_code_frequencies(torch.bincount(self.clusters, minlength=generator.codes))

    def conditioning(self, index, noise, generator):
        return self.clusters[index], generator.code_of(noise)

    def state(self):
        return {"clusters": self.clusters}

    def load_state(self, state):
        # as trained: k-means's last bits could differ on another machine
        self.clusters = state["clusters"].to(self.clusters.device)

    def summary_extras(self, labels):
        return {"self_conditioning": cluster_report(self.clusters, labels, self.options.clusters)}

    @classmethod
    def outcome_lines(cls, summary):
        clusters = summary.get("self_conditioning")
        lines = []
        if clusters:
            purity = ("" if clusters.get("letter_purity") is None else
                      f"; {100 * clusters['letter_purity']:.0f}% of the images share their cluster's most common "
                      f"letter (a diagnostic: training never sees the letters)")
            lines.append(f"{cls.name}: {clusters['clusters']} clusters of the training images, "
                         f"{clusters['smallest']}-{clusters['largest']} images each{purity}")
        return lines + code_letters_line(f"{cls.name} clusters", summary)


def cluster_report(clusters: torch.Tensor, labels: torch.Tensor | None, k: int) -> dict:
    """For summary.json: the clusters' sizes and, where the data has labels (letters), the share of images whose
    cluster's most common letter is their own (1 = every cluster holds one letter). A diagnostic only: training
    never sees the labels."""
    sizes = torch.bincount(clusters.cpu(), minlength=k)
    report = {"clusters": k, "smallest": int(sizes.min()), "largest": int(sizes.max())}
    if labels is not None:
        table = torch.zeros(k, int(labels.max()) + 1, dtype=torch.long)
        table.index_put_((clusters.cpu(), labels.cpu()), torch.ones(len(labels), dtype=torch.long), accumulate=True)
        report["letter_purity"] = round(float(table.max(1).values.sum() / len(labels)), 4)
    return report


def kmeans(points: torch.Tensor, k: int, iterations: int, seed: int) -> torch.Tensor:
    """Lloyd's k-means with k-means++ seeding (Arthur & Vassilvitskii 2007) on (N, D) points, on the CPU in fp32
    with its own seeded random stream: the same points and seed give the same (N,) assignment, and the global
    random state (the training run's) is left alone. A cluster that empties is moved to the point farthest from
    its centre."""
    if len(points) < k:
        raise ValueError(f"{len(points)} points cannot make {k} clusters")
    rng = torch.Generator().manual_seed(seed)
    squared_norms = points.pow(2).sum(1)

    def distances(centres: torch.Tensor) -> torch.Tensor:  # (N, k) squared distances
        return (squared_norms[:, None] - 2 * points @ centres.t() + centres.pow(2).sum(1)[None]).clamp_(min=0)

    centres = points[torch.randint(len(points), (1,), generator=rng)]
    nearest = distances(centres)[:, 0]
    for _ in range(1, k):  # each next centre drawn with probability proportional to its squared distance
        pick = torch.multinomial(nearest + 1e-12, 1, generator=rng)
        centres = torch.cat([centres, points[pick]])
        nearest = torch.minimum(nearest, distances(points[pick])[:, 0])
    assignment = distances(centres).argmin(1)
    for _ in range(iterations):
        counts = torch.bincount(assignment, minlength=k)
        sums = torch.zeros_like(centres).index_add_(0, assignment, points)
        centres = torch.where(counts[:, None] > 0, sums / counts.clamp(min=1)[:, None], centres)
        table = distances(centres)
        for empty in torch.nonzero(counts == 0).flatten().tolist():
            farthest = int(table.min(1).values.argmax())
            centres[empty] = points[farthest]
            table = distances(centres)
        updated = table.argmin(1)
        if torch.equal(updated, assignment):
            break
        assignment = updated
    return assignment
