"""The musician's commands end to end on a tiny trained VAE: outputs, repeatability, --amount 0, errors."""

import filecmp
import json

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.drums.pattern import DrumPattern
from gentool.io.midi import read_midi, write_midi

from helpers import TINY_VAE

runner = CliRunner()


def invoke(args, data_dir):
    return runner.invoke(app, args, env={"GENTOOL_DATA_DIR": str(data_dir)})


@pytest.fixture(scope="module")
def trained(tmp_path_factory, data_dir):
    """A tiny VAE trained once for this module, under <folder>/runs so commands find it as the newest run."""
    folder = tmp_path_factory.mktemp("creative")
    config = folder / "tiny.yaml"
    config.write_text(yaml.safe_dump({**TINY_VAE, "train": {**TINY_VAE["train"], "epochs": 3}}))
    result = invoke(["vae", "train", "--config", str(config), "--out", str(folder / "runs" / "tiny"), "-q"], data_dir)
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture
def in_trained(trained, monkeypatch):
    monkeypatch.chdir(trained)
    return trained


def mechanical(path):
    hits = np.zeros((32, 9), dtype=bool)
    hits[[0, 8, 16, 24], 0] = hits[[4, 12, 20, 28], 1] = hits[::2, 2] = True
    return write_midi(path, DrumPattern.from_hits(hits))


def run_json(args, data_dir):
    result = invoke([*args, "--json", "-q"], data_dir)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_sample_long_track_reports_consistency_and_genre(in_trained, data_dir):
    result = run_json(["vae", "sample", "--style", "latin", "--bars", "4", "--n", "2", "--out", "s"], data_dir)
    assert len(result["tracks"]) == 2 and len(result["tracks"][0]["classified_as"]) == 4
    assert 0 <= result["groove_consistency"] <= 1 and 0 <= result["bars_keeping_genre"] <= 1
    assert read_midi(result["tracks"][0]["files"][0]).pattern.bars == 4


def test_interpolate_and_blend_repeat_with_the_same_seed(in_trained, data_dir):
    first = run_json(["vae", "interpolate", "--from", "jazz", "--to", "rock", "--steps", "4", "--seed", "5",
                      "--out", "i1"], data_dir)
    again = run_json(["vae", "interpolate", "--from", "jazz", "--to", "rock", "--steps", "4", "--seed", "5",
                      "--out", "i2"], data_dir)
    assert first["steps"] == again["steps"] and len(first["steps"]) == 4
    assert filecmp.cmp(in_trained / "i1" / "path.mid", in_trained / "i2" / "path.mid", shallow=False)
    assert read_midi(in_trained / "i1" / "path.mid").pattern.bars == 4  # one bar per step, in order
    blend = run_json(["vae", "blend", "jazz", "rock", "--ratios", "0,0.5,1", "--n", "2", "--bars", "2",
                      "--out", "b"], data_dir)
    assert [b["ratio"] for b in blend["blends"]] == [0.0, 0.5, 1.0]
    assert all(abs(sum(b["genre_probabilities"].values()) - 1) < 1e-3 for b in blend["blends"])


def test_interpolate_accepts_a_midi_file_as_an_end(in_trained, data_dir):
    mechanical(in_trained / "beat.mid")
    result = run_json(["vae", "interpolate", "--from", "beat.mid", "--to", "latin", "--level", "both", "--method",
                       "lerp", "--steps", "3", "--out", "f"], data_dir)
    assert result["from"] == "beat.mid" and len(result["steps"]) == 3


def test_humanize_amount_zero_returns_the_input_and_higher_amounts_change_it(in_trained, data_dir):
    source = mechanical(in_trained / "beat.mid")
    unchanged = run_json(["vae", "humanize", "--input", str(source), "--style", "rock", "--amount", "0",
                          "--variations", "2", "--out", "h0"], data_dir)
    original = read_midi(source).pattern
    for variation in unchanged["variations"]:
        assert variation["hits_changed"] == 0 and variation["timing_spread"] == 0.0
        played = read_midi(variation["files"][0]).pattern
        assert np.array_equal(played.hits, original.hits) and np.array_equal(played.velocity, original.velocity)
    changed = run_json(["vae", "humanize", "--input", str(source), "--style", "hiphop", "--amount", "1",
                        "--variations", "2", "--seed", "1", "--out", "h1"], data_dir)
    first = changed["variations"][0]
    assert first["timing_spread"] > 0 and first["velocity_range"][0] < first["velocity_range"][1]
    played = read_midi(first["files"][0]).pattern
    assert np.abs(played.offset[played.hits]).max() > 0  # the MIDI carries the micro-timing
    from_style = run_json(["vae", "humanize", "--style", "jazz", "--variations", "1", "--out", "h2"], data_dir)
    assert from_style["feel"] == "jazz" and from_style["input"] is None


