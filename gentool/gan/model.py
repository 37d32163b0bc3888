"""Generators and discriminators: DCGAN-style for 28x28 letters (optionally class-conditional) and MLPs for the
2-D point benchmarks (ring8, grid25).

Every discriminator returns its logits and the features before its last layer (a fix may read them), and is
built from a `DiscriminatorSetup` that the enabled fixes fill in (gentool.gan.fixes): m samples packed into one
input, features of the whole batch added before the last layer, batch norm dropped, a head that guesses the
generator's code, and changes to the built layers. So each architecture is written once for every fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, NamedTuple

import torch
from torch import nn

from gentool.datasets.glyphs import IMAGE_SIZE

NUM_LETTERS = 26
NORMALIZATIONS = ("batch", "none")


class DiscriminatorOutput(NamedTuple):
    logits: torch.Tensor  # (B / pack,)
    features: torch.Tensor  # (B / pack, F): the penultimate layer, flattened
    code_logits: torch.Tensor | None = None  # (B, K): the Q head's guess of the generator's latent code


# (feature count A, second_order) -> a module mapping (N, A) features to (N, out_features) features of the batch
BatchFeatures = Callable[[int, bool], nn.Module]


@dataclass
class DiscriminatorSetup:
    """How the discriminator is built; fixes edit it before the models are made (see gentool.gan.fixes)."""

    pack: int = 1  # samples packed into one discriminator input
    # modules (by attribute name) whose features of the whole batch join the penultimate features
    batch_features: dict[str, BatchFeatures] = field(default_factory=dict)
    # changes made to the built discriminator, in order (e.g. a reparametrisation of every weight)
    transforms: list[Callable[[nn.Module], nn.Module]] = field(default_factory=list)
    normalization: str = "batch"  # of the letter discriminator's hidden conv layer: "batch" or "none"
    # a fix differentiates the discriminator's input gradient: every layer needs a second derivative
    second_order: bool = False
    # the generator's latent code has this many categories, drawn uniformly, and the discriminator gets a head (Q)
    # that predicts it from an image; 0 = off
    codes: int = 0
    # the training images fall into this many clusters; the generator draws a cluster from its noise (at the
    # clusters' frequencies) and the discriminator sees every image's cluster; 0 = off
    clusters: int = 0


def init_dcgan_weights(module: nn.Module) -> None:
    """Radford et al. 2016: conv weights from N(0, 0.02), batch-norm scales from N(1, 0.02)."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def init_gaussian_weights(module: nn.Module, std: float) -> None:
    """Every linear weight from N(0, std), every bias zero (PacGAN's released code: std 0.02). Batch-norm scales
    keep their default of 1: PacGAN's batch norm starts as the identity too."""
    for child in module.modules():
        if isinstance(child, nn.Linear):
            nn.init.normal_(child.weight, 0.0, std)
            if child.bias is not None:
                nn.init.zeros_(child.bias)


