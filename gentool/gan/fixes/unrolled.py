"""Unrolled GANs (Metz et al. 2017)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.func import functional_call

from gentool.config import option
from gentool.gan.fixes.base import Fix, register_fix


@dataclass
class UnrolledOptions:
    steps: int = option(5, min=1, max=100, help="k: discriminator steps unrolled for each generator update")
    second_order: bool = option(True, help="backpropagate through the unrolled steps (the paper's method); "
                                           "false: only use the unrolled discriminator (cheaper, weaker)")


@register_fix
class Unrolled(Fix):
    """The generator's loss is taken against the discriminator as it will be after k more Adam steps, so a
    generator that hops to one mode sees the discriminator's answer coming and is pulled back.

    The k steps copy the discriminator's parameters, buffers and Adam state and use this step's real and fake
    batches with the full discriminator loss (other fixes' parts included); they are thrown away afterwards.
    With `second_order` the generator's gradient flows through the unrolled updates (a differentiable Adam).
    Cost: about k extra discriminator forward/backward passes per step, more with second order.
    """

    name = "unrolled"
    summary = "generator loss against the discriminator k steps ahead (Metz et al. 2017)"
    Options = UnrolledOptions

    def discriminator_for_generator(self, step, critic, discriminator_loss):
        module = step.discriminator
        names = [name for name, _ in module.named_parameters()]
        params = [p if self.options.second_order else p.detach() for p in module.parameters()]
        # copies, so the unrolled forwards never touch the real discriminator's running statistics
        buffers = {name: b.clone() for name, b in module.named_buffers()}
        adam = _AdamState(step.d_optimizer, list(module.parameters()))
        fake = step.fake if self.options.second_order else step.fake.detach()

        def unrolled(weights):
            return lambda inputs, labels=None: functional_call(module, ({**dict(zip(names, weights)), **buffers}),
                                                               (inputs, labels))

        for _ in range(self.options.steps):
            if not self.options.second_order:
                params = [p.detach().requires_grad_(True) for p in params]
            loss = discriminator_loss(unrolled(params), fake, {})
            grads = torch.autograd.grad(loss, params, create_graph=self.options.second_order, allow_unused=True)
            params = adam.step(params, grads)
        return unrolled(params)


class _AdamState:
    """Adam's update written out with tensors, so it can be differentiated; starts from the optimiser's state."""

    def __init__(self, optimizer: torch.optim.Optimizer, parameters: list[torch.Tensor]):
        group = optimizer.param_groups[0]
        self.lr, (self.beta1, self.beta2), self.eps = group["lr"], group["betas"], group["eps"]
        states = [optimizer.state.get(p, {}) for p in parameters]  # empty before the optimiser's first step
        self.first = [s["exp_avg"].clone() if s else torch.zeros_like(p) for p, s in zip(parameters, states)]
        self.second = [s["exp_avg_sq"].clone() if s else torch.zeros_like(p) for p, s in zip(parameters, states)]
        self.count = int(states[0]["step"]) if states and states[0] else 0  # Adam steps every parameter together

    def step(self, params: list[torch.Tensor], grads) -> list[torch.Tensor]:
        self.count += 1
        correct1, correct2 = 1 - self.beta1 ** self.count, 1 - self.beta2 ** self.count
        updated = []
        for index, (p, g) in enumerate(zip(params, grads)):
            if g is None:  # a parameter this loss does not use
                updated.append(p)
                continue
            self.first[index] = self.beta1 * self.first[index] + (1 - self.beta1) * g
            self.second[index] = self.beta2 * self.second[index] + (1 - self.beta2) * g * g
            # sqrt(v + eps^2) rather than sqrt(v): finite derivative where v = 0 (a dead unit), same value otherwise
            denominator = (self.second[index] / correct2 + self.eps ** 2).sqrt() + self.eps
            updated.append(p - self.lr * (self.first[index] / correct1) / denominator)
        return updated
