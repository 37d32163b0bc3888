"""gentool: a workbench for generative-model experiments (GAN mode collapse, VAE posterior collapse).

The package is a library first; `gentool.cli` is a thin Typer layer over it.
"""

__version__ = "0.1.0"
