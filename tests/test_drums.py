"""Drum patterns: grammar, MIDI and WAV in and out, metrics that can fail, the dataset and its commands."""

import json
import re
import warnings
import wave
from pathlib import Path

import mido
import numpy as np
import pytest
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.config import build_config
from gentool.datasets.config import GENRES
from gentool.datasets.drums import DrumDataConfig, load_drum_dataset
from gentool.drums.genres import generate_phrase
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


def write_timed(path, notes, bpm=100.0, ticks_per_beat=480, metres=()):
    """notes: (seconds, pitch, velocity) at `bpm`; metres: (beat, numerator, denominator) time signatures."""
    seconds_per_tick = 60.0 / bpm / ticks_per_beat
    events = [(round(t / seconds_per_tick), 1, mido.Message("note_on", channel=9, note=p, velocity=v))
              for t, p, v in notes]
    events += [(round(beat * ticks_per_beat), 0, mido.MetaMessage("time_signature", numerator=n, denominator=d))
               for beat, n, d in metres]
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm))])
    now = 0
    for tick, _, message in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(message.copy(time=tick - now))
        now = tick
    mido.MidiFile(type=0, ticks_per_beat=ticks_per_beat, tracks=[track]).save(str(path))
    return path


def test_a_hit_10_ms_early_at_100_bpm_reads_as_its_fraction_of_a_step(tmp_path):
    step = 60 / 100 / 4  # a 16th at 100 BPM: 150 ms
    notes = [(0.0, 36, 100), (4 * step - 0.010, 38, 90), (8 * step + 0.025, 36, 80), (12 * step, 38, 95)]
    result = read_midi(write_timed(tmp_path / "early.mid", notes, bpm=100))
    pattern = result.pattern
    assert result.bpm == pytest.approx(100) and pattern.bars == 1
    assert pattern.hits[4, SNARE] and pattern.offset[4, SNARE] == pytest.approx(-0.010 / step, abs=1 / 480)
    assert pattern.offset[4, SNARE] * step * 1000 == pytest.approx(-10, abs=0.4)  # back to ms at the file's tempo
    assert pattern.offset[8, KICK] == pytest.approx(0.025 / step, abs=1 / 480) and pattern.offset[12, SNARE] == 0


@pytest.mark.parametrize("metre", [(3, 4), (6, 8), (7, 8), (5, 4), (2, 4)])
def test_a_file_in_another_metre_is_refused_not_cut_into_4_4_bars(metre, tmp_path):
    notes = [(beat * 0.6, 36, 100) for beat in range(12)]  # 12 beats at 100 BPM
    path = write_timed(tmp_path / "odd.mid", notes, metres=[(0, *metre)])
    with pytest.raises(UsageError, match=rf"odd.mid' is in {metre[0]}/{metre[1]} from beat 0 .*reads drum files in "
                                         r"4/4, 16 sixteenths a bar"):
        read_midi(path)
    changing = write_timed(tmp_path / "change.mid", notes, metres=[(0, 4, 4), (8, *metre)])
    with pytest.raises(UsageError, match=rf"is in {metre[0]}/{metre[1]} from beat 8"):
        read_midi(changing)


def test_cut_time_and_a_metre_after_the_last_note_are_read_as_4_4(tmp_path):
    notes = [(beat * 0.6, 36, 100) for beat in range(8)]
    cut_time = read_midi(write_timed(tmp_path / "cut.mid", notes, metres=[(0, 2, 2)])).pattern
    plain = read_midi(write_timed(tmp_path / "plain.mid", notes)).pattern
    assert cut_time.bars == plain.bars == 2 and np.array_equal(cut_time.hits, plain.hits)
    late = read_midi(write_timed(tmp_path / "late.mid", notes, metres=[(0, 4, 4), (20, 3, 4)])).pattern
    assert np.array_equal(late.hits, plain.hits)


@pytest.mark.parametrize("bpm", [12.0, 450.0])
def test_a_tempo_render_drums_refuses_is_refused_by_the_import_too(bpm, tmp_path, data_dir):
    root = tmp_path / "midi" / "rock"
    root.mkdir(parents=True)
    path = write_timed(root / "fast.mid", [(0.0, 36, 100)], bpm=bpm)
    rendered = invoke(["data", "render-drums", str(path), "--out", str(tmp_path / "r")], data_dir)
    assert rendered.exit_code == 2 and f"plays at {bpm:g} BPM (its tempo at its first drum note)" in rendered.stderr
    assert "outside the 20-400 BPM" in rendered.stderr
    write_midi(root / "good.mid", generate_phrase("rock", np.random.default_rng(0)))
    config = build_config(DrumDataConfig, {"grammar": False, "midi_dirs": [str(tmp_path / "midi")]})
    dataset = load_drum_dataset(config, data_dir)
    assert [Path(f["file"]).name for f in dataset.files] == ["good.mid"]
    reason = dataset.skipped[0]["reason"]
    assert dataset.skipped[0]["file"].endswith("fast.mid") and rendered.stderr.strip().endswith(reason)


