"""`gan sample`: a trained GAN's samples (and its training data, the reference) as files FID tools and numpy read."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.datasets.fonts import load_font_dataset
from gentool.datasets.point_files import load_points_file
from gentool.evaluate.coverage import generate
from gentool.gan.config import build_gan_config
from gentool.gan.trained import open_trained
from gentool.io.images import to_uint8
from gentool.runtime.rundir import RunDir

from helpers import cpu_context, start_gan

runner = CliRunner()


def invoke(args, data_dir):
    return runner.invoke(app, args, env={"GENTOOL_DATA_DIR": str(data_dir)})


@pytest.fixture(scope="module")
def letter_run(tiny_config, data_dir, tmp_path_factory):
    run = RunDir(tmp_path_factory.mktemp("sample") / "letters")
    start_gan(build_gan_config({**tiny_config, "train": {**tiny_config["train"], "epochs": 1}}), run, data_dir)
    return run.path


def png_stack(folder):
    return np.stack([np.asarray(Image.open(path)) for path in sorted(folder.glob("*.png"))])


def test_letter_samples_are_a_folder_of_pngs_or_an_npz_of_the_same_images(letter_run, data_dir, tmp_path):
    result = invoke(["gan", "sample", "--run", str(letter_run), "--n", "40", "--seed", "3", "--out",
                     str(tmp_path / "pngs"), "--json"], data_dir)
    assert result.exit_code == 0, result.output
    written = json.loads(result.stdout)
    assert written["what"] == "samples" and written["n"] == 40 and written["format"] == "a folder of PNGs"
    names = sorted(path.name for path in (tmp_path / "pngs").iterdir())
    assert names[0] == "000000.png" and names[-1] == "000039.png" and len(names) == 40
    with Image.open(tmp_path / "pngs" / "000000.png") as first:
        assert first.mode == "L" and first.size == (28, 28)
    pixels = png_stack(tmp_path / "pngs")
    trained = open_trained(cpu_context(data_dir), letter_run)
    expected = to_uint8(generate(trained.generator, 40, trained.config.model.z_dim, False, 3, trained.device))
    assert np.array_equal(pixels, expected)  # the generator's images, 255 = ink as the dataset stores letters

    assert invoke(["gan", "sample", "--run", str(letter_run), "--n", "40", "--seed", "3", "--out",
                   str(tmp_path / "same.npz")], data_dir).exit_code == 0
    with np.load(tmp_path / "same.npz", allow_pickle=False) as archive:
        assert set(archive.files) == {"images"} and np.array_equal(archive["images"], pixels)
    other = invoke(["gan", "sample", "--run", str(letter_run), "--n", "40", "--seed", "4", "--out",
                    str(tmp_path / "other.npz")], data_dir)
    assert other.exit_code == 0
    with np.load(tmp_path / "other.npz") as archive:
        assert not np.array_equal(archive["images"], pixels)


def test_real_letters_are_the_runs_training_split_written_the_same_way(letter_run, tiny_config, data_dir, tmp_path):
    result = invoke(["gan", "sample", "--run", str(letter_run), "--real", "--n", "30", "--out",
                     str(tmp_path / "real.npz")], data_dir)
    assert result.exit_code == 0, result.output
    dataset = load_font_dataset(build_gan_config(tiny_config).fonts, data_dir)
    train = dataset.images[dataset.split_mask("train")]
    with np.load(tmp_path / "real.npz") as archive:
        images, labels = archive["images"], archive["labels"]
    assert images.shape == (30, 28, 28) and labels.shape == (30,)
    known = {image.tobytes(): label for image, label in zip(train, dataset.labels[dataset.split_mask("train")])}
    assert all(known[image.tobytes()] == label for image, label in zip(images, labels))
    too_many = invoke(["gan", "sample", "--run", str(letter_run), "--real", "--n", str(len(train) + 1), "--out",
                       str(tmp_path / "more")], data_dir)
    assert too_many.exit_code == 2 and f"holds {len(train):,} letters" in too_many.output


@pytest.mark.parametrize("out, words", [("points.csv", "is for the other kind of run"),
                                        ("letters.txt", "a letter run's samples are images"),
                                        ("full", "already holds files")])
def test_a_format_the_run_cannot_write_or_a_used_folder_is_refused(out, words, letter_run, data_dir, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "mine.png").write_bytes(b"")
    result = invoke(["gan", "sample", "--run", str(letter_run), "--n", "5", "--out", str(tmp_path / out)], data_dir)
    assert result.exit_code == 2 and words in result.output
    assert (tmp_path / "full" / "mine.png").is_file() and not (tmp_path / "points.csv").exists()


def test_2d_samples_are_points_in_npy_or_csv_that_gentool_reads_back(tmp_path):
    data = tmp_path / "data"
    run = tmp_path / "ring"
    trained = invoke(["gan", "train", "--preset", "tiny", "--epochs", "1", "--out", str(run), "-q"], data)
    assert trained.exit_code == 0, trained.output
    assert invoke(["gan", "sample", "--run", str(run), "--n", "300", "--out", str(tmp_path / "s.npy")],
                  data).exit_code == 0
    assert invoke(["gan", "sample", "--run", str(run), "--n", "300", "--out", str(tmp_path / "s.csv")],
                  data).exit_code == 0
    points = np.load(tmp_path / "s.npy")
    assert points.shape == (300, 2) and points.dtype == np.float64
    assert np.allclose(load_points_file(tmp_path / "s.csv").numpy(), points, rtol=1e-8, atol=1e-9)
    real = invoke(["gan", "sample", "--run", str(run), "--real", "--n", "200", "--out", str(tmp_path / "r.npy")],
                  data)
    assert real.exit_code == 0
    radius = np.linalg.norm(np.load(tmp_path / "r.npy"), axis=1)
    assert np.abs(radius - 1.0).max() < 0.1  # ring8's training points lie on the unit circle
    refused = invoke(["gan", "sample", "--run", str(run), "--out", str(tmp_path / "pngs")], data)
    assert refused.exit_code == 2 and "a 2-D run's samples are points" in refused.output
