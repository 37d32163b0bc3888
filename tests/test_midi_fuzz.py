"""Fuzzing the drum MIDI reader: seeded mutants of valid drum files (tests/midi_mutants.py) are each either read
or refused with a UsageError whose one line names the file and the problem; nothing else escapes, and no file
asks for more than MAX_BARS bars of memory. A few hundred mutants run in the fast suite, 10,000 behind `slow`."""

from __future__ import annotations

import collections
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.errors import UsageError
from gentool.io.midi import MAX_BARS, read_midi

from midi_mutants import base_file, mutant

STRUCTURAL = {"huge_delta", "unterminated_delta", "division", "format", "tempo_zero", "tempo_odd", "no_status",
              "undefined_status", "track_length", "header_length", "track_count", "meta_length", "data_byte_high",
              "sysex_length", "extra_track"}
BYTEWISE = {"flip", "flips", "truncate", "insert", "delete"}


def reason_bucket(message: str) -> str:
    """A refusal's reason with numbers blanked, so refusals group by kind."""
    found = re.search(r"is not a readable MIDI file \((\w+): (.*)\)$", message)  # mido's own reason
    if found:
        return f"not readable: {found.group(1)}: {re.sub(r'0x[0-9a-f]+|[0-9]+', 'N', found.group(2))[:48]}"
    return re.sub(r"-?[0-9][0-9,]*", "N", message.split("' ", 1)[1]).split(";")[0][:60]


def outcome(path) -> tuple[str, float]:
    """'imported', 'no drum notes' or 'refused: <reason>' for one file, and the seconds it took; anything but a
    UsageError naming the file on one line fails the test."""
    start = time.perf_counter()
    try:
        result = read_midi(path)
    except UsageError as err:
        message = str(err)
        assert message.startswith(f"'{path}' ") and "\n" not in message, message
        return f"refused: {reason_bucket(message)}", time.perf_counter() - start
    seconds = time.perf_counter() - start
    if result.pattern is None:
        return "no drum notes", seconds
    assert 0 < result.pattern.bars <= MAX_BARS and np.isfinite(result.pattern.offset).all()
    assert 20 <= result.bpm or result.bpm > 0  # a tempo, never 0 or negative
    return "imported", seconds


def fuzz(seeds: range, folder) -> tuple[collections.Counter, float, set[str]]:
    counts: collections.Counter = collections.Counter()
    slowest, damages = 0.0, set()
    for seed in seeds:
        raw, names = mutant(seed)
        damages.update(names)
        path = folder / f"mutant{seed:05d}.mid"
        path.write_bytes(raw)
        kind, seconds = outcome(path)
        counts[kind] += 1
        slowest = max(slowest, seconds)
        path.unlink()
    return counts, slowest, damages


def test_the_unmutated_bases_are_read_with_their_tempo(tmp_path):
    for seed in range(20):
        raw, fields = base_file(seed)
        (tmp_path / "base.mid").write_bytes(raw)
        result = read_midi(tmp_path / "base.mid")
        tempo = int.from_bytes(fields["tracks"][0][0][1][3:], "big")
        assert result.pattern is not None and result.bpm == pytest.approx(60e6 / tempo, abs=1e-3)


def test_three_hundred_mutants_are_read_or_refused_by_name(tmp_path):
    counts, _, damages = fuzz(range(300), tmp_path)
    assert damages >= STRUCTURAL | BYTEWISE  # every kind of damage was tried
    assert counts["imported"] >= 20 and sum(counts.values()) == 300  # some survive: the reader is not just refusing
    refusals = {kind for kind in counts if kind.startswith("refused")}
    for expected in ("declares MIDI format", "time division", "tempo of N", "running status", "undefined status",
                     "places a note in bar"):
        assert any(expected in kind for kind in refusals), (expected, sorted(refusals))


@pytest.mark.slow
def test_ten_thousand_mutants_are_read_or_refused_by_name(tmp_path):
    counts, slowest, _ = fuzz(range(10_000), tmp_path)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n10,000 mutants, slowest file {slowest * 1000:.1f} ms, peak memory of the process {peak:.0f} MB")
    for kind, count in counts.most_common():
        print(f"{count:6d}  {kind}")
    assert sum(counts.values()) == 10_000


# ------------------------------------------------------------------------------------------ through the CLI

