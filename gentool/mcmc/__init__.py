"""MCMC samplers on the 2-D mixtures and the Ising lattice, with convergence diagnostics."""
