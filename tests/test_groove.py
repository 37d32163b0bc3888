"""The learned groove: synthetic performers read back through the importer, the measurements (shown to fail), the
model beating its baselines and recovering each performer's swing and push on a small fast configuration, resume,
`groove apply` output as a MIDI player reads it, and the full performer benchmark behind `slow`."""

from __future__ import annotations

import json
from pathlib import Path

import mido
import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.drums.pattern import CLOSED_HAT, KICK, SNARE, DrumPattern
from gentool.evaluate import groove_metrics as gm
from gentool.groove.config import build_groove_config, resolve_groove_config
from gentool.groove.data import load_groove_data
from gentool.groove.family import GROOVE
from gentool.groove.measure import measure_performer
from gentool.groove.performers import performer_named, write_performances
from gentool.groove.trained import load_groove
from gentool.io.midi import write_midi
from gentool.runtime.checkpoint import load_checkpoint
from gentool.runtime.rundir import RunDir
from gentool.views.groove import measure_markdown, measure_view

from helpers import StopAfter, assert_tables_fit_80_columns, at_80_columns, cpu_context, resume, start

runner = CliRunner()
# swing within this many percentage points and pushes within this many ms of the stated feel: the fast
# configuration's tolerances (the slow benchmark states its own, tighter ones)
FAST_SWING_POINTS, FAST_PUSH_MS = 2.5, 5.0
SMALL = {"device": "cpu", "drums": {"grammar": False, "val_fraction": 0.25},
         "model": {"hidden": 24, "embedding": 4}, "train": {"epochs": 25, "batch_size": 16, "checkpoint_every": 5},
         "optim": {"lr": 0.01}}


def invoke(args, data_dir):
    return runner.invoke(app, args, env={"GENTOOL_DATA_DIR": str(data_dir)})


def small_config(folder: Path, **changes) -> dict:
    config = {**SMALL, "drums": {**SMALL["drums"], "midi_dirs": [str(folder)]}}
    for key, value in changes.items():
        config[key] = {**config.get(key, {}), **value}
    return config