def one_bar_jazz_loop(path):
    """Ride "ding, ding-da-ding", hi-hat foot on 2 and 4, a feathered kick on the downbeat and a comping snare."""
    hits = np.zeros((16, 9), dtype=bool)
    hits[[0, 4, 7, 8, 12, 15], 7] = hits[[4, 12], 2] = hits[0, 0] = hits[10, 1] = True
    return write_midi(path, DrumPattern.from_hits(hits, velocity=80), bpm=132)


def test_humanizing_keeps_the_notes_unless_pattern_variations_are_asked_for(in_trained, data_dir):
    loop = one_bar_jazz_loop(in_trained / "jazz-loop.mid")
    original = read_midi(loop).pattern
    kept = run_json(["vae", "humanize", "--input", str(loop), "--style", "jazz", "--amount", "1", "--variations",
                     "6", "--out", "keep"], data_dir)
    assert kept["vary_pattern"] is False and kept["groove"] is None
    for variation in kept["variations"]:
        played = read_midi(variation["files"][0]).pattern
        assert variation["hits_changed"] == 0 and np.array_equal(played.hits, original.hits)
        assert played.hits[0, 0] and played.hits[0, 7]  # the downbeat kick and ride are there in every variation
        assert variation["timing_spread"] > 0  # the feel did change
    varied = run_json(["vae", "humanize", "--input", str(loop), "--style", "jazz", "--amount", "1", "--variations",
                       "6", "--vary-pattern", "--out", "vary"], data_dir)
    assert varied["vary_pattern"] is True and sum(v["hits_changed"] for v in varied["variations"]) > 0


def test_humanize_plays_with_a_learned_groove(in_trained, data_dir):
    made = invoke(["data", "performances", "--out", "perf", "--performer", "laid-back", "--performer", "tight",
                   "--files", "6", "--bars", "2"], data_dir)
    assert made.exit_code == 0, made.output
    trained = invoke(["groove", "train", "--midi-dir", "perf", "--preset", "quick", "--epochs", "2", "--batch-size",
                      "4", "--out", "groove-run", "--device", "cpu", "-q"], data_dir)
    assert trained.exit_code == 0, trained.output
    loop = one_bar_jazz_loop(in_trained / "loop.mid")
    result = run_json(["vae", "humanize", "--input", str(loop), "--groove", "groove-run", "--performer", "tight",
                       "--amount", "1", "--variations", "2", "--out", "grooved"], data_dir)
    assert result["feel"] == "tight" and result["groove"] == "groove-run" and result["bpm"] == pytest.approx(132)
    for variation in result["variations"]:
        played = read_midi(variation["files"][0])
        assert np.array_equal(played.pattern.hits, read_midi(loop).pattern.hits)
        assert played.bpm == pytest.approx(132, abs=0.01) and variation["timing_spread"] > 0
    unnamed = invoke(["vae", "humanize", "--input", str(loop), "--groove", "groove-run"], data_dir)
    assert unnamed.exit_code == 2 and "choose one with --performer" in unnamed.stderr
    alone = invoke(["vae", "humanize", "--input", str(loop), "--performer", "tight"], data_dir)
    assert alone.exit_code == 2 and "add --groove RUN" in alone.stderr


def test_humanize_and_transfer_keep_the_inputs_tempo_and_the_genres_velocities(in_trained, data_dir):
    from gentool.drums.feel import Feel
    from gentool.runtime.context import RunContext
    from gentool.vae.trained import open_studio

    hits = np.zeros((32, 9), dtype=bool)
    hits[[0, 8, 16, 24], 0] = hits[[4, 12, 20, 28], 1] = hits[::2, 2] = True
    quiet = write_midi(in_trained / "quiet.mid", DrumPattern(hits, np.ones(hits.shape), np.zeros(hits.shape)), bpm=97)
    result = run_json(["vae", "humanize", "--input", str(quiet), "--style", "rock", "--amount", "0.5",
                       "--variations", "3", "--out", "tempo"], data_dir)
    written = [result["input_files"][0]] + [v["files"][0] for v in result["variations"]]
    assert result["bpm"] == 97 and all(read_midi(path).bpm == pytest.approx(97, abs=0.01) for path in written)
    feel = Feel.of(open_studio(RunContext(requested_device="cpu", data_dir=data_dir), None)[1].dataset, "rock")
    for variation in result["variations"]:
        played = read_midi(variation["files"][0]).pattern
        columns = np.nonzero(played.hits)[1]
        velocities = played.velocity[played.hits]
        assert (velocities >= feel.velocity_low[columns]).all() and (velocities <= feel.velocity_high[columns]).all()
        assert velocities.min() > 1  # the input's inaudible velocity 1 is not kept
    faster = run_json(["vae", "humanize", "--input", str(quiet), "--style", "rock", "--bpm", "130",
                       "--variations", "1", "--out", "tempo130"], data_dir)
    assert read_midi(faster["variations"][0]["files"][0]).bpm == pytest.approx(130, abs=0.01)
    moved = run_json(["vae", "transfer", "--content", str(quiet), "--style", "latin", "--out", "t97"], data_dir)
    assert moved["bpm"] == 97 and all(read_midi(f).bpm == pytest.approx(97, abs=0.01)
                                      for f in moved["files"] if f.endswith(".mid"))
    np.save(in_trained / "beat.npy", hits)
    flat = run_json(["vae", "transfer", "--content", "beat.npy", "--style", "latin", "--out", "t110"], data_dir)
    assert flat["bpm"] == 110