class PackedDiscriminator(nn.Module):
    """Shared head: pack m samples, run the trunk, add the batch features, classify with one linear layer.

    Subclasses build `trunk` (packed input -> (N, feature_dim)) and may override `attach_labels`.
    """

    def __init__(self, trunk: nn.Module, feature_dim: int, setup: DiscriminatorSetup):
        super().__init__()
        self.pack = setup.pack
        self.trunk = trunk
        self.batch_features = list(setup.batch_features)  # attribute names, so the state-dict keys are the fix's
        for name, build in setup.batch_features.items():
            self.add_module(name, build(feature_dim, setup.second_order))
        width = feature_dim + sum(getattr(self, name).out_features for name in self.batch_features)
        self.classify = nn.Linear(width, 1)
        self.code_head = nn.Linear(feature_dim, setup.codes) if setup.codes else None

    def attach_labels(self, inputs: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        return inputs

    def forward(self, inputs: torch.Tensor, labels: torch.Tensor | None = None) -> DiscriminatorOutput:
        inputs = self.attach_labels(inputs, labels)
        if len(inputs) % self.pack:
            raise ValueError(f"a batch of {len(inputs)} cannot be packed in groups of {self.pack}")
        # consecutive samples become one input: (B, C, ...) -> (B/m, m*C, ...); the batch is already shuffled
        packed = inputs.reshape(len(inputs) // self.pack, self.pack * inputs.shape[1], *inputs.shape[2:])
        features = self.trunk(packed)
        extra = [getattr(self, name)(features) for name in self.batch_features]
        head = torch.cat([features, *extra], dim=1) if extra else features
        # fp32 outputs whatever the precision inside (bf16 autocast): losses and metrics are computed in fp32
        code_logits = None if self.code_head is None else self.code_head(features).float()
        return DiscriminatorOutput(self.classify(head).squeeze(1).float(), features.float(), code_logits)


# -------------------------------------------------------------------------------------------- 28x28 letters

def latent_codes(noise: torch.Tensor, codes: int, cumulative: torch.Tensor | None = None) -> torch.Tensor:
    """The categorical code of each noise vector: its first coordinate's normal CDF cut into `codes` bins, so the
    generator's input stays plain N(0, I) noise (every caller that samples, interpolates or evaluates a generator
    works unchanged, and a seed fixes the codes too). Equal bins make the code uniform; `cumulative`,
    the (codes,) cumulative probabilities of the categories, makes the bins as wide as each category's share."""
    uniform = torch.special.ndtr(noise[:, 0].float())
    if cumulative is None:
        return (uniform * codes).long().clamp_(max=codes - 1)
    return torch.searchsorted(cumulative.to(uniform.device), uniform, right=True).clamp_(max=codes - 1)


class Generator(nn.Module):
    """DCGAN's generator: project to 2w x 7 x 7, two transposed convolutions up to 28 x 28. `batch_norm=False` drops
    its two batch norms (the layers get biases instead), so a sample no longer depends on the rest of its batch and
    the samples the discriminator is trained against are the ones evaluation draws. `codes` > 0: a categorical
    code read off the noise itself (see `latent_codes`) enters one-hot beside it: uniform, or with `weighted_codes`
    one drawn at the frequencies in the buffer `code_cdf` (clusters of the training images; the buffer travels in
    the state dict, so a loaded generator draws its clusters as it did in training)."""

    def __init__(self, z_dim: int = 100, width: int = 64, num_classes: int = 0, batch_norm: bool = True,
                 codes: int = 0, weighted_codes: bool = False):
        super().__init__()
        self.z_dim = z_dim
        self.num_classes = num_classes
        self.codes = codes
        self.width = width
        if weighted_codes:  # uniform until set_code_frequencies
            self.register_buffer("code_cdf", torch.arange(1, codes + 1, dtype=torch.float32) / codes)
        else:
            self.code_cdf = None
        hidden = 2 * width * 7 * 7

        def norm(layer: nn.Module) -> list[nn.Module]:
            return [layer] if batch_norm else []

        self.project = nn.Sequential(
            nn.Linear(z_dim + num_classes + codes, hidden, bias=not batch_norm), *norm(nn.BatchNorm1d(hidden)),
            nn.ReLU(inplace=True))
        self.upsample = nn.Sequential(
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=not batch_norm), *norm(nn.BatchNorm2d(width)),
            nn.ReLU(inplace=True), nn.ConvTranspose2d(width, 1, 4, 2, 1), nn.Tanh())
        self.apply(init_dcgan_weights)

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        if self.num_classes:
            z = torch.cat([z, nn.functional.one_hot(labels, self.num_classes).to(z.dtype)], dim=1)
        elif self.codes:
            z = torch.cat([z, nn.functional.one_hot(self.code_of(z), self.codes).to(z.dtype)], dim=1)
        hidden = self.project(z).view(-1, 2 * self.width, 7, 7)  # (B, 2w, 7, 7)
        return self.upsample(hidden).float()  # (B, 1, 28, 28) in [-1, 1]; fp32 under bf16 autocast too

    def code_of(self, z: torch.Tensor) -> torch.Tensor:
        """The code (or cluster) each noise vector draws: (B,) on z's device."""
        return latent_codes(z, self.codes, self.code_cdf)

    @torch.no_grad()
    def set_code_frequencies(self, frequencies: torch.Tensor) -> None:
        """Draw code k with probability frequencies[k] from now on (weighted codes only)."""
        cumulative = frequencies.double().cumsum(0) / frequencies.double().sum()
        self.code_cdf.copy_(cumulative.float())


class Discriminator(PackedDiscriminator):
    def __init__(self, width: int = 64, num_classes: int = 0, setup: DiscriminatorSetup | None = None):
        setup = setup or DiscriminatorSetup()
        in_channels = (2 if num_classes else 1) * setup.pack
        norm = nn.BatchNorm2d(2 * width) if setup.normalization == "batch" else nn.Identity()
        trunk = nn.Sequential(
            nn.Conv2d(in_channels, width, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True),  # (N, w, 14, 14)
            nn.Conv2d(width, 2 * width, 4, 2, 1, bias=setup.normalization != "batch"), norm,
            nn.LeakyReLU(0.2, inplace=True),  # (N, 2w, 7, 7)
            nn.Flatten())
        super().__init__(trunk, 2 * width * 7 * 7, setup)
        self.num_classes = num_classes
        # conditional: the label enters as an extra input channel, a learned 28x28 map per letter
        self.label_map = nn.Embedding(num_classes, IMAGE_SIZE * IMAGE_SIZE) if num_classes else None
        self.apply(init_dcgan_weights)

    def attach_labels(self, inputs: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        if self.label_map is None:
            return inputs
        label_plane = self.label_map(labels).view(-1, 1, IMAGE_SIZE, IMAGE_SIZE)
        return torch.cat([inputs, label_plane], dim=1)


# ----------------------------------------------------------------------------------------------- 2-D points

class Maxout(nn.Module):
    """A linear layer with `pieces` outputs per unit, keeping the largest (Goodfellow et al. 2013)."""

    def __init__(self, in_features: int, out_features: int, pieces: int):
        super().__init__()
        self.pieces = pieces
        self.linear = nn.Linear(in_features, out_features * pieces)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.linear(inputs).view(len(inputs), -1, self.pieces).max(dim=2).values


class PointGenerator(nn.Module):
    """PacGAN's 2-D generator: hidden ReLU layers with batch norm (or without: `batch_norm=False`), a linear 2-D
    output."""

    def __init__(self, z_dim: int = 2, hidden: int = 400, layers: int = 4, batch_norm: bool = True):
        super().__init__()
        self.z_dim = z_dim
        self.num_classes = 0
        blocks: list[nn.Module] = []
        width = z_dim
        for _ in range(layers):
            norm = [nn.BatchNorm1d(hidden)] if batch_norm else []
            blocks += [nn.Linear(width, hidden), *norm, nn.ReLU(inplace=True)]
            width = hidden
        self.net = nn.Sequential(*blocks, nn.Linear(width, 2))

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z).float()  # (B, 2); fp32 under bf16 autocast too


class PointDiscriminator(PackedDiscriminator):
    """PacGAN's 2-D discriminator: maxout hidden layers, no batch norm; with PacGAN it reads 2m coordinates."""

    def __init__(self, hidden: int = 200, layers: int = 3, pieces: int = 5, setup: DiscriminatorSetup | None = None):
        setup = setup or DiscriminatorSetup()
        blocks: list[nn.Module] = []
        width = 2 * setup.pack
        for _ in range(layers):
            blocks.append(Maxout(width, hidden, pieces))
            width = hidden
        super().__init__(nn.Sequential(*blocks), hidden, setup)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
