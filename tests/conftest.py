"""Shared fixtures: a tiny font set (four DejaVu faces from matplotlib) and a tiny GAN config on top of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from gentool.datasets.font_faces import matplotlib_font_dir

from helpers import TINY_LETTER_EVALUATOR, tiny_font_data

TINY_FACES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf")


@pytest.fixture(scope="session")
def tiny_fonts_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fonts")
    for name in TINY_FACES:
        shutil.copy(matplotlib_font_dir() / name, folder / name)
    return folder


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """One dataset cache for the session, so the tiny dataset is rendered once."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def tiny_config(tiny_fonts_dir) -> dict:
    """A config layer small enough for a GAN epoch in well under a second on CPU."""
    return {
        "device": "cpu",
        "fonts": tiny_font_data(tiny_fonts_dir),
        "model": {"z_dim": 16, "g_width": 8, "d_width": 8},
        "train": {"epochs": 2, "batch_size": 16, "sample_epochs": [1], "sample_count": 16, "checkpoint_every": 1},
        "evaluation": {"every": 0},
    }


@pytest.fixture(scope="session")
def tiny_evaluation(tiny_config) -> dict:
    """A config with coverage measured every epoch by a small evaluator trained on the tiny fonts."""
    return {**tiny_config, "evaluation": {"every": 1, "samples": 520, "evaluator": TINY_LETTER_EVALUATOR}}


@pytest.fixture(scope="session")
def tiny_evaluator(tiny_evaluation, data_dir):
    from gentool.evaluate.letters import load_letter_evaluator
    from gentool.gan.config import build_gan_config

    config = build_gan_config(tiny_evaluation)
    return load_letter_evaluator(config.fonts, data_dir, settings=config.evaluation.evaluator)


@pytest.fixture
def tiny_config_file(tmp_path, tiny_config) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny_config))
    return path


@pytest.fixture(autouse=True)
def work_in_tmp(tmp_path, monkeypatch):
    """Commands that default to ./runs or ./data write into the test's own folder, never the repo."""
    monkeypatch.chdir(tmp_path)
