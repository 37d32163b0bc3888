"""Run folders two processes can share, caches and records that cannot stay broken, and what a newcomer meets."""

import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time

import mido
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.drums.pattern import DrumPattern
from gentool.errors import RunFailure, UsageError
from gentool.gan.config import build_gan_config
from gentool.gan.family import GAN
from gentool.io.midi import read_midi, write_midi
from gentool.runtime import files, progress
from gentool.runtime.checkpoint import load_checkpoint
from gentool.runtime.progress import Reporter
from gentool.runtime.rundir import RunDir

from helpers import resume, start_gan, tiny_2d

runner = CliRunner()


def ring_run(folder, **train):
    run = RunDir(folder)
    start_gan(build_gan_config(tiny_2d(train=train)), run)
    return run


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# ---------------------------------------------------------------------------------------------------- locks

def test_a_second_writer_is_refused_and_a_dead_writers_lock_is_taken_over(tmp_path):
    run = ring_run(tmp_path / "run")
    live = {"pid": os.getppid(), "host": socket.gethostname(), "started": "then", "command": "gentool gan train"}
    run.lock_path.write_text(json.dumps(live))
    with pytest.raises(UsageError, match=r"is in use by process .* delete .*run.lock"):
        resume(GAN, run, epochs=3)
    assert json.loads(run.summary_path.read_text())["epochs_completed"] == 2  # nothing was touched
    run.lock_path.write_text(json.dumps({**live, "pid": dead_pid()}))  # a kill -9 leaves its lock behind
    (run.checkpoints / ".last.pt.k9x2.tmp").write_bytes(b"half a checkpoint")  # and maybe a half-written file
    assert resume(GAN, run, epochs=3).status == "completed"
    assert not list(run.checkpoints.glob(".*.tmp"))
    assert not run.lock_path.exists() and [r["epoch"] for r in run.read_metrics()] == [1, 2, 3]


