"""The 2-D MLP GAN's models with a leading seed dimension: S seeds of one configuration as one model.

Each stacked module holds, under the very names of the ordinary module's state dict, that state for S seeds
stacked along a new first dimension (a weight of (O, I) becomes (S, O, I)), so a seed's slice of the stacked
state dict *is* its ordinary state dict and every seed keeps ordinary checkpoints. Activations are (S, B, ...):
a linear layer is one `torch.baddbmm` over the seeds (on CPU each slice is bit-for-bit the seed's own
`F.linear`, gradients too; a layer with one output runs seed by seed, since there torch's kernels differ),
batch norm runs on (B, S * H) so every seed keeps its own batch statistics and running estimates, and nothing
mixes seeds, so S seeds trained together are S independent trainings.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gentool.gan.models import DiscriminatorOutput, PointDiscriminator, PointGenerator, pairwise_l1


class _PowerVectors(nn.Module):
    """The power iteration's vectors `_u` (S, O) and `_v` (S, I)."""

    def __init__(self, u: torch.Tensor, v: torch.Tensor, eps: float):
        super().__init__()
        self.register_buffer("_u", u)
        self.register_buffer("_v", v)
        self.eps = eps


class _SpectralWeight(nn.Module):
    """The stacked counterpart of torch's spectral-norm parametrization, under the names torch gives its state
    (`original`, `0._u`, `0._v`): the weight divided by its largest singular value, seed by seed."""

    def __init__(self, original: torch.Tensor, u: torch.Tensor, v: torch.Tensor, eps: float):
        super().__init__()
        self.original = nn.Parameter(original)  # (S, O, I)
        self.add_module("0", _PowerVectors(u, v, eps))

    def forward(self) -> torch.Tensor:
        weight, power = self.original, getattr(self, "0")
        # seed by seed with torch's own calls (mv, vdot), so each seed's weight is bit-for-bit its unstacked one;
        # a batched bmm gives a different last bit here
        if self.training:  # one power iteration per forward pass, in place, as torch's spectral_norm does
            with torch.no_grad():
                for seed in range(len(weight)):
                    F.normalize(torch.mv(weight[seed], power._v[seed]), dim=0, eps=power.eps, out=power._u[seed])
                    F.normalize(torch.mv(weight[seed].H, power._u[seed]), dim=0, eps=power.eps, out=power._v[seed])
        u, v = power._u.clone(), power._v.clone()
        # unbind, not indexing: one backward node that stacks the seeds' gradients, where S index operations would
        # each add a zero-filled (S, O, I) gradient
        weights = weight.unbind(0)
        sigma = [torch.vdot(u_s, torch.mv(w_s, v_s)) for u_s, w_s, v_s in zip(u.unbind(0), weights, v.unbind(0))]
        # divided seed by seed too: a broadcast division's gradient sums over (S, O, I) in another order
        return torch.stack([w_s / sigma_s for w_s, sigma_s in zip(weights, sigma)])


class StackedLinear(nn.Module):
    """S linear layers: (S, B, I) -> (S, B, O)."""

    def __init__(self, layers: list[nn.Linear], per_seed: bool = False):
        super().__init__()
        # per_seed: S F.linear calls instead of one baddbmm. Same arithmetic, but a baddbmm's weight gradient is a
        # transposed view, and reductions that second-order gradients (unrolled) take over it sum in another
        # order than the unstacked run's: seed by seed those stay bit-for-bit the same
        self.per_seed = per_seed
        biases = torch.stack([layer.bias.detach() for layer in layers]).clone()
        if hasattr(layers[0], "parametrizations"):  # spectral norm: the weight is computed from `original`
            self.bias = nn.Parameter(biases)  # registered first, as a parametrized nn.Linear lists it
            spectral = [layer.parametrizations.weight for layer in layers]
            self.parametrizations = nn.ModuleDict({"weight": _SpectralWeight(
                torch.stack([p.original.detach() for p in spectral]).clone(),
                torch.stack([p[0]._u for p in spectral]).clone(), torch.stack([p[0]._v for p in spectral]).clone(),
                spectral[0][0].eps)})
        else:
            self.weight = nn.Parameter(torch.stack([layer.weight.detach() for layer in layers]).clone())
            self.bias = nn.Parameter(biases)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        weight = self.parametrizations["weight"]() if hasattr(self, "parametrizations") else self.weight
        if self.per_seed or weight.shape[1] == 1:  # one output: torch takes another kernel for a batch of these
            return torch.stack([F.linear(x, w, b) for x, w, b in zip(inputs.unbind(0), weight.unbind(0),
                                                                     self.bias.unbind(0))])
        return torch.baddbmm(self.bias.unsqueeze(1), inputs, weight.transpose(1, 2))


class StackedBatchNorm(nn.Module):
    """S batch norms (training mode only: a stacked generator is never sampled from; its seeds' own modules are)."""

    def __init__(self, layers: list[nn.BatchNorm1d]):
        super().__init__()
        self.momentum, self.eps = layers[0].momentum, layers[0].eps
        self.weight = nn.Parameter(torch.stack([layer.weight.detach() for layer in layers]).clone())
        self.bias = nn.Parameter(torch.stack([layer.bias.detach() for layer in layers]).clone())
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            self.register_buffer(name, torch.stack([getattr(layer, name) for layer in layers]).clone())

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        seeds, batch, width = inputs.shape
        # (S, B, H) -> (B, S * H): one batch norm whose S * H features are every seed's own
        flat = inputs.transpose(0, 1).reshape(batch, seeds * width)
        self.num_batches_tracked.add_(1)
        out = F.batch_norm(flat, self.running_mean.view(-1), self.running_var.view(-1), self.weight.view(-1),
                           self.bias.view(-1), True, self.momentum, self.eps)
        return out.view(batch, seeds, width).transpose(0, 1)


