"""Stabilisation fixes for GAN training, each one self-contained and registered by name (see base.py and
registry.py).

NAMES lists the fixes without importing torch, so the command line can show and complete them at once; the registry
refuses to load if a fix module registers a name that is not here.
"""

NAMES = ("feature-matching", "infogan", "label-smoothing", "minibatch-discrimination", "pacgan", "r1",
         "self-conditioning", "spectral-norm", "unrolled", "wgan-gp")
