"""Font GAN: DCGAN-style models, stabilisation fixes, and the trainer."""
