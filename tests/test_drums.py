"""Drum patterns: grammar, MIDI and WAV in and out, metrics that can fail, the dataset and its commands."""

import json
import warnings
import wave

import mido
import numpy as np
import pytest
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.config import build_config
from gentool.datasets.drums import DrumDataConfig, load_drum_dataset
from gentool.drums.genres import GENRES, generate_phrase
from gentool.drums.pattern import CLOSED_HAT, INSTRUMENTS, KICK, OPEN_HAT, RIDE, SNARE
from gentool.errors import ConfigError, UsageError
from gentool.evaluate import drum_metrics as metrics
from gentool.evaluate.drum_baselines import baseline_report
from gentool.evaluate.genres import GenreClassifierSettings, load_genre_classifier
from gentool.io.audio import SAMPLE_RATE, write_wav
from gentool.io.midi import PITCH_TO_CLASS, read_midi, write_midi
from gentool.io.pattern_files import load_pattern_file

runner = CliRunner()
SMALL = {"phrases_per_genre": 30, "bars_per_phrase": 4}


def bar(**instruments) -> np.ndarray:
    hits = np.zeros((16, 9), dtype=bool)
    for name, steps in instruments.items():
        hits[list(steps), INSTRUMENTS.index(name)] = True
    return hits


ROCK_BEAT = bar(kick=[0, 8], snare=[4, 12], closed_hat=range(0, 16, 2))


# ------------------------------------------------------------------------------------------- grammar and files

def test_grammar_is_deterministic_and_genres_keep_their_signatures():
    first = generate_phrase("rock", np.random.default_rng(3))
    again = generate_phrase("rock", np.random.default_rng(3))
    assert np.array_equal(first.hits, again.hits) and np.array_equal(first.offset, again.offset)
    rng = np.random.default_rng(0)
    electronic = np.stack([generate_phrase("electronic", rng).hits for _ in range(20)])
    assert electronic[:, 0::4, KICK].all()  # four on the floor, every beat of every bar
    jazz = np.stack([generate_phrase("jazz", rng).hits for _ in range(20)])
    assert jazz[:, 0::16, RIDE].all() and jazz[:, 4::16, CLOSED_HAT].all()  # ride on one, hi-hat foot on two
    for genre in GENRES:  # a hi-hat is never open and closed at once
        phrase = generate_phrase(genre, rng)
        assert not (phrase.hits[:, CLOSED_HAT] & phrase.hits[:, OPEN_HAT]).any()
        assert (phrase.velocity[phrase.hits] >= 1).all() and (phrase.velocity[~phrase.hits] == 0).all()


def test_genre_feel_is_ground_truth_in_the_timing():
    rng = np.random.default_rng(1)
    hiphop = [generate_phrase("hiphop", rng) for _ in range(30)]
    lay_back = np.concatenate([p.offset[p.hits[:, SNARE] & (np.arange(64) % 8 == 4), SNARE] for p in hiphop])
    electronic = [generate_phrase("electronic", rng) for _ in range(30)]
    tight = np.concatenate([p.offset[p.hits] for p in electronic])
    assert lay_back.mean() > 0.05 and np.abs(tight).mean() < 0.02


@pytest.mark.parametrize("genre", GENRES)
def test_midi_round_trip_keeps_hits_velocity_and_timing(genre, tmp_path):
    pattern = generate_phrase(genre, np.random.default_rng(7))
    path = write_midi(tmp_path / "p.mid", pattern, bpm=93)
    back = read_midi(path).pattern
    assert np.array_equal(back.hits, pattern.hits) and np.array_equal(back.velocity, pattern.velocity)
    error = np.abs(back.offset - pattern.offset)
    error[0] = 0  # an early hit on the file's first step is written at tick 0
    assert error.max() <= 1 / 240 + 1e-6  # half a tick at 120 ticks per step
    midi = mido.MidiFile(str(path))
    assert {m.channel for m in midi.tracks[0] if m.type == "note_on"} == {9}
    tempo = next(m.tempo for m in midi.tracks[0] if m.type == "set_tempo")
    assert round(mido.tempo2bpm(tempo)) == 93


