"""Evaluators: trusted measurements of generated samples. They read checkpoints and datasets, never trainers."""
