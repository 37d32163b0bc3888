"""The VAE family: the hierarchical drum VAE and the convolutional letter VAE, one task each (gentool.vae.family)."""