@pytest.fixture(scope="module")
def performances(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("performances")
    write_performances(folder, ["laid-back", "pusher"], files=16, bars=4, seed=3)
    return folder


@pytest.fixture(scope="module")
def trained(performances, data_dir, tmp_path_factory) -> RunDir:
    run = RunDir(tmp_path_factory.mktemp("groove") / "run")
    outcome = start(GROOVE, build_groove_config(small_config(performances)), run, data_dir)
    assert outcome.status == "completed"
    return run


# ------------------------------------------------------------------------------------------------ measurements

def test_groove_measurements_can_fail():
    rng = np.random.default_rng(0)
    same = rng.normal(0, 5, 2000)
    assert gm.overlapping_area(same, rng.normal(0, 5, 2000), 1.0) > 0.9
    assert gm.overlapping_area(same, rng.normal(40, 5, 2000), 1.0) < 0.01
    assert gm.overlapping_area(np.zeros(100), same, 1.0) < 0.4  # a spike at the mean is not the spread
    hits = np.zeros((4, 16, 9), dtype=bool)
    hits[:, :, CLOSED_HAT] = True
    straight = np.zeros(hits.shape)
    swung = straight.copy()
    swung[:, 1::2, CLOSED_HAT] = 0.16  # the second 16th of each pair at 58% of the pair
    assert gm.swing_percent(straight, hits) == 50.0 and gm.swing_percent(swung, hits) == pytest.approx(58.0)
    bpm = np.full(4, 100.0)  # a 16th is 150 ms
    assert gm.timing_mae_ms(swung, straight, hits, bpm) == pytest.approx(0.16 * 150 / 2)
    hits[:, [4, 12], SNARE] = True
    late = np.zeros(hits.shape)
    late[:, [4, 12], SNARE] = 20 / 150
    assert gm.pushes_ms(late, hits, bpm)["snare_push_ms"] == pytest.approx(20.0)


def test_performers_read_back_through_the_importer_play_their_stated_feel(performances, data_dir):
    data = load_groove_data(build_groove_config(small_config(performances)), cpu_context(data_dir))
    assert data.performers == ["laid-back", "pusher"] and len(data.train) + len(data.val) == 2 * 16 * 4
    for name in data.performers:
        stated, bars = performer_named(name), data.train.of(name)
        assert set(np.unique(bars.bpm)) <= {84.0, 92.0, 100.0, 108.0, 116.0, 124.0}
        assert gm.swing_percent(bars.offset, bars.hits) == pytest.approx(stated.swing, abs=1.0)
        pushes = gm.pushes_ms(bars.offset, bars.hits, bars.bpm)
        assert pushes["snare_push_ms"] == pytest.approx(stated.snare_ms, abs=2.0)
        assert pushes["kick_push_ms"] == pytest.approx(stated.kick_ms, abs=2.0)


# ------------------------------------------------------------------------------------------------------ model

def test_a_small_fast_groove_beats_every_baseline_and_recovers_each_performers_feel(trained):
    summary = json.loads((trained.path / "summary.json").read_text())
    report = json.loads((trained.path / "groove_measure.json").read_text())
    assert summary["groove"] == report and summary["performers"] == ["laid-back", "pusher"]
    for name, figures in report["performers"].items():
        stated, groove = performer_named(name), figures["methods"]["groove"]
        for figure in ("timing_mae_ms", "velocity_mae"):
            assert figures["margins"][figure]["lower_by"] >= 0.2, (name, figure, figures["margins"])
        assert groove["swing"] == pytest.approx(stated.swing, abs=FAST_SWING_POINTS)
        assert groove["snare_push_ms"] == pytest.approx(stated.snare_ms, abs=FAST_PUSH_MS)
        assert groove["kick_push_ms"] == pytest.approx(stated.kick_ms, abs=FAST_PUSH_MS)
        assert groove["timing_oa"] > max(figures["methods"][b]["timing_oa"] for b in ("quantised", "instrument_mean"))


def test_a_groove_of_one_performer_does_not_claim_anothers_feel(performances, trained, data_dir, tmp_path):
    only = tmp_path / "only"
    write_performances(only, ["laid-back"], files=16, bars=4, seed=3)
    run = RunDir(tmp_path / "laid-back")
    start(GROOVE, build_groove_config(small_config(only)), run, data_dir)
    model, _, performers = load_groove(run.last_checkpoint)
    assert performers == ["laid-back"]
    both = load_groove_data(build_groove_config(small_config(performances)), cpu_context(data_dir))
    figures = measure_performer(model, 0, both.train.of("pusher"), both.val.of("pusher"), torch.device("cpu"), 0)
    groove, played = figures["methods"]["groove"], figures["held_out"]
    assert groove["swing"] > played["swing"] + 4  # it swings as the laid-back drummer does, not straight
    assert groove["snare_push_ms"] > played["snare_push_ms"] + 25  # it drags the snare where the pusher pushes it
    assert groove["timing_mae_ms"] > figures["methods"]["instrument_mean"]["timing_mae_ms"]


def test_an_interrupted_groove_run_resumes_to_the_same_weights(performances, data_dir, tmp_path):
    config = build_groove_config(small_config(performances, train={"epochs": 3, "checkpoint_every": 1}))
    straight = RunDir(tmp_path / "straight")
    start(GROOVE, config, straight, data_dir)
    steps_per_epoch = load_checkpoint(straight.checkpoints / "epoch_0001.pt", "groove")["global_step"]
    broken = RunDir(tmp_path / "broken")
    assert start(GROOVE, config, broken, data_dir, stop=StopAfter(steps_per_epoch + 2)).status == "interrupted"
    torch.manual_seed(99)  # whatever happens between the two processes must not matter
    assert resume(GROOVE, broken, data_dir).status == "completed"
    a, b = load_checkpoint(straight.last_checkpoint, "groove"), load_checkpoint(broken.last_checkpoint, "groove")
    assert all(torch.equal(a["model"][k], b["model"][k]) for k in a["model"])
    assert [r["val_nll"] for r in straight.read_metrics()] == [r["val_nll"] for r in broken.read_metrics()]


# -------------------------------------------------------------------------------------------------- commands

def score_file(path: Path, bpm: float) -> Path:
    hits = np.zeros((32, 9), dtype=bool)
    hits[[0, 8, 16, 24], KICK] = hits[[4, 12, 20, 28], SNARE] = hits[:, CLOSED_HAT] = True
    return write_midi(path, DrumPattern.from_hits(hits), bpm=bpm)


def onsets_as_played(path: Path) -> list[tuple[float, int, int]]:
    """(seconds, note, velocity) of every note-on, as a MIDI player schedules them (mido applies the tempo)."""
    now, notes = 0.0, []
    for message in mido.MidiFile(str(path)):
        now += message.time
        if message.type == "note_on" and message.velocity > 0:
            notes.append((now, message.note, message.velocity))
    return notes


def test_apply_plays_the_score_at_its_tempo_with_the_performers_feel(trained, data_dir, tmp_path):
    score = score_file(tmp_path / "score.mid", bpm=97)
    result = invoke(["groove", "apply", "--run", str(trained.path), "--input", str(score), "--performer",
                     "laid-back", "--temperature", "0", "--out", str(tmp_path / "out"), "--json"], data_dir)
    assert result.exit_code == 0, result.output
    applied = json.loads(result.stdout)
    played_path = Path(applied["performances"][0]["files"][0])
    assert applied["bpm"] == pytest.approx(97) and [Path(f).suffix for f in applied["performances"][0]["files"]] \
        == [".mid", ".wav", ".png"]
    midi = mido.MidiFile(str(played_path))
    assert mido.tempo2bpm(next(m.tempo for m in midi.tracks[0] if m.type == "set_tempo")) == pytest.approx(97)
    step = 60 / 97 / 4
    played = onsets_as_played(played_path)
    written = onsets_as_played(score)
    assert sorted((round(t / step), n) for t, n, _ in played) == sorted((round(t / step), n) for t, n, _ in written)
    snare_late_ms = [1000 * (t - round(t / step) * step) for t, n, _ in played if n == 38]
    assert np.mean(snare_late_ms) == pytest.approx(performer_named("laid-back").snare_ms, abs=FAST_PUSH_MS)
    hats = {round(t / step): t - round(t / step) * step for t, n, _ in played if n == 42}
    lateness = np.mean([hats[s] for s in hats if s % 2]) - np.mean([hats[s] for s in hats if s % 2 == 0])
    assert 50 * (1 + lateness / step) == pytest.approx(58, abs=FAST_SWING_POINTS)
    velocities = [v for _, n, v in played if n == 42]
    assert max(velocities) - min(velocities) > 15  # the hats are accented, not flat at 100


def test_measure_prints_the_table_and_writes_the_json(trained, data_dir):
    (trained.path / "groove_measure.json").unlink()
    result = invoke(["groove", "measure", "--run", str(trained.path), "--json"], data_dir)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert json.loads((trained.path / "groove_measure.json").read_text())["performers"] == report["performers"]
    text = at_80_columns(measure_view(report))
    assert_tables_fit_80_columns(text)
    assert "laid-back: 16 held-out bars" in text and "hand-made" in text and "inst. mean" in text
    markdown = invoke(["groove", "measure", "--run", str(trained.path), "--markdown"], data_dir)
    assert markdown.stdout.startswith("| performer |") and markdown.stdout.count("| pusher |") == 5


def test_data_performances_and_groove_train_from_the_cli(data_dir, tmp_path):
    written = invoke(["data", "performances", "--out", str(tmp_path / "perf"), "--performer", "tight", "--files",
                      "6", "--bars", "2", "--json"], data_dir)
    assert written.exit_code == 0, written.output
    assert sorted(p.name for p in (tmp_path / "perf" / "tight").iterdir())[0] == "tight-001.mid"
    result = invoke(["groove", "train", "--midi-dir", str(tmp_path / "perf"), "--preset", "quick", "--epochs", "2",
                     "--batch-size", "4", "--out", str(tmp_path / "run"), "--device", "cpu", "-q"], data_dir)
    assert result.exit_code == 0, result.output
    assert "tight (" in result.stdout and "groove measure --run" in result.stdout
    resumed = invoke(["groove", "train", "--resume", str(tmp_path / "run"), "--epochs", "3", "-q"], data_dir)
    assert resumed.exit_code == 0 and "3/3 epochs" in resumed.stdout


@pytest.mark.parametrize("args, words", [
    (["groove", "train"], "the grammar is off and no --midi-dir was given"),
    (["groove", "train", "--midi-dir", "PERF", "--set", "drums.val_fraction=0"], "measured on held-out performances"),
    (["groove", "apply", "--input", "SCORE", "--performer", "pushr"], "no performer 'pushr' (did you mean 'pusher'?)"),
    (["groove", "apply", "--input", "SCORE"], "choose one with --performer"),
    (["data", "performances", "--out", "x", "--performer", "drummer"], "unknown performer 'drummer'"),
])
def test_groove_commands_refuse_bad_input_in_one_line(args, words, performances, trained, data_dir, tmp_path):
    score = score_file(tmp_path / "score.mid", bpm=100)
    args = [str(performances) if a == "PERF" else str(score) if a == "SCORE" else a for a in args]
    if args[1] == "apply":
        args += ["--run", str(trained.path)]
    result = invoke(args, data_dir)
    assert result.exit_code == 2, result.output
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_performer_folder_of_one_file_has_nothing_held_out(data_dir, tmp_path):
    write_performances(tmp_path / "one", ["tight"], files=1, bars=4)
    write_performances(tmp_path / "one", ["pusher"], files=4, bars=4)
    result = invoke(["groove", "train", "--midi-dir", str(tmp_path / "one"), "--preset", "quick"], data_dir)
    assert result.exit_code == 2 and "no held-out file for tight" in result.stderr


# ------------------------------------------------------------------------------------------------- the audio

def test_onsets_read_from_a_rendered_wav_are_where_the_pattern_put_them(tmp_path):
    from gentool.evaluate.onsets import detect_onsets
    from gentool.io.audio import read_wav, write_wav

    hits = np.zeros((16, 9), dtype=bool)
    velocity = np.zeros((16, 9))
    offset = np.zeros((16, 9))
    placed = {(0, KICK): (0.0, 110), (2, CLOSED_HAT): (0.08, 60), (4, SNARE): (0.13, 100),
              (6, CLOSED_HAT): (-0.05, 110), (8, KICK): (0.1, 50), (11, CLOSED_HAT): (0.2, 90), (12, SNARE): (-0.1, 40)}
    for (step, instrument), (late, loud) in placed.items():
        hits[step, instrument], velocity[step, instrument], offset[step, instrument] = True, loud, late
    pattern = DrumPattern(hits, velocity, offset)
    samples, rate = read_wav(write_wav(tmp_path / "p.wav", pattern, bpm=100))
    found = detect_onsets(samples, rate)
    expected = sorted((step + late) * 0.15 for (step, _), (late, _) in placed.items())
    assert len(found) == len(expected)
    assert np.abs(np.array([t for t, _ in found]) - expected).max() < 0.001  # within a millisecond
    levels = {round(t / 0.15): level for t, level in found}
    assert levels[6] > levels[2] and levels[4] > levels[12] and levels[0] > levels[8]  # louder hits read louder
    assert detect_onsets(np.zeros(rate), rate) == []  # silence has no onset


# ---------------------------------------------------------------------------------- the performer benchmark

# what the default preset must do on every synthetic performer's held-out files (docs/groove.md gives the figures)
TIMING_MARGIN, VELOCITY_MARGIN = 0.3, 0.5  # MAE at least 30% / 50% below the best baseline's
SWING_POINTS, PUSH_MS = 1.5, 3.0  # swing and pushes within these of the stated feel


def default_run(folder: Path, run: RunDir, data_dir: Path) -> dict:
    """The default preset trained on CPU on the performances in `folder`; returns its summary."""
    config = resolve_groove_config("default", flags={"device": "cpu", "drums.midi_dirs": [str(folder)]})
    return start(GROOVE, config, run, data_dir).summary


@pytest.mark.slow
def test_the_default_groove_on_every_synthetic_performer(data_dir, tmp_path):
    """About 3 minutes on one CPU thread: 4 performers x 40 files x 8 bars with the default preset, then a groove
    of `laid-back` alone played on `pusher`'s held-out scores."""
    write_performances(tmp_path / "perf", seed=0)
    summary = default_run(tmp_path / "perf", RunDir(tmp_path / "run"), data_dir)
    report = summary["groove"]
    print(f"\ntrained in {summary['wall_time_s']:.1f} s\n" + measure_markdown({**report, "json": ""}))
    for name, figures in report["performers"].items():
        stated, groove = performer_named(name), figures["methods"]["groove"]
        print(name, "MAE below the best baseline by", {k: v["lower_by"] for k, v in figures["margins"].items()})
        assert figures["margins"]["timing_mae_ms"]["lower_by"] >= TIMING_MARGIN
        assert figures["margins"]["velocity_mae"]["lower_by"] >= VELOCITY_MARGIN
        assert groove["swing"] == pytest.approx(stated.swing, abs=SWING_POINTS)
        assert groove["snare_push_ms"] == pytest.approx(stated.snare_ms, abs=PUSH_MS)
        assert groove["kick_push_ms"] == pytest.approx(stated.kick_ms, abs=PUSH_MS)

    write_performances(tmp_path / "alone", ["laid-back"], seed=0)
    alone = RunDir(tmp_path / "alone-run")
    default_run(tmp_path / "alone", alone, data_dir)
    model, _, _ = load_groove(alone.last_checkpoint)
    data = load_groove_data(resolve_groove_config("default", flags={"drums.midi_dirs": [str(tmp_path / "perf")]}),
                            cpu_context(data_dir))
    crossed = measure_performer(model, 0, data.train.of("pusher"), data.val.of("pusher"), torch.device("cpu"), 0)
    groove, played = crossed["methods"]["groove"], crossed["held_out"]
    shown = ("timing_mae_ms", "velocity_mae", "swing", "snare_push_ms", "kick_push_ms")
    print("laid-back's groove on pusher's held-out scores:", {key: groove[key] for key in shown},
          "instrument mean:", {key: crossed["methods"]["instrument_mean"][key] for key in shown[:2]},
          "played:", {key: played[key] for key in shown[2:]})
    laid_back = performer_named("laid-back")
    assert groove["swing"] == pytest.approx(laid_back.swing, abs=SWING_POINTS)
    assert groove["snare_push_ms"] == pytest.approx(laid_back.snare_ms, abs=PUSH_MS)
    assert groove["timing_mae_ms"] > crossed["methods"]["instrument_mean"]["timing_mae_ms"]
