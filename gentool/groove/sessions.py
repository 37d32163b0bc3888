"""The `groove` commands that use a trained model, as library calls: `apply` plays a score with a performer's feel
and writes MIDI, WAV and piano rolls; `measure` measures the run's model on its held-out performances beside the
baselines. Each returns what it wrote as a dict (the command's --json)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from gentool.drums.pattern import DrumPattern, as_bars
from gentool.errors import UsageError
from gentool.evaluate import groove_metrics as gm
from gentool.groove.apply import play
from gentool.groove.data import load_groove_data
from gentool.groove.measure import measure_groove, save_measure
from gentool.groove.trained import open_trained
from gentool.io.pattern_files import output_bpm, read_pattern_file
from gentool.io.render import check_output_size, write_track
from gentool.runtime.context import RunContext
from gentool.runtime.files import atomic_write_json
from gentool.runtime.rundir import writing_into


def performance_figures(pattern: DrumPattern, bpm: float) -> dict:
    """What a listener would measure in a performance: swing, pushes, micro-timing per instrument, velocities."""
    hits, offset = as_bars(pattern.hits), as_bars(pattern.offset)
    tempo = np.full(len(hits), bpm)
    played = pattern.velocity[pattern.hits]
    return {"swing": gm.swing_percent(offset, hits), **gm.pushes_ms(offset, hits, tempo),
            "timing": gm.timing_by_instrument(offset, hits, tempo),
            "velocity_range": [int(played.min()), int(played.max())] if played.size else None}


def apply(ctx: RunContext, run: Path | None, out: Path | None, *, input_: Path, performer: str | None,
          variations: int, temperature: float, bpm: float | None, seed: int) -> dict:
    """Performances of --input's score by a performer of --run, written with the score beside them at --bpm or
    the input's own tempo; returns (and writes as apply.json) what was written and measured."""
    if not 0.0 <= temperature <= 10.0:
        raise UsageError(f"--temperature must be between 0 and 10, got {temperature}")
    source = read_pattern_file(input_)
    check_output_size(variations + 1, source.pattern.bars,
                      f"'{input_}' ({source.pattern.bars:,} bars) x (--variations {variations} + the score)")
    tempo = output_bpm(bpm, source)
    groove = open_trained(ctx, run)
    who = groove.performer(performer)
    name = groove.performers[who]
    with writing_into(groove.run, out):
        folder = out or groove.run.samples / f"apply-{input_.stem}"
        score = DrumPattern.from_hits(source.pattern.hits)
        generator = torch.Generator().manual_seed(seed)
        performances = []
        for number in range(variations):
            played = play(groove, score.hits, who, tempo, generator, temperature)
            stem = f"{input_.stem}_{name}_{number + 1:02d}"
            performances.append({"files": write_track(folder, stem, played, tempo, f"{input_.stem} played by {name}"),
                                 **performance_figures(played, tempo)})
        result = {"input": str(input_), "run": str(groove.run.path), "performer": name, "bpm": tempo,
                  "bars": score.bars, "temperature": temperature, "seed": seed,
                  "score_files": write_track(folder, f"{input_.stem}_score", score, tempo, f"{input_.stem} (score)"),
                  "performances": performances}
        written = atomic_write_json(folder / "apply.json", result)
        return {**result, "json": str(written)}


def measure(ctx: RunContext, run: Path | None) -> dict:
    """The run's model on its held-out performances beside the baselines; rewrites the run's groove_measure.json."""
    groove = open_trained(ctx, run)
    data = load_groove_data(groove.config, ctx)
    if data.performers != groove.performers:
        raise UsageError(f"run '{groove.run.path}' learned {', '.join(groove.performers)}, but its data now hold "
                         f"{', '.join(data.performers)} (the folders changed); measure it on the data it was trained "
                         f"on, or train again")
    with groove.run.locked():
        report = measure_groove(groove.model, data, ctx.device, groove.config.measure.seed)
        return {**report, "run": str(groove.run.path), "json": str(save_measure(groove.run.path, report))}