class StackedMaxout(nn.Module):
    def __init__(self, layers: list[nn.Module], per_seed: bool = False):
        super().__init__()
        self.pieces = layers[0].pieces
        self.linear = StackedLinear([layer.linear for layer in layers], per_seed)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        out = self.linear(inputs)  # (S, B, H * pieces)
        return out.view(*out.shape[:2], -1, self.pieces).max(dim=3).values


class StackedPointGenerator(nn.Module):
    def __init__(self, generators: list[PointGenerator]):
        super().__init__()
        blocks: list[nn.Module] = []
        for index, module in enumerate(generators[0].net):
            layers = [generator.net[index] for generator in generators]
            if isinstance(module, nn.Linear):
                blocks.append(StackedLinear(layers))
            elif isinstance(module, nn.BatchNorm1d):
                blocks.append(StackedBatchNorm(layers))
            elif isinstance(module, nn.ReLU):
                blocks.append(nn.ReLU())
            else:
                raise TypeError(f"no stacked form of {type(module).__name__}")
        self.net = nn.Sequential(*blocks)
        check_same_names(self, generators[0])

    def forward(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z)  # (S, B, z) -> (S, B, 2)


class StackedMinibatchDiscrimination(nn.Module):
    def __init__(self, layers: list[nn.Module]):
        super().__init__()
        self.kernels, self.kernel_dims = layers[0].kernels, layers[0].kernel_dims
        self.second_order = layers[0].second_order
        self.T = nn.Parameter(torch.stack([layer.T.detach() for layer in layers]).clone())

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        seeds, count, _ = features.shape
        projected = torch.bmm(features, self.T).view(seeds, count, self.kernels, self.kernel_dims)
        projected = projected.transpose(1, 2).reshape(seeds * self.kernels, count, self.kernel_dims)  # (S*K, N, C)
        distances = pairwise_l1(projected, self.second_order)  # (S*K, N, N)
        similarity = torch.exp(-distances).sum(dim=2).view(seeds, self.kernels, count)
        return similarity.transpose(1, 2) - 1.0  # (S, N, K)


class StackedPointDiscriminator(nn.Module):
    def __init__(self, discriminators: list[PointDiscriminator], per_seed_layers: bool = False):
        super().__init__()
        first = discriminators[0]
        self.pack = first.pack
        self.trunk = nn.Sequential(*[StackedMaxout([d.trunk[index] for d in discriminators], per_seed_layers)
                                     for index in range(len(first.trunk))])
        self.minibatch = (StackedMinibatchDiscrimination([d.minibatch for d in discriminators])
                          if first.minibatch is not None else None)
        self.classify = StackedLinear([d.classify for d in discriminators])
        check_same_names(self, first)

    def forward(self, inputs: torch.Tensor, labels: torch.Tensor | None = None) -> DiscriminatorOutput:
        seeds, batch, width = inputs.shape
        if batch % self.pack:
            raise ValueError(f"a batch of {batch} cannot be packed in groups of {self.pack}")
        packed = inputs.reshape(seeds, batch // self.pack, self.pack * width)  # consecutive samples, as unstacked
        features = self.trunk(packed)  # (S, N, F)
        head = features if self.minibatch is None else torch.cat([features, self.minibatch(features)], dim=2)
        return DiscriminatorOutput(self.classify(head).squeeze(2), features)  # (S, N), (S, N, F)


def check_same_names(stacked: nn.Module, template: nn.Module) -> None:
    """The stacked state dict must name every entry as the ordinary module does, in the same order (the
    optimisers' states are matched by parameter order)."""
    if list(stacked.state_dict()) != list(template.state_dict()) or \
            [n for n, _ in stacked.named_parameters()] != [n for n, _ in template.named_parameters()]:
        raise TypeError(f"stacked {type(template).__name__} does not mirror its module's state")


def seed_state(stacked_state: dict, seed: int) -> dict:
    """One seed's ordinary state dict from a stacked one."""
    return {name: value[seed].clone() for name, value in stacked_state.items()}


def stacked_optimizer_state(states: list[dict]) -> dict:
    """One Adam state dict over stacked parameters from the seeds' own (Adam is element-wise, so S stacked Adams
    are S independent ones; the step count is the same for every seed)."""
    first = states[0]
    stacked = {}
    for index, entry in first["state"].items():
        stacked[index] = {key: (value.clone() if key == "step" else torch.stack([s["state"][index][key]
                                                                                  for s in states]))
                          for key, value in entry.items()}
    return {"state": stacked, "param_groups": first["param_groups"]}


def seed_optimizer_state(stacked: dict, seed: int) -> dict:
    return {"state": {index: {key: (value.clone() if key == "step" else value[seed].clone())
                              for key, value in entry.items()} for index, entry in stacked["state"].items()},
            "param_groups": stacked["param_groups"]}
