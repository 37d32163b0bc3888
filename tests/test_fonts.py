import json
import re
import shutil
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from fontTools.ttLib import TTFont
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.config import build_config
from gentool.datasets.font_faces import LETTERS, FontFile, discover_faces, inspect_face, matplotlib_font_dir
from gentool.datasets.fonts import FontDataConfig, load_font_dataset
from gentool.errors import UsageError
from gentool.views.data import font_report

from helpers import assert_tables_fit_80_columns, at_80_columns


def data_config(tiny_config, **overrides) -> FontDataConfig:
    return build_config(FontDataConfig, {**tiny_config["fonts"], **overrides})


def inspect(name: str):
    path = matplotlib_font_dir() / name
    return inspect_face(FontFile(path, "matplotlib", name))


def test_real_faces_are_kept_and_symbol_fallback_and_partial_fonts_are_skipped_with_reasons():
    for name in ("DejaVuSans.ttf", "STIXGeneralItalic.ttf", "cmr10.ttf", "cmtt10.ttf"):
        face = inspect(name)
        assert hasattr(face, "masters"), f"{name} should be usable, got: {getattr(face, 'reason', '')}"
        assert face.recognised >= 20
    assert "fallback boxes" in inspect("LastResortHE-Regular.ttf").reason
    assert "symbol font" in inspect("cmex10.ttf").reason
    assert "no glyph" in inspect("DejaVuSansDisplay.ttf").reason
    assert "no glyph" in inspect("STIXSizOneSymReg.ttf").reason


def test_broken_font_file_is_skipped_not_fatal(tmp_path):
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"this is not a font" * 10)
    faces, skipped = discover_faces([str(tmp_path)], include_matplotlib=False)
    assert faces == [] and "unreadable font file" in skipped[0].reason


def test_build_is_deterministic_and_seed_changes_it(tiny_config, tmp_path):
    config = data_config(tiny_config)
    first = load_font_dataset(config, tmp_path / "a")
    second = load_font_dataset(config, tmp_path / "b")
    assert first.built and second.built and first.fingerprint == second.fingerprint
    assert np.array_equal(first.images, second.images) and np.array_equal(first.labels, second.labels)
    other = load_font_dataset(data_config(tiny_config, seed=1), tmp_path / "c")
    assert other.fingerprint != first.fingerprint and not np.array_equal(other.images, first.images)


def test_cache_hit_and_rebuild_on_changed_inputs(tiny_config, data_dir):
    config = data_config(tiny_config)
    built = load_font_dataset(config, data_dir)
    again = load_font_dataset(config, data_dir)
    assert not again.built and again.path == built.path and np.array_equal(again.images, built.images)
    changed = load_font_dataset(data_config(tiny_config, samples_per_glyph=4), data_dir)
    assert changed.built and changed.path != built.path and len(changed.images) == 4 * 26 * 4


def test_damaged_cache_is_rebuilt(tiny_config, tmp_path):
    config = data_config(tiny_config)
    built = load_font_dataset(config, tmp_path)
    (built.path / "images.npy").write_bytes(b"garbage")
    again = load_font_dataset(config, tmp_path)
    assert again.built and np.array_equal(again.images, built.images)


@pytest.mark.parametrize("split_by", ["family", "face"])
def test_split_is_by_font_never_by_image(tiny_config, data_dir, split_by):
    dataset = load_font_dataset(data_config(tiny_config, split_by=split_by), data_dir)
    train_faces = set(dataset.face_index[~dataset.is_val].tolist())
    val_faces = set(dataset.face_index[dataset.is_val].tolist())
    assert train_faces and val_faces and not train_faces & val_faces
    if split_by == "family":
        families = {face["family"]: set() for face in dataset.faces}
        for face in dataset.faces:
            families[face["family"]].add(face["split"])
        assert all(len(splits) == 1 for splits in families.values())
    # every letter is in both splits, equally often within a split
    for split in ("train", "val"):
        counts = np.bincount(dataset.labels[dataset.split_mask(split)], minlength=26)
        assert counts.min() == counts.max() > 0


def test_clean_glyphs_are_centred_and_fill_the_frame(tiny_config, data_dir):
    dataset = load_font_dataset(data_config(tiny_config), data_dir)
    per_glyph = 3
    clean = dataset.images[::per_glyph].astype(np.float32) / 255  # the first sample of each glyph is unaugmented
    for image in clean:
        rows = np.flatnonzero(image.max(axis=1) > 0.25)
        cols = np.flatnonzero(image.max(axis=0) > 0.25)
        centre = ((rows[0] + rows[-1]) / 2, (cols[0] + cols[-1]) / 2)
        assert abs(centre[0] - 13.5) <= 1.0 and abs(centre[1] - 13.5) <= 1.0
        assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 >= 22  # longer side fills the frame but the margin
        assert rows[0] >= 1 and cols[0] >= 1 and rows[-1] <= 26 and cols[-1] <= 26
    assert 0 < (clean > 0.1).mean() < 0.5