def test_the_tempo_is_the_one_at_the_first_note_so_a_held_first_beat_is_read(tmp_path):
    """A performance's tempo map (as real files have: a first beat held 4.5 s, then about 120 BPM) is read at the
    tempo its notes play in; the grid counts ticks, so the held beat moves no note."""
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=4_510_000),
                            mido.MetaMessage("set_tempo", tempo=500_000, time=480)])
    for _ in range(8):
        track += [mido.Message("note_on", channel=9, note=36, velocity=90), mido.Message("note_off", channel=9,
                                                                                         note=36, time=480)]
    mido.MidiFile(type=0, ticks_per_beat=480, tracks=[track]).save(str(tmp_path / "held.mid"))
    result = read_midi(tmp_path / "held.mid")
    assert result.bpm == pytest.approx(120) and result.pattern.hits[4::4, KICK].sum() == 8


def test_mostly_silent_and_outweighing_files_are_refused_by_name(tmp_path, data_dir):
    root = tmp_path / "midi"
    (root / "rock").mkdir(parents=True)
    bar_seconds = 60 / 100 * 4
    write_timed(root / "rock" / "scattered.mid", [(0.0, 36, 100), (39 * bar_seconds, 36, 100)])
    write_timed(root / "rock" / "count-in.mid", [(bar_seconds + b * 0.6, 36, 100) for b in range(8)])
    for number in range(3):
        write_midi(root / "rock" / f"loop{number}.mid", generate_phrase("rock", np.random.default_rng(number), 2))
    write_midi(root / "rock" / "song.mid", generate_phrase("rock", np.random.default_rng(9), 40))
    (root / "Rock").mkdir()  # a grammar genre's name in capitals is that genre
    write_midi(root / "Rock" / "caps.mid", generate_phrase("rock", np.random.default_rng(5), 1))
    config = {"grammar": False, "midi_dirs": [str(root)], "val_fraction": 0.0}
    dataset = load_drum_dataset(build_config(DrumDataConfig, config), data_dir)
    bars = {Path(f["file"]).name: (f["bars"], f["silent_bars"]) for f in dataset.files}
    assert bars == {"count-in.mid": (2, 1), "loop0.mid": (2, 0), "loop1.mid": (2, 0), "loop2.mid": (2, 0),
                    "caps.mid": (1, 0)}
    assert dataset.genres_present() == ["rock"]
    reasons = {Path(s["file"]).name: s["reason"] for s in dataset.skipped}
    assert reasons["scattered.mid"].startswith("is mostly silent: 38 of its 40 bars hold no hit")
    assert reasons["song.mid"].startswith("gives 40 of the 49 bars of 'rock' (82%; its other 5 files or phrases "
                                          "give 9), more than the 50% one file may give (drums.max_file_share)")
    kept = load_drum_dataset(build_config(DrumDataConfig, {**config, "max_file_share": 1.0}), data_dir)
    assert "song.mid" in {Path(f["file"]).name for f in kept.files}
    result = invoke(["data", "drums", "--no-grammar", "--midi-dir", str(root)], data_dir)
    assert result.exit_code == 0, result.output
    assert re.search(r"loop0.mid: 2 bars at 110 BPM$", result.stdout, re.M)
    assert re.search(r"count-in.mid: 2 bars at 100 BPM, 1 silent dropped$", result.stdout, re.M)


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
    sources = {record["source"].split("/")[-1]: record["genre"] for record in dataset.phrases}
    assert sources == {"good.mid": "rock", "groove.mid": "funk"}  # any folder name is a genre
    assert dataset.genre_names == [*GENRES, "funk"] and dataset.genres_present() == ["rock", "funk"]
    assert dataset.bar[dataset.genre_rows("rock")].tolist() == [0, 1]
    assert dataset.imported() == {"rock": {"files": 1, "bars": 2}, "funk": {"files": 1, "bars": 1}}
    reasons = {record["file"].split("/")[-1]: record["reason"] for record in dataset.skipped}
    assert set(reasons) == {"piano.mid", "empty.mid", "broken.mid", "loose.mid"}
    assert "no drum notes on channel 10" in reasons["piano.mid"] and "no drum notes" in reasons["empty.mid"]
    assert "not a readable MIDI file" in reasons["broken.mid"]
    assert "not in a genre or performer sub-folder" in reasons["loose.mid"]

    (root / "rock" / "good.mid").unlink()
    (root / "funk" / "groove.mid").unlink()
    with pytest.raises(UsageError, match="no usable drum patterns: all 4 MIDI files were skipped"):
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
