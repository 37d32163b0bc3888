"""Variational inference on the mode benchmarks: reparameterised Gaussian / mixture q by reverse or forward KL,
and mean-field CAVI for a Bayesian Gaussian mixture."""
