"""The shipped instruments: each loads, matches its hash, meets its targets on data rendered here and now, reads
the same without the fonts it was built from; a damaged one fails in one line; figures name their instrument and
are never tested across two instruments; runs saved before instruments were pinned are measured by the shipped
ones."""

import csv
import dataclasses
import io
import json
import shutil

import numpy as np
import pytest
import torch

from gentool.datasets.config import GENRES
from gentool.datasets.drums import DrumDataConfig, load_drum_dataset
from gentool.datasets.fonts import FontDataConfig, load_font_dataset
from gentool.datasets.non_letters import NonLetterSettings, load_non_letters
from gentool.datasets.symbols import load_symbol_dataset
from gentool.errors import ConfigError, GentoolError
from gentool.evaluate import digits, genres, instruments, letters
from gentool.evaluate.config import LetterEvaluatorSettings
from gentool.evaluate.drum_baselines import drum_dataset_report
from gentool.evaluate.frechet import FeatureStats, frechet_distance
from gentool.evaluate.instruments import Instrument, mixed_instruments
from gentool.evaluate.letters import NOT_A_LETTER, load_letter_evaluator, not_letters
from gentool.gan.config import read_saved_gan_config
from gentool.runtime.files import file_sha256
from gentool.sweep.engine import Sweep, results_of
from gentool.sweep.tables import csv_text
from gentool.vae.family import read_saved_vae_config

SHIPPED = {letters.EVALUATOR_NAME: letters.EVALUATOR_VERSION, digits.DIGIT_EVALUATOR_NAME:
           digits.DIGIT_EVALUATOR_VERSION, genres.CLASSIFIER_NAME: genres.CLASSIFIER_VERSION}


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_each_shipped_instrument_loads_and_matches_its_hash(name):
    state, manifest, instrument = instruments.load_shipped(name, SHIPPED[name])
    path = instruments.SHIPPED_DIR / manifest["file"]
    assert instrument == Instrument(name, SHIPPED[name], file_sha256(path), "shipped")
    assert instrument.sha256 == manifest["sha256"]
    assert manifest["build_command"].startswith("python -m benchmarks.build_instruments ")
    assert path.stat().st_size < 2_000_000 and all(torch.is_tensor(v) for v in state["model"].values())