def write_drum_file(path, notes, ticks_per_beat=96, channel=9):
    """notes: (beat position, pitch, velocity); a type-1 file with the drums on their own track."""
    events = []
    for beat, pitch, velocity in notes:
        tick = round(beat * ticks_per_beat)
        events += [(tick, "note_on", pitch, velocity), (tick + 10, "note_off", pitch, 0)]
    track = mido.MidiTrack()
    now = 0
    for tick, kind, pitch, velocity in sorted(events):
        track.append(mido.Message(kind, channel=channel, note=pitch, velocity=velocity, time=tick - now))
        now = tick
    tempo_track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(140))])
    mido.MidiFile(type=1, ticks_per_beat=ticks_per_beat, tracks=[tempo_track, track]).save(str(path))


def test_reading_another_resolution_quantises_and_keeps_the_offset(tmp_path):
    notes = [(0, 36, 100), (1.02, 38, 90), (2, 36, 110), (3.0, 40, 80), (4.5, 42, 70), (5.25, 39, 60)]
    write_drum_file(tmp_path / "a.mid", notes)
    result = read_midi(tmp_path / "a.mid")
    pattern = result.pattern
    assert pattern.bars == 2
    assert pattern.hits[0, KICK] and pattern.hits[8, KICK] and pattern.hits[4, SNARE] and pattern.hits[12, SNARE]
    assert pattern.offset[4, SNARE] == pytest.approx(0.08, abs=0.02)  # 1.02 beats = step 4 + 0.08
    assert pattern.hits[18, CLOSED_HAT] and pattern.hits[21, INSTRUMENTS.index("clap")]
    assert pattern.velocity[12, SNARE] == 80  # 40 (electric snare) maps to snare


def write_loop(path, ticks, end_tick, ticks_per_beat=96, bpm=97):
    """Kick notes at the given ticks; the end-of-track at end_tick (the loop's length)."""
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm))])
    now = 0
    for tick in ticks:
        track.append(mido.Message("note_on", channel=9, note=36, velocity=100, time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=end_tick - now))
    mido.MidiFile(type=0, ticks_per_beat=ticks_per_beat, tracks=[track]).save(str(path))


def test_a_hit_rounding_past_the_loops_end_stays_in_its_bar(tmp_path):
    per_step = 24  # 96 ticks per beat
    last = round(15.5 * per_step)  # a 32nd before the end of a one-bar loop: rounds to step 16
    write_loop(tmp_path / "one.mid", [0, 8 * per_step, last], end_tick=16 * per_step)
    pattern = read_midi(tmp_path / "one.mid").pattern
    assert pattern.bars == 1 and pattern.hits[15, KICK] and pattern.offset[15, KICK] == pytest.approx(0.49)
    assert pattern.hits[:, KICK].sum() == 3  # the downbeat is not overwritten
    write_loop(tmp_path / "two.mid", [0, 8 * per_step, last], end_tick=32 * per_step)  # the next bar exists
    pattern = read_midi(tmp_path / "two.mid").pattern
    assert pattern.bars == 2 and pattern.hits[16, KICK] and pattern.offset[16, KICK] == pytest.approx(-0.49)
    write_loop(tmp_path / "on.mid", [0, 16 * per_step], end_tick=16 * per_step)  # on the line: the next bar's one
    assert read_midi(tmp_path / "on.mid").pattern.bars == 2
    write_loop(tmp_path / "short.mid", [0, last], end_tick=last)  # the track ends with its last note
    assert read_midi(tmp_path / "short.mid").pattern.bars == 1