def test_data_drums_skips_each_damaged_file_by_name_and_imports_the_rest(tmp_path, data_dir):
    folder = tmp_path / "midi" / "rock"
    folder.mkdir(parents=True)
    expected = {}
    for seed in range(40):
        path = folder / f"m{seed:02d}.mid"
        path.write_bytes(mutant(seed)[0])
        expected[path.name] = outcome(path)[0]
    result = CliRunner().invoke(app, ["data", "drums", "--no-grammar", "--midi-dir", str(tmp_path / "midi"),
                                      "--data-dir", str(data_dir)])
    imported = sum(kind == "imported" for kind in expected.values())
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    skipped = re.findall(r"^skipped \S+/(m\d\d\.mid): (.+)$", result.stdout, re.M)
    assert {name for name, _ in skipped} == {name for name, kind in expected.items() if kind != "imported"}
    assert f"imported from --midi-dir: {imported} files" in result.stdout
    assert f"{40 - imported} files skipped" in result.stdout


def test_a_refused_file_is_exit_2_with_one_line_from_a_real_process(tmp_path):
    """Two mutants the reader refuses, through `python -m gentool` (CliRunner stands in elsewhere)."""
    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(repo), "OMP_NUM_THREADS": "1", "GENTOOL_DATA_DIR": str(tmp_path / "d")}
    refused = [seed for seed in range(60) if outcome_of(seed, tmp_path).startswith("refused")][:2]
    for seed, args in zip(refused, (["data", "render-drums"], ["vae", "humanize", "--input"])):
        path = tmp_path / f"m{seed}.mid"
        path.write_bytes(mutant(seed)[0])
        done = subprocess.run([sys.executable, "-m", "gentool", *args, str(path)], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and str(path) in done.stderr


def outcome_of(seed: int, folder: Path) -> str:
    path = folder / f"probe{seed}.mid"
    path.write_bytes(mutant(seed)[0])
    return outcome(path)[0]


def _import_in_a_process(folder: Path, data_dir: Path) -> tuple[float, float, str]:
    """`gentool data drums --midi-dir FOLDER` in its own process: seconds, peak memory (MB) and its output."""
    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(repo), "OMP_NUM_THREADS": "1", "GENTOOL_DATA_DIR": str(data_dir)}
    script = ("import resource, subprocess, sys, time; start = time.perf_counter(); done = subprocess.run("
              "[sys.executable, '-m', 'gentool', 'data', 'drums', '--midi-dir', sys.argv[1], '-q'], "
              "capture_output=True, text=True); print(time.perf_counter() - start, "
              "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024); print(done.stdout); "
              "sys.exit(done.returncode)")
    finished = subprocess.run([sys.executable, "-c", script, str(folder)], env=env, capture_output=True, text=True,
                              timeout=1800)
    assert finished.returncode == 0, finished.stderr
    seconds, megabytes = (float(v) for v in finished.stdout.splitlines()[0].split())
    return seconds, megabytes, finished.stdout


@pytest.mark.slow
def test_a_folder_of_3000_files_is_imported_in_bounded_memory(tmp_path):
    """3,000 damaged files (the fuzz mutants, 600 per genre folder) are imported in under 500 MB; 3,000 valid
    16-bar files (48,000 bars, about the bars the damaged folder of the issue gave) in memory that grows with the bars,
    not with their square (a 48,000 x 48,000 distance matrix took 1.5 GB). Prints the time and peak of each."""
    from gentool.datasets.config import GENRES
    from gentool.drums.genres import generate_phrase
    from gentool.io.midi import write_midi

    damaged = tmp_path / "damaged"
    for seed in range(3000):
        folder = damaged / GENRES[seed % len(GENRES)]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"m{seed:05d}.mid").write_bytes(mutant(seed)[0])
    seconds, megabytes, output = _import_in_a_process(damaged, tmp_path / "data")
    print(f"\n3,000 damaged files: {seconds:.1f} s, peak {megabytes:.0f} MB")
    print("\n".join(line for line in output.splitlines() if line.startswith(("imported", "bars per file"))))
    assert megabytes < 500 and "bars per file:" in output

    valid = tmp_path / "valid"
    rng = np.random.default_rng(0)
    for number in range(3000):
        genre = GENRES[number % len(GENRES)]
        write_midi(valid / genre / f"v{number:04d}.mid", generate_phrase(genre, rng, 16))
    seconds, megabytes, output = _import_in_a_process(valid, tmp_path / "data")
    print(f"3,000 valid 16-bar files: {seconds:.1f} s, peak {megabytes:.0f} MB")
    print("\n".join(line for line in output.splitlines() if line.startswith(("imported", "bars per file", "genre"))))
    assert megabytes < 800 and "48,000 bars" in output