def test_a_damaged_or_missing_shipped_file_is_a_one_line_error(tmp_path, monkeypatch):
    copy = tmp_path / "instruments"
    shutil.copytree(instruments.SHIPPED_DIR, copy)
    monkeypatch.setattr(instruments, "SHIPPED_DIR", copy)
    name = letters.EVALUATOR_NAME
    path = copy / json.loads((copy / f"{name}.json").read_text())["file"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(GentoolError, match="is corrupt: its sha256 is .*reinstall gentool") as raised:
        load_letter_evaluator(FontDataConfig(), baseline=False)
    assert "\n" not in str(raised.value)
    path.unlink()
    with pytest.raises(GentoolError, match="is missing; reinstall gentool"):
        load_letter_evaluator(FontDataConfig(), baseline=False)


def test_a_build_setting_is_refused_while_the_shipped_evaluator_measures():
    with pytest.raises(ConfigError, match=r"evaluation.evaluator.epochs.*--set evaluation.evaluator.source=local"):
        load_letter_evaluator(FontDataConfig(), settings=LetterEvaluatorSettings(epochs=2), baseline=False)


def shipped_targets_data(data_dir):
    """The default letter dataset and its non-letter glyphs, rendered now, smaller than the build's (4 samples per
    letter, 15 glyphs per face and category)."""
    dataset = load_font_dataset(FontDataConfig(samples_per_glyph=4), data_dir)
    return dataset, load_non_letters(dataset, data_dir, NonLetterSettings(per_category=15, samples_per_glyph=1))


def test_the_shipped_letter_evaluator_meets_its_targets_on_letters_rendered_now(tmp_path):
    """Held-out faces' letters read right >= 97%, their real non-letter glyphs rejected >= 95%, noise 100%."""
    dataset, glyphs = shipped_targets_data(tmp_path)
    evaluator = load_letter_evaluator(FontDataConfig(), baseline=False)
    images, labels = dataset.tensors("val")
    assert float((evaluator.classify(images)[0].argmax(1) == labels).double().mean()) >= 0.97
    held_out = glyphs.tensors("val")
    assert len(held_out) > 300
    assert float((evaluator.classify(held_out)[0].argmax(1) == NOT_A_LETTER).double().mean()) >= 0.95
    noise = not_letters(1000, images, torch.Generator().manual_seed(0))
    assert bool((evaluator.classify(noise)[0].argmax(1) == NOT_A_LETTER).all())
    report = evaluator.report
    assert report["held_out"]["accuracy"] >= 0.97 and report["non_letter_glyphs_rejected"]["rejected"] >= 0.95


def test_the_shipped_digit_evaluator_reads_held_out_digits(tmp_path):
    dataset = load_symbol_dataset(FontDataConfig(samples_per_glyph=4), tmp_path)
    evaluator = digits.load_digit_evaluator(FontDataConfig())
    images, labels = dataset.tensors("val")
    assert float((evaluator.classify(images) == labels).double().mean()) >= 0.99


def test_the_shipped_genre_classifier_names_held_out_grammar_bars(tmp_path):
    dataset = load_drum_dataset(DrumDataConfig(), tmp_path)
    classifier = genres.load_genre_classifier(dataset, tmp_path)
    assert genres.accuracy_on(classifier, dataset)["held_out_accuracy"] >= 0.9
    random = (np.random.default_rng(0).random((500, 16, 9)) < 0.2).astype(np.float32)
    assert classifier.accuracy(random, np.zeros(500, dtype=int)) < 0.5  # noise is not "rock"


def test_without_the_builds_fonts_the_shipped_evaluator_measures_unchanged(tmp_path, monkeypatch):
    """The build read system fonts (script and letter fonts); a machine without them, and with an empty data
    folder, measures with the very same file, weights and figures."""
    images = torch.rand(64, 1, 28, 28) * 2 - 1
    here = load_letter_evaluator(FontDataConfig(), baseline=False)
    from gentool.datasets import styled_capitals

    monkeypatch.setattr(styled_capitals, "SYSTEM_FONT_DIRS", (str(tmp_path / "no-fonts"),))
    assert styled_capitals.find_font_files("DejaVuMathTeXGyre.ttf") == []
    elsewhere = load_letter_evaluator(FontDataConfig(), tmp_path / "empty-data", baseline=False)
    assert elsewhere.instrument == here.instrument and elsewhere.report == here.report
    assert torch.equal(elsewhere.classify(images)[0], here.classify(images)[0])
    assert not (tmp_path / "empty-data").exists()  # nothing rendered, nothing trained


def test_figures_of_different_instruments_are_named_and_never_tested_against_each_other():
    shipped = Instrument("letter-evaluator", 7, "a" * 64, "shipped").record()
    local = Instrument("letter-evaluator", 7, "b" * 64, "local").record()
    assert mixed_instruments([shipped, shipped]) is None and mixed_instruments([None, None]) is None
    assert "an unrecorded one" in mixed_instruments([shipped, None])
    note = mixed_instruments([shipped, local])
    assert "2 different instruments" in note and "(shipped, sha256 aaaaaaaaaaaa)" in note and "local" in note
    sweep = Sweep(family="gan", grid={"train.epochs": [1, 2]}, seeds=3, base={}, baseline="1", preset="",
                  folder=None, assignments=[])
    cells = [{"name": f"c{i}", "path": f"cells/c{i}", "params": {"train.epochs": 1 + i % 2}, "seed": i // 2,
              "status": "done", "reason": None, "seconds": 1.0, "metrics": {"letters_covered": float(i)},
              "device": {"device": "cpu"}, "instrument": shipped if i < 5 else local}
             for i in range(6)]
    mixed = results_of(sweep, cells)
    assert mixed["comparisons"] == [] and mixed["instruments_note"] == note
    rows = list(csv.DictReader(io.StringIO(csv_text(mixed))))
    assert rows[0]["device"] == "cpu" and rows[0]["instrument"] == "letter-evaluator v7 (shipped, sha256 aaaaaaaaaaaa)"
    alike = results_of(sweep, [{**cell, "instrument": shipped} for cell in cells])
    assert alike["comparisons"] and alike["instruments_note"] is None


def test_gan_evaluator_shows_the_shipped_one_and_refuses_a_build_setting_without_a_local_build(tmp_path):
    from typer.testing import CliRunner

    from gentool.cli.app import app

    env = {"GENTOOL_DATA_DIR": str(tmp_path / "data")}
    shown = CliRunner().invoke(app, ["gan", "evaluator", "--json"], env=env)
    assert shown.exit_code == 0, shown.output
    report = json.loads(shown.stdout)
    assert report["instrument"]["source"] == "shipped" and report["held_out"]["accuracy"] >= 0.97
    assert not (tmp_path / "data").exists()  # showing it renders and trains nothing
    refused = CliRunner().invoke(app, ["gan", "evaluator", "--set", "evaluation.evaluator.epochs=2"], env=env)
    assert refused.exit_code == 2 and "source=local" in refused.stderr and "Traceback" not in refused.output


def test_the_letter_fid_and_prdc_of_the_shipped_evaluator_share_their_reference_letters(data_dir):
    """With the default fonts, the reference half of the held-out letters rendered now (what precision, recall,
    density and coverage measure against) is the half whose statistics the file stores (the letter FID's
    reference): far closer to it than the other half of real letters is."""
    evaluator = load_letter_evaluator(FontDataConfig(), data_dir)
    rendered = FeatureStats.of(evaluator.classify(evaluator.reference_images)[1])
    real_baseline = FeatureStats.of(evaluator.classify(evaluator.real_images)[1])
    assert rendered.count == evaluator.real_stats.count
    assert frechet_distance(rendered, evaluator.real_stats) < 0.05 * frechet_distance(real_baseline,
                                                                                      evaluator.real_stats)


def test_a_run_saved_before_instruments_were_pinned_is_measured_by_the_shipped_ones():
    """Its evaluator section (version 6's settings, no source) described an evaluator that is gone: it reads as
    the shipped one, where a saved local one stays local."""
    old = {"evaluation": {"every": 5, "evaluator": {"epochs": 5, "reject_bias": 0.0, "styled_capitals": 12}}}
    config = read_saved_gan_config(old)
    assert config.evaluation.evaluator == LetterEvaluatorSettings() and config.evaluation.every == 5
    local = read_saved_gan_config({"evaluation": {"evaluator": {"source": "local", "epochs": 5}}})
    assert local.evaluation.evaluator.source == "local" and local.evaluation.evaluator.epochs == 5
    drums = read_saved_vae_config({"dataset": "drums", "evaluation": {"classifier": {"hidden": 32}}})
    assert drums.evaluation.classifier.source == "shipped" and drums.evaluation.classifier.hidden == 128


def test_the_shipped_genre_classifier_reads_the_genres_it_names_and_lists_the_others(tmp_path):
    """Bars of a genre imported from MIDI files (any folder name) are not among the shipped classifier's five
    columns: they are left out of its figures and named."""
    dataset = load_drum_dataset(DrumDataConfig(phrases_per_genre=30, bars_per_phrase=4), tmp_path)
    funk = dataset.genre == GENRES.index("latin")
    dataset = dataclasses.replace(dataset, genre_names=[*GENRES, "funk"],
                                  genre=np.where(funk, len(GENRES), dataset.genre))
    classifier = genres.load_genre_classifier(dataset, tmp_path)
    assert classifier.columns(dataset.genre_names).tolist() == [0, 1, 2, 3, 4, -1]
    report = drum_dataset_report(dataset, classifier, 0)["genre_classifier"]
    assert report["unread_genres"] == ["funk"] and "latin" not in report["per_genre"]
    assert report["held_out_bars"] == int((dataset.is_val & ~funk).sum()) and report["held_out_accuracy"] >= 0.9
    assert report["instrument"]["source"] == "shipped"