def test_the_files_tempo_is_read_and_a_tempo_of_zero_refused(tmp_path):
    write_loop(tmp_path / "a.mid", [0], 96 * 4, bpm=97)
    assert read_midi(tmp_path / "a.mid").bpm == pytest.approx(97, abs=0.01)
    track = mido.MidiTrack([mido.Message("note_on", channel=9, note=36, velocity=100)])
    mido.MidiFile(type=0, tracks=[track]).save(str(tmp_path / "plain.mid"))
    assert read_midi(tmp_path / "plain.mid").bpm == 120.0  # MIDI's default when a file sets no tempo
    track.insert(0, mido.MetaMessage("set_tempo", tempo=0))
    mido.MidiFile(type=0, tracks=[track]).save(str(tmp_path / "zero.mid"))
    with pytest.raises(UsageError, match="zero.mid' sets a tempo of 0 microseconds per beat"):
        read_midi(tmp_path / "zero.mid")
    (tmp_path / "huge.mid").write_bytes(b"MThd" + bytes(5 * 2**20))
    with pytest.raises(UsageError, match=r"huge.mid' is 5.0 MB; gentool reads drum MIDI files of at most 4 MB"):
        read_midi(tmp_path / "huge.mid")
    rendered = runner.invoke(app, ["data", "render-drums", str(tmp_path / "a.mid"), "--out", str(tmp_path / "r"),
                                   "--json"])
    assert rendered.exit_code == 0 and json.loads(rendered.stdout)["bpm"] == pytest.approx(97, abs=0.01)
    assert read_midi(tmp_path / "r" / "a.mid").bpm == pytest.approx(97, abs=0.01)  # written at the input's tempo


def test_gm_map_covers_the_documented_choices():
    assert PITCH_TO_CLASS[39] == INSTRUMENTS.index("clap")
    assert PITCH_TO_CLASS[47] == INSTRUMENTS.index("low_tom") and PITCH_TO_CLASS[48] == INSTRUMENTS.index("high_tom")
    assert PITCH_TO_CLASS[56] == INSTRUMENTS.index("ride") and PITCH_TO_CLASS[35] == KICK


def test_wav_is_audible_and_as_long_as_the_pattern(tmp_path):
    pattern = generate_phrase("rock", np.random.default_rng(0))
    path = write_wav(tmp_path / "p.wav", pattern, bpm=120)
    with wave.open(str(path)) as handle:
        frames = np.frombuffer(handle.readframes(handle.getnframes()), dtype="<i2")
        assert handle.getframerate() == SAMPLE_RATE and handle.getnchannels() == 1
    assert len(frames) / SAMPLE_RATE == pytest.approx(8.0 + 1.5, abs=0.01)  # 4 bars at 120 bpm + decay tail
    assert np.abs(frames).max() > 10000


def test_pattern_files_and_their_errors(tmp_path):
    np.save(tmp_path / "ok.npy", np.stack([ROCK_BEAT, ROCK_BEAT]).astype(np.uint8))
    assert load_pattern_file(tmp_path / "ok.npy").bars == 2
    np.save(tmp_path / "wrong.npy", np.zeros((12, 9)))
    with pytest.raises(UsageError, match=r"shape \(12, 9\); a drum pattern is \(16 x bars, 9\)"):
        load_pattern_file(tmp_path / "wrong.npy")
    (tmp_path / "fake.mid").write_text("not midi at all")
    with pytest.raises(UsageError, match="is not a readable MIDI file"):
        load_pattern_file(tmp_path / "fake.mid")
    with pytest.raises(UsageError, match="not a pattern file gentool reads"):
        load_pattern_file(tmp_path / "ok.txt") if (tmp_path / "ok.txt").write_text("x") else None


# ----------------------------------------------------------------------------------------------------- metrics

def test_metrics_on_patterns_with_known_answers():
    assert metrics.density(ROCK_BEAT)[0] == pytest.approx(12 / 144)
    assert metrics.syncopation(bar(kick=[0, 4, 8, 12]))[0] == 0.0  # on the beat: nothing syncopated
    offbeat = metrics.syncopation(bar(kick=[3, 7, 11, 15]))[0]
    assert 0 < offbeat <= 1 and offbeat > metrics.syncopation(bar(kick=[0, 3, 8]))[0]
    assert metrics.symmetry(ROCK_BEAT)[0] == 1.0 and metrics.symmetry(bar(kick=[0]))[0] == 0.0
    assert np.isnan(metrics.symmetry(bar())[0])
    assert metrics.groove_consistency(np.stack([ROCK_BEAT, ROCK_BEAT])) == 1.0
    assert metrics.groove_consistency(np.stack([bar(kick=[0]), bar(snare=[4])])) == 0.0
    assert metrics.validity(ROCK_BEAT)[0]
    checks = metrics.validity_checks(bar(closed_hat=[0, 2], open_hat=[2], kick=[0], snare=[4]))
    assert not checks["hi_hat"][0] and not checks["timekeeping"][0]
    assert metrics.diversity(np.stack([ROCK_BEAT] * 3)) == 0.0
    assert metrics.novelty(ROCK_BEAT, np.stack([ROCK_BEAT])) == 0.0


