"""Bad input gets exit 2 and one line naming the problem and the fix, never exit 1 or a traceback; nothing is
accepted silently (issue: 303 bad inputs tried). One test per class of input."""

import errno
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.drums.pattern import DrumPattern
from gentool.errors import RunFailure, UsageError, describe_os_error
from gentool.gan.config import build_gan_config
from gentool.io.midi import write_midi
from gentool.runtime.rundir import RunDir

from bad_inputs_table import CASES, run_case, well_behaved
from helpers import start_gan, tiny_2d

runner = CliRunner()


def invoke(args, data_dir=None):
    env = {"GENTOOL_DATA_DIR": str(data_dir)} if data_dir else {}
    return runner.invoke(app, args, env=env)


def refused(result, *words):
    """Exit 2, one `error:` line that holds every word, no traceback."""
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and all(word in lines[0] for word in words), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture(scope="module")
def ring_run(tmp_path_factory):
    run = RunDir(tmp_path_factory.mktemp("bad") / "ring")
    start_gan(build_gan_config(tiny_2d()), run)
    return run


# ------------------------------------------------------------------------------- paths that cannot be used

@pytest.mark.parametrize("code, words, failure", [
    (errno.EACCES, "permission denied for '/data/x'", UsageError),
    (errno.EROFS, "read-only file system", UsageError),
    (errno.EISDIR, "is a folder, but a file is needed", UsageError),
    (errno.ENOTDIR, "a file stands where a folder is needed", UsageError),
    (errno.EEXIST, "already exists", UsageError),
    (errno.ENAMETOOLONG, "too long for the file system", UsageError),
    (errno.ENOSPC, "no space left on the device while writing '/data/x'", RunFailure)])
def test_os_errors_on_paths_name_the_path_the_reason_and_the_fix(code, words, failure):
    problem = describe_os_error(OSError(code, "strerror", "/data/x"))
    assert isinstance(problem, failure) and words in str(problem)
    renamed = describe_os_error(OSError(code, "strerror", "/data/.last.pt.abc.tmp", None))
    assert "'/data'" in str(renamed)  # an atomic write's temporary file is shown as its folder


def test_a_folder_where_a_file_belongs_and_a_file_where_a_folder_belongs(ring_run, tmp_path):
    afile = tmp_path / "afile.txt"
    afile.write_text("x")
    refused(invoke(["gan", "coverage", "--run", str(ring_run.path), "--out", str(afile)]), str(afile))
    refused(invoke(["gan", "benchmark", "--out", str(afile), "--dataset", "ring8", "--fixes", "vanilla"]),
            "is a file, not a folder")
    refused(invoke(["gan", "train", "--dataset", "ring8", "--out", str(tmp_path / ("x" * 300))]), "too long")


def test_an_unwritable_place_is_bad_input_and_a_full_disk_a_run_failure(ring_run, monkeypatch):
    import gentool.gan.measure as measure

    def read_only(path, result):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    monkeypatch.setattr(measure, "save_coverage", read_only)
    refused(invoke(["gan", "coverage", "--run", str(ring_run.path)]), "read-only file system")

    def disk_full(path, result):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(measure, "save_coverage", disk_full)
    result = invoke(["gan", "coverage", "--run", str(ring_run.path)])
    assert result.exit_code == 1 and "no space left on the device while writing" in result.stderr


def test_a_name_that_is_not_utf8_is_refused_before_anything_runs(tmp_path):
    name = str(tmp_path / "bad\udcffname")  # how Python hands over the byte 0xff of a file name
    refused(invoke(["gan", "train", "--dataset", "ring8", "--out", name]), "bad\\xffname", "not a UTF-8 name")
    assert not (tmp_path / "bad\udcffname").exists()


# ------------------------------------------------------------------------------------------------ numbers

@pytest.mark.parametrize("args", [["gan", "train", "--seed", "99999999999999999999999"],
                                  ["vae", "sample", "--style", "rock", "--seed", "99999999999999999999999"],
                                  ["gan", "train", "--set", "seed=99999999999999999999999"]])
def test_a_seed_beyond_32_bits_is_refused(args):
    result = invoke(args)
    assert result.exit_code == 2 and "4294967295" in result.output and "Traceback" not in result.output