def test_resume_while_the_run_still_trains_is_refused(tmp_path):
    config = tmp_path / "long.yaml"
    config.write_text(yaml.safe_dump(tiny_2d(train={"epochs": 10_000})))
    out = tmp_path / "busy"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    trainer = subprocess.Popen([sys.executable, "-m", "gentool", "gan", "train", "--config", str(config), "--out",
                                str(out), "-q"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 120
        while not (out / "checkpoints" / "last.pt").exists() and time.time() < deadline:
            time.sleep(0.2)
        result = runner.invoke(app, ["gan", "train", "--resume", str(out)])
        assert result.exit_code == 2 and f"is in use by process {trainer.pid}" in result.stderr
    finally:
        trainer.send_signal(signal.SIGKILL)
        trainer.wait()
    done = load_checkpoint(out / "checkpoints" / "last.pt", "gan")["epoch"]
    finished = runner.invoke(app, ["gan", "train", "--resume", str(out), "--epochs", str(done + 1), "--json", "-q"])
    assert finished.exit_code == 0, finished.output  # the killed process's lock is stale: taken over
    assert [r["epoch"] for r in RunDir(out).read_metrics()] == list(range(1, done + 2))


# ------------------------------------------------------------------------------------------------ records

def test_a_garbage_metrics_line_is_refused_with_its_number_and_a_cut_last_line_is_tolerated(tmp_path):
    run = ring_run(tmp_path / "run")
    good = run.metrics_path.read_text()
    run.metrics_path.write_text(good + '{"epoch": 3, "loss')  # a crash in the middle of the last write
    assert [r["epoch"] for r in run.read_metrics()] == [1, 2]
    run.metrics_path.write_text("garbage\n" + good)
    with pytest.raises(UsageError, match=r"metrics.jsonl line 1 is not a metrics record"):
        run.read_metrics()
    result = runner.invoke(app, ["gan", "train", "--resume", str(run.path), "--epochs", "3"])
    assert result.exit_code == 2 and "line 1" in result.stderr
    assert run.metrics_path.read_text() == "garbage\n" + good  # no good record dropped
    result = runner.invoke(app, ["gan", "figures", "--run", str(run.path)])
    assert result.exit_code == 2 and "line 1" in result.stderr


def test_written_files_get_the_umask_mode(tmp_path):
    old = os.umask(0o022)
    try:
        run = ring_run(tmp_path / "run")
    finally:
        os.umask(old)
    for path in (run.config_path, run.summary_path, run.last_checkpoint, run.figures / "modes.png"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    made = files.atomic_write_dir(tmp_path / "cache", lambda folder: (folder / "x").write_text("x"))
    assert stat.S_IMODE(made.stat().st_mode) == 0o777 & ~old


def test_a_full_disk_names_the_file_and_keeps_the_last_checkpoint(tmp_path, monkeypatch):
    run = ring_run(tmp_path / "run")
    import torch

    def full_disk_save(*args, **kwargs):
        raise RuntimeError("[enforce fail at inline_container.cc:672] . PytorchStreamWriter failed writing file "
                           "data/0: file write failed")

    monkeypatch.setattr(torch, "save", full_disk_save)
    monkeypatch.setattr(files, "disk_full", lambda folder: True)
    with pytest.raises(RunFailure, match=r"no space left on the device .* the last checkpoint .* epoch 2\) is intact"):
        resume(GAN, run, epochs=3)
    monkeypatch.undo()
    assert resume(GAN, run, epochs=3).status == "completed"  # after freeing space, the resume works


# ------------------------------------------------------------------------------------------------ MIDI files

def midi_file(path, ticks_per_beat=480, delta=0):
    track = mido.MidiTrack([mido.Message("note_on", channel=9, note=36, velocity=100, time=delta),
                            mido.Message("note_off", channel=9, note=36, velocity=0, time=60)])
    midi = mido.MidiFile(type=0, ticks_per_beat=ticks_per_beat, tracks=[track])
    midi.save(str(path))
    return path


def test_damaged_midi_files_are_refused_by_name_within_bounds(tmp_path):
    huge = midi_file(tmp_path / "huge.mid", delta=480 * 4 * 5_000_000)  # a note five million bars away
    with pytest.raises(UsageError, match=r"huge.mid' places a note in bar 5,000,001; .* at most 1,024 bars"):
        read_midi(huge)
    zero = midi_file(tmp_path / "zero.mid")
    data = bytearray(zero.read_bytes())
    data[12:14] = (0).to_bytes(2, "big")  # the header's time division
    zero.write_bytes(bytes(data))
    with pytest.raises(UsageError, match=r"zero.mid' has a time division of 0"):
        read_midi(zero)


def test_one_bad_file_is_skipped_by_name_and_the_import_goes_on(tmp_path):
    (tmp_path / "midi" / "rock").mkdir(parents=True)
    midi_file(tmp_path / "midi" / "rock" / "huge.mid", delta=480 * 4 * 5_000_000)
    hits = np.zeros((32, 9), dtype=bool)
    hits[[0, 8, 16, 24], 0] = hits[[4, 12, 20, 28], 1] = True
    write_midi(tmp_path / "midi" / "rock" / "good.mid", DrumPattern.from_hits(hits))
    result = runner.invoke(app, ["data", "drums", "--no-grammar", "--midi-dir", str(tmp_path / "midi"), "--json",
                                 "--data-dir", str(tmp_path / "data"), "-q"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert [s["file"].endswith("huge.mid") for s in stats["skipped"]] == [True]
    assert stats["train_bars"] + stats["val_bars"] == 2


def test_no_patterns_at_all_names_the_real_cause(tmp_path):
    result = runner.invoke(app, ["data", "drums", "--phrases-per-genre", "0", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "drums.phrases_per_genre is 0 and no --midi-dir was given" in result.stderr


# ---------------------------------------------------------------------------------------- what people read

def test_coverage_says_how_to_reproduce_the_runs_own_last_evaluation(tmp_path):
    run = ring_run(tmp_path / "run")
    last = run.read_metrics()[-1]
    noise = json.loads(run.summary_path.read_text())["evaluation"]
    result = runner.invoke(app, ["gan", "coverage", "--run", str(run.path), "--seed", str(noise["seed"]), "--json"])
    model = json.loads(result.stdout)["model"]
    assert (model["modes_captured"], model["high_quality"], model["reverse_kl"]) == \
        (last["modes_captured"], last["high_quality"], last["reverse_kl"])
    table = runner.invoke(app, ["gan", "coverage", "--run", str(run.path)])
    assert f"--seed {noise['seed']} reproduces its last figures" in " ".join(table.stdout.split())


def test_typer_usage_errors_are_one_line_and_exit_2():
    for args in (["gan", "trian"], ["vae", "blend"], ["gan", "train", "--epochs", "many"]):
        result = runner.invoke(app, args)
        lines = result.stderr.strip().splitlines()
        assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: "), result.stderr


def test_a_closed_pipe_ends_quietly():
    process = subprocess.run(f"{sys.executable} -m gentool gan fixes | head -c 10", shell=True, capture_output=True,
                             text=True, env={**os.environ, "COLUMNS": "80"})
    assert process.stdout and "Traceback" not in process.stderr and "error" not in process.stderr


def test_help_shows_every_default_in_one_style_and_completion_is_on():
    assert "--install-completion" in runner.invoke(app, ["--help"]).stdout
    commands = [["gan", c] for c in ("train", "coverage", "figures", "interpolate", "compare", "benchmark")] + \
        [["vae", c] for c in ("train", "analyze", "sample", "blend", "humanize", "transfer")] + \
        [["data", "fonts"], ["data", "drums"], ["em", "fit"], ["mcmc", "sample"], ["vi", "fit"]]
    for command in commands:
        text = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"}).stdout
        assert not re.search(r"\(default[: ]", text), command  # the old "(default: X)" / "(default X)" styles
    train = " ".join(runner.invoke(app, ["gan", "train", "--help"], env={"COLUMNS": "200"}).stdout.split())
    assert "per batch. [default: the preset's train.batch_size; 2<=x<=65536]" in train


def test_progress_keeps_printing_lines_when_not_on_a_terminal(monkeypatch, capsys):
    monkeypatch.setattr(progress, "PLAIN_EVERY_S", 0.0)
    with Reporter("plain").task("training the letter evaluator", total=4) as task:
        for _ in range(4):
            task.advance()
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "training the letter evaluator ..." and lines[-1].startswith(
        "training the letter evaluator: 4/4 (100%)")



def test_letter_figures_share_one_convention_and_undefined_entropy_is_marked(tmp_path):
    import torch

    from gentool.evaluate.coverage_figures import dynamics
    from gentool.io.images import grid_image

    ink = torch.zeros(2, 1, 4, 4)
    ink[:, :, 1:3, 1:3] = 1.0  # a stroke in the middle of each tile
    pixels = np.asarray(grid_image(ink, nrow=2, scale=1))
    assert pixels[2 + 1, 2 + 1] == 0 and pixels[2, 2] == 255  # dark ink on white, as the letter sheets draw it
    records = [{"epoch": e, "letters_covered": c, "entropy": h, "letter_fid": 50.0, "confident_share": s}
               for e, c, h, s in ((1, 0, None, 0.0), (2, 3, 0.4, 0.2), (3, 9, 0.7, 0.5))]
    assert dynamics(tmp_path / "d.png", records, None, "t").stat().st_size > 0


def test_a_dataset_build_names_the_settings_it_is_built_for(tiny_fonts_dir, tmp_path):
    result = runner.invoke(app, ["data", "fonts", "--no-matplotlib-fonts", "--fonts-dir", str(tiny_fonts_dir),
                                 "--samples-per-glyph", "2", "--set", "fonts.val_fraction=0.25", "--data-dir",
                                 str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "building the letter dataset for 2 samples per glyph, data seed 0 (each data setting has its own cache)" \
        in result.stderr