def test_metrics_separate_real_from_random_and_collapsed(data_dir):
    dataset = load_drum_dataset(build_config(DrumDataConfig, SMALL), data_dir)
    classifier = load_genre_classifier(dataset, data_dir, settings=GenreClassifierSettings(source="local", epochs=30))
    report = baseline_report(dataset, classifier)
    real, random, collapsed = report["real"], report["random"], report["collapsed"]
    assert real["validity"] > 0.9 and random["validity"] < 0.3
    assert real["genre_accuracy"] > 0.9 and random["genre_accuracy"] < 0.5
    assert real["diversity"] > 0.05 and collapsed["diversity"] == 0.0
    assert random["novelty"] > real["novelty"]
    assert classifier.report["held_out_accuracy"] >= 0.9


# ----------------------------------------------------------------------------------------------------- dataset

def test_dataset_is_balanced_deterministic_cached_and_split_by_phrase(data_dir, tmp_path):
    config = build_config(DrumDataConfig, SMALL)
    dataset = load_drum_dataset(config, data_dir)
    assert np.bincount(dataset.genre).tolist() == [30 * 4] * 5
    train_phrases = set(dataset.phrase[~dataset.is_val].tolist())
    assert train_phrases and not train_phrases & set(dataset.phrase[dataset.is_val].tolist())
    again = load_drum_dataset(config, data_dir)
    assert not again.built and np.array_equal(again.hits, dataset.hits)
    elsewhere = load_drum_dataset(config, tmp_path)
    assert elsewhere.built and np.array_equal(elsewhere.offset, dataset.offset)
    other = load_drum_dataset(build_config(DrumDataConfig, {**SMALL, "seed": 1}), data_dir)
    assert other.fingerprint != dataset.fingerprint and not np.array_equal(other.hits, dataset.hits)
    assert (dataset.path / "preview.png").is_file() and (dataset.path / "examples" / "latin.wav").is_file()


def test_unknown_genre_is_a_config_error():
    with pytest.raises(ConfigError, match=r"unknown genre 'rokc' \(did you mean 'rock'\?\); known genres: rock"):
        build_config(DrumDataConfig, {"genres": ["rokc"]})


def test_midi_import_skips_bad_files_by_name_and_keeps_the_good(tmp_path, data_dir):
    root = tmp_path / "midi"
    (root / "rock").mkdir(parents=True)
    (root / "funk").mkdir()
    write_drum_file(root / "rock" / "good.mid", [(b, 36, 100) for b in range(8)] + [(b + 1, 38, 90) for b in (0, 2)])
    write_drum_file(root / "rock" / "piano.mid", [(0, 60, 80)], channel=0)
    write_drum_file(root / "rock" / "empty.mid", [])
    (root / "rock" / "broken.mid").write_bytes(b"MThd\x00\x00\x00\x06\x00")
    write_drum_file(root / "funk" / "groove.mid", [(0, 36, 100)])
    write_drum_file(root / "loose.mid", [(0, 36, 100)])
    config = build_config(DrumDataConfig, {"grammar": False, "midi_dirs": [str(root)], "val_fraction": 0.0})
    dataset = load_drum_dataset(config, data_dir)
    assert len(dataset.phrases) == 1 and dataset.phrases[0]["source"].endswith("good.mid")
    assert dataset.bar.tolist() == [0, 1] and set(dataset.genre.tolist()) == {GENRES.index("rock")}
    reasons = {record["file"].split("/")[-1]: record["reason"] for record in dataset.skipped}
    assert set(reasons) == {"piano.mid", "empty.mid", "broken.mid", "groove.mid", "loose.mid"}
    assert "no drum notes on channel 10" in reasons["piano.mid"] and "no drum notes" in reasons["empty.mid"]
    assert "not a readable MIDI file" in reasons["broken.mid"]
    assert "'funk' is not a known genre" in reasons["groove.mid"]
    assert "not in a genre sub-folder" in reasons["loose.mid"]

    (root / "rock" / "good.mid").unlink()
    with pytest.raises(UsageError, match="no usable drum patterns: all 5 MIDI files were skipped"):
        load_drum_dataset(config, data_dir)


