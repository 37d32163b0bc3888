"""Hierarchical drum VAE: model, KL schedules, trainer, posterior-collapse analysis and sampling."""