def test_augmented_samples_differ_from_the_clean_one(tiny_config, data_dir):
    dataset = load_font_dataset(data_config(tiny_config), data_dir)
    images = dataset.images.reshape(-1, 3, 28, 28).astype(np.int16)
    differences = np.abs(images[:, 1:] - images[:, :1]).mean(axis=(2, 3))
    assert (differences > 1).mean() > 0.9


def test_tensors_are_the_whole_split_in_minus_one_to_one(tiny_config, data_dir):
    dataset = load_font_dataset(data_config(tiny_config), data_dir)
    images, labels = dataset.tensors("train")
    assert images.shape == (int((~dataset.is_val).sum()), 1, 28, 28) and labels.shape == images.shape[:1]
    assert images.min() == -1.0 and images.max() == 1.0
    assert dataset.preview_path.is_file()


def test_fonts_dir_errors(tmp_path, tiny_config):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UsageError, match="holds no .ttf or .otf files"):
        load_font_dataset(data_config(tiny_config, fonts_dirs=[str(empty)]), tmp_path)
    with pytest.raises(UsageError, match="is not a folder"):
        load_font_dataset(data_config(tiny_config, fonts_dirs=[str(tmp_path / "missing")]), tmp_path)
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "bad.otf").write_bytes(b"\0" * 100)
    with pytest.raises(UsageError, match="none of the 1 font files has usable glyphs"):
        load_font_dataset(data_config(tiny_config, fonts_dirs=[str(junk)]), tmp_path)


def test_one_family_cannot_be_split_by_family(tmp_path, tiny_fonts_dir):
    import shutil
    folder = tmp_path / "sans"
    folder.mkdir()
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        shutil.copy(tiny_fonts_dir / name, folder / name)
    config = build_config(FontDataConfig, {"matplotlib_fonts": False, "fonts_dirs": [str(folder)],
                                           "samples_per_glyph": 1})
    with pytest.raises(UsageError, match="only one font family"):
        load_font_dataset(config, tmp_path)
    by_face = build_config(FontDataConfig, {"matplotlib_fonts": False, "fonts_dirs": [str(folder)],
                                            "samples_per_glyph": 1, "split_by": "face"})
    assert load_font_dataset(by_face, tmp_path).is_val.sum() == 26


def script_capitals_font(folder) -> Path:
    """STIX General with its A-Z mapped to its own script capitals (glyphs named u1D49C...): a script face with real,
    ornate capitals, which the DejaVu templates mostly fail to match."""
    font = TTFont(matplotlib_font_dir() / "STIXGeneral.ttf")
    script = {}
    for code_point, glyph in font.getBestCmap().items():
        match = re.match(r"^(?:MATHEMATICAL )?SCRIPT CAPITAL ([A-Z])$", unicodedata.name(chr(code_point), ""))
        if match:
            script[match.group(1)] = glyph
    for table in font["cmap"].tables:
        if table.isUnicode():
            table.cmap.update({ord(letter): script[letter] for letter in LETTERS})
    path = folder / "ScriptCapitals.ttf"
    font.save(path)
    return path


def test_a_script_face_is_not_called_a_symbol_font(tmp_path):
    script = inspect_face(FontFile(script_capitals_font(tmp_path), "test", "script"))
    assert "script or decorative face?" in script.reason and "symbol font" not in script.reason
    symbol = inspect("cmex10.ttf").reason
    assert symbol.startswith("symbol font") and "parenrightbt" in symbol and "script" not in symbol


def test_fonts_tables_fit_80_columns_with_every_skipped_path_in_full(tiny_fonts_dir, tmp_path):
    """Two skipped files whose long paths differ only at the end stay distinguishable at 80 columns, and the
    per-letter counts stay readable."""
    deep = tmp_path / "fonts" / "a-rather-long-folder-name-for-fonts" / "another-level-of-folders-here"
    deep.mkdir(parents=True)
    for name in ("DejaVuSans.ttf", "DejaVuSerif.ttf"):
        shutil.copy(tiny_fonts_dir / name, tmp_path / "fonts" / name)
    for name in ("broken-font-number-one.ttf", "broken-font-number-two.ttf"):
        (deep / name).write_bytes(b"not a font")
    result = CliRunner().invoke(app, ["data", "fonts", "--no-matplotlib-fonts", "--fonts-dir", str(tmp_path / "fonts"),
                                      "--samples-per-glyph", "2", "--data-dir", str(tmp_path / "data"), "--json",
                                      "-q"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    text = at_80_columns(font_report(stats))
    assert_tables_fit_80_columns(text)
    files = "".join(line.split("│")[1].strip() for line in text.splitlines() if line.startswith("│"))
    for item in stats["skipped"]:
        assert item["file"] in files  # whole, though folded over several lines
    assert len(stats["skipped"]) == 2
    for letter in "AMNZ":
        assert f"│ {letter}  " in text
    assert f"{stats['samples']['train']}" in text