def test_a_small_import_says_what_it_imported_and_gives_no_figure_on_too_few_bars(tmp_path, data_dir):
    root = tmp_path / "midi"
    for genre, count in (("rock", 3), ("jazz", 1)):
        (root / genre).mkdir(parents=True)
        for number in range(count):
            write_midi(root / genre / f"{genre}{number}.mid",
                       generate_phrase(genre, np.random.default_rng(number), bars=1 + number % 2))
    (root / "rock" / "broken.mid").write_bytes(b"MThd\x00")
    args = ["data", "drums", "--no-grammar", "--midi-dir", str(root)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = invoke(args, data_dir)
        as_json = json.loads(invoke([*args, "--json"], data_dir).stdout)
    assert result.exit_code == 0, result.output
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], [str(w.message) for w in caught]
    assert "imported from --midi-dir: 4 files, 5 bars (rock 3 files, 4 bars; jazz 1 file, 1 bar); 1 file skipped" \
        in result.stdout
    assert "nan" not in result.stdout.lower() and "100.0%" not in result.stdout
    assert "genre classifier: not measured: 1 held-out bar, fewer than the 20" in result.stdout
    assert as_json["imported"] == {"rock": {"files": 3, "bars": 4}, "jazz": {"files": 1, "bars": 1}}
    assert as_json["genre_classifier"]["held_out_accuracy"] is None
    assert all(b["genre_accuracy"] is None for b in as_json["baselines"].values())


# ---------------------------------------------------------------------------------------------------- commands

def invoke(args, data_dir):
    return runner.invoke(app, args, env={"GENTOOL_DATA_DIR": str(data_dir)})


def test_data_drums_command_json(data_dir):
    result = invoke(["data", "drums", "--phrases-per-genre", "30", "--json"], data_dir)
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert set(stats["genres"]) == set(GENRES) and stats["baselines"]["random"]["validity"] < 0.3
    assert stats["genre_classifier"]["held_out_accuracy"] >= 0.9


def test_render_drums_writes_midi_wav_png(data_dir, tmp_path):
    np.save(tmp_path / "beat.npy", ROCK_BEAT.astype(np.uint8))
    result = invoke(["data", "render-drums", str(tmp_path / "beat.npy"), "--out", str(tmp_path / "out"), "--json"],
                    data_dir)
    assert result.exit_code == 0, result.output
    files = json.loads(result.stdout)["files"]
    assert [f.rsplit(".", 1)[1] for f in files] == ["mid", "wav", "png"]
    assert np.array_equal(read_midi(files[0]).pattern.hits, ROCK_BEAT)


@pytest.mark.parametrize("args, words", [
    (["data", "drums", "--genres", "rock,jaz"], "unknown genre 'jaz' (did you mean 'jazz'?)"),
    (["data", "drums", "--midi-dir", "missing-folder"], "is not a folder"),
    (["data", "drums", "--no-grammar"], "the grammar is off and no --midi-dir was given"),
    (["data", "drums", "--phrases-per-genre", "-1"], "must be >= 0"),
    (["data", "render-drums", "nope.mid"], "does not exist"),
])
def test_drum_commands_reject_bad_input(args, words, data_dir):
    result = invoke(args, data_dir)
    assert result.exit_code == 2, result.output
    assert words in result.stderr and "Traceback" not in result.output and len(result.stderr.splitlines()) == 1


def test_empty_midi_folder_and_wrong_shape_file(tmp_path, data_dir):
    (tmp_path / "empty").mkdir()
    result = invoke(["data", "drums", "--midi-dir", str(tmp_path / "empty")], data_dir)
    assert result.exit_code == 2 and "holds no .mid or .midi files" in result.stderr
    np.save(tmp_path / "bad.npy", np.zeros((16, 8)))
    result = invoke(["data", "render-drums", str(tmp_path / "bad.npy")], data_dir)
    assert result.exit_code == 2 and "shape (16, 8)" in result.stderr