def test_a_bool_is_not_a_number(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("dataset: ring8\ntrain:\n  epochs: true\n")
    refused(invoke(["gan", "train", "--config", str(config)]), "train.epochs", "expected a whole number")


def test_more_bars_than_one_command_writes_are_refused_up_front():
    refused(invoke(["vae", "sample", "--style", "rock", "--n", "1000", "--bars", "256"]), "256,000 bars",
            "1,024")
    refused(invoke(["vae", "blend", "jazz", "rock", "--ratios", "0,0.5,1", "--n", "100", "--bars", "8"]),
            "2,400 bars")


# --------------------------------------------------------------------------------- names, lists, duplicates

@pytest.mark.parametrize("fixes", ["pacgan+", "+pacgan", "pacgan++r1", ""])
def test_an_empty_fix_name_is_refused(fixes, tmp_path):
    refused(invoke(["gan", "benchmark", "--fixes", fixes, "--dataset", "ring8", "--out", str(tmp_path / "b")]),
            "empty fix name")
    assert not (tmp_path / "b").exists()


def test_a_benchmark_does_not_write_into_a_run_folder(ring_run):
    refused(invoke(["gan", "benchmark", "--out", str(ring_run.path), "--dataset", "ring8", "--fixes", "vanilla"]),
            "is a run folder, not a benchmark folder")


@pytest.mark.parametrize("args, words", [
    (["vae", "blend", "jazz", "rock", "--ratios", "0,,1"], "--ratios must be comma-separated numbers"),
    (["vae", "blend", "jazz", "rock", "--ratios", "0.5,0.5"], "lists a ratio twice"),
    (["vae", "blend", "jazz", "jazz"], "blending jazz with itself changes nothing"),
    (["data", "drums", "--genres", "rock,rock"], "rock listed twice")])
def test_empty_or_repeated_items_are_refused(args, words):
    refused(invoke(args), words)


def test_a_fonts_dir_that_adds_no_face_is_refused(tiny_fonts_dir, data_dir, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "Fancy.ttf").write_bytes(b"\x00\x01\x00\x00 not a font at all")
    args = ["data", "fonts", "--no-matplotlib-fonts", "--fonts-dir", str(tiny_fonts_dir), "--fonts-dir", str(broken),
            "--samples-per-glyph", "2", "--set", "fonts.val_fraction=0.25"]
    refused(invoke(args, data_dir), str(broken), "gave no usable face", "Fancy.ttf")


# ---------------------------------------------------------------------------------------------- pattern files

def test_pattern_files_with_nan_or_an_unknown_shape_are_refused_and_bars_16_9_is_read(tmp_path):
    nan = np.zeros((16, 9))
    nan[0, 0] = np.nan
    np.save(tmp_path / "nan.npy", nan)
    refused(invoke(["data", "render-drums", str(tmp_path / "nan.npy"), "--out", str(tmp_path)]), "NaN")
    np.save(tmp_path / "wrong.npy", np.zeros((16, 9, 2)))
    refused(invoke(["data", "render-drums", str(tmp_path / "wrong.npy"), "--out", str(tmp_path)]), "shape")
    bars = np.zeros((2, 16, 9))
    bars[:, 0, 0] = 1
    np.save(tmp_path / "bars.npy", bars)  # (bars, 16, 9): how the drum dataset stores bars, read on purpose
    result = invoke(["data", "render-drums", str(tmp_path / "bars.npy"), "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["bars"] == 2


def test_a_dataset_without_held_out_bars_says_so_instead_of_failing(tmp_path):
    hits = np.zeros((16, 9), dtype=bool)
    hits[[0, 8], 0] = hits[[4, 12], 1] = True
    (tmp_path / "midi" / "rock").mkdir(parents=True)
    write_midi(tmp_path / "midi" / "rock" / "one.mid", DrumPattern.from_hits(hits))
    for _ in range(2):  # built, then read from the cache: a cached dataset is complete and usable
        result = invoke(["data", "drums", "--no-grammar", "--midi-dir", str(tmp_path / "midi")], tmp_path / "data")
        assert result.exit_code == 0, result.output
        assert "genre classifier: not measured (no held-out bars" in result.stdout


# ------------------------------------------------------------------------------- the table in the note

@pytest.fixture(scope="module")
def table_inputs(tmp_path_factory):
    from bad_inputs_table import folder_hash, prepare

    paths = prepare(tmp_path_factory.mktemp("table"))
    before = folder_hash(paths.ring)
    yield paths
    assert folder_hash(paths.ring) == before  # nothing in the run the cases pointed at changed
    assert not (paths.tmp / "code_ran").exists()  # the checkpoint's pickled code never ran


@pytest.mark.parametrize("case", CASES, ids=[case.label for case in CASES])
def test_every_bad_input_of_the_table_is_one_line_and_its_exit_code(case, table_inputs, data_dir):
    outcome = run_case(case, table_inputs, data_dir)
    assert well_behaved(case, outcome), outcome