def test_humanize_on_damaged_midi_files_plays_them_or_refuses_them_by_name(in_trained, data_dir):
    from midi_mutants import mutant

    outcomes = []
    for seed in (1, 3, 5, 8, 11, 23, 42, 58, 77, 101):  # a mix of damages (tests/midi_mutants.py)
        path = in_trained / f"mutant{seed}.mid"
        path.write_bytes(mutant(seed)[0])
        result = invoke(["vae", "humanize", "--input", str(path), "--variations", "1", "--out", f"m{seed}", "-q"],
                        data_dir)
        assert result.exit_code in (0, 2) and "Traceback" not in result.output, result.output
        if result.exit_code == 2:
            assert len(result.stderr.strip().splitlines()) == 1 and str(path) in result.stderr, result.stderr
        outcomes.append(result.exit_code)
    assert 0 in outcomes and 2 in outcomes  # both kinds were tried


def test_transfer_and_complexity_report_their_measurements(in_trained, data_dir):
    moved = run_json(["vae", "transfer", "--content", "rock", "--style", "latin", "--count", "10", "--out", "t"],
                     data_dir)
    assert moved["bars"] == 10 and 0 <= moved["rhythm_preservation"] <= 1 and 0 <= moved["style_success"] <= 1
    assert moved["mode"] == "replace" and len(moved["classified_as"]) == 10
    swept = run_json(["vae", "complexity", "--style", "rock", "--levels", "4", "--out", "c"], data_dir)
    assert len(swept["expected_density"]) == 4 and swept["monotonic"] == all(
        b >= a for a, b in zip(swept["expected_density"], swept["expected_density"][1:]))


@pytest.mark.parametrize("args, words", [
    (["vae", "blend", "jazz", "rokc"], "unknown genre 'rokc' (did you mean 'rock'?); known genres"),
    (["vae", "interpolate", "--from", "jaz", "--to", "rock"], "neither a genre (did you mean 'jazz'?) nor a pattern"),
    (["vae", "humanize", "--style", "rock", "--amount", "1.5"], "--amount must be between 0 and 1"),
    (["vae", "humanize"], "give --input PATTERN.mid or --style GENRE"),
    (["vae", "blend", "jazz", "rock", "--ratios", "0,2"], "blend ratios must lie between 0 and 1"),
    (["vae", "transfer", "--content", "rock", "--style", "latin", "--mode", "swap"], "unknown transfer mode"),
])
def test_creative_commands_reject_bad_input(in_trained, data_dir, args, words):
    result = invoke(args, data_dir)
    assert result.exit_code == 2, result.output
    assert words in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("command", [["vae", "blend", "jazz", "rock"], ["vae", "complexity", "--style", "rock"],
                                     ["vae", "humanize", "--style", "rock"]])
def test_without_a_trained_run_the_message_says_how_to_train_one(command, data_dir):
    result = invoke(command, data_dir)
    assert result.exit_code == 2 and "train one with `gentool vae train`" in result.stderr


def test_the_commands_are_library_calls_with_views_that_read_their_results(trained, data_dir, tmp_path):
    from pathlib import Path

    from gentool.runtime.context import RunContext
    from gentool.vae import sessions
    from gentool.views.vae import blend_lines, humanize_lines

    ctx = RunContext(requested_device="cpu", data_dir=data_dir)
    run = trained / "runs" / "tiny"
    result = sessions.blend(ctx, run, tmp_path / "b", first="jazz", second="rock", ratio=None, ratios="0,1", n=1,
                            bars=2, temperature=0.5, bpm=100.0, seed=4)
    assert [b["ratio"] for b in result["blends"]] == [0.0, 1.0] and Path(result["json"]).is_file()
    lines = blend_lines(result)
    assert lines[0].startswith("1.00 jazz + 0.00 rock: jazz") and lines[-1].endswith(str(tmp_path / "b"))
    typical = sessions.typical_bar(sessions.open_studio(ctx, run)[1], "rock")
    assert typical.bars == 2 and typical.hits.any()  # the style's most likely bar, played twice
    humanized = sessions.humanize(ctx, run, tmp_path / "h", input_=None, style="rock", amount=0.0, variations=1,
                                  bpm=100.0, seed=0)
    assert humanized["variations"][0]["hits_changed"] == 0 and "0 hits changed" in humanize_lines(humanized)[0]
