"""The `vae` commands on a trained drum VAE, as library calls. `analyze` reports posterior collapse; each of the
musician's commands (sample, interpolate, blend, humanize, transfer, complexity) checks its options, opens the
run's Studio (a trained VAE with its data and classifier), writes MIDI, WAV and PNG files and a JSON of its
measurements into a folder (`out`, default a folder in the run's samples/), and returns that JSON's content. The
same seed gives the same files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from gentool.datasets.config import GENRES
from gentool.datasets.drums import load_drum_dataset, validate_genre
from gentool.drums.feel import DrumFeel, Feel
from gentool.drums.pattern import DrumPattern, as_bars, as_steps
from gentool.errors import UsageError
from gentool.groove.apply import GrooveFeel
from gentool.groove.trained import open_trained as open_groove
from gentool.io.pattern_files import output_bpm, read_pattern_file
from gentool.io.render import check_output_size, write_track
from gentool.runtime.context import RunContext
from gentool.runtime.files import atomic_write_json
from gentool.runtime.rundir import RunDir, writing_into
from gentool.vae import creative
from gentool.vae.creative import Studio
from gentool.vae.figures import analyze_run
from gentool.vae.trained import open_studio, open_trained, require_dataset


def as_pattern(hits: np.ndarray) -> DrumPattern:
    return DrumPattern.from_hits(as_steps(hits))


def save_result(folder: Path, name: str, result: dict) -> dict:
    written = atomic_write_json(folder / f"{name}.json", result)
    return {**result, "json": str(written)}


def seeded(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def blend_ratios(ratio: float | None, ratios: str | None) -> list[float]:
    """--ratio R or --ratios A,B,C (default 0.5), each in [0, 1]."""
    if ratio is not None and ratios is not None:
        raise UsageError("give --ratio or --ratios, not both")
    if ratios is not None:
        try:
            values = [float(v) for v in ratios.split(",")]  # an empty item ("0,,1") is refused, not skipped
        except ValueError:
            raise UsageError(f"--ratios must be comma-separated numbers like 0,0.25,0.5, got '{ratios}'") from None
    else:
        values = [0.5 if ratio is None else ratio]
    if not values or any(not 0 <= v <= 1 for v in values):
        raise UsageError(f"blend ratios must lie between 0 and 1, got {values}")
    if len(set(values)) != len(values):
        raise UsageError(f"--ratios lists a ratio twice ({ratios}); give each once")
    return values


def heard_genre(studio: Studio, hits: np.ndarray) -> str:
    """The genre the classifier hears in a pattern's bars, on average."""
    return studio.classifier.genres[int(studio.classifier.probabilities(as_bars(hits)).mean(axis=0).argmax())]


def typical_bar(studio: Studio, style: str, repeats: int = 2) -> DrumPattern:
    """A style's most likely bar (its mean z_high, z_low at the prior mean, hits above one half), played flat."""
    high = studio.style(style)["mean"][None].to(studio.device)
    probabilities = studio.probabilities(high, torch.zeros(1, studio.model.z_low_dim, device=studio.device))
    return as_pattern(np.concatenate([(probabilities > 0.5).cpu().numpy()] * repeats))


def held_out_bars(studio: Studio, genre: str, count: int) -> np.ndarray:
    """Up to `count` of the genre's held-out bars (N, 16, 9)."""
    dataset = studio.dataset
    rows = np.flatnonzero(dataset.split_mask("val") & (dataset.genre == GENRES.index(genre)))
    if not len(rows):
        raise UsageError(f"the run's data has no held-out {genre} bars")
    return dataset.hits[rows[:count]]


# ------------------------------------------------------------------------------------------------ commands

def analyze(ctx: RunContext, run: Path | None) -> tuple[RunDir, dict]:
    """The posterior-collapse report of --run (default: the newest VAE run); writes posterior_collapse.json."""
    chosen, model, config = open_trained(ctx, run, "analyze")
    dataset = load_drum_dataset(config.drums, ctx.data_dir, reporter=ctx.reporter)
    with chosen.locked():  # posterior_collapse.json and its figures go into the run
        return chosen, analyze_run(chosen, model, config, dataset, ctx.device)


def check_sample_options(style: str | None, n: int | None, bars: int) -> None:
    """A misspelt genre or too many bars, named before any run is looked for."""
    if style is not None:
        validate_genre(style)
        check_output_size(8 if n is None else n, bars, f"--n {8 if n is None else n} tracks x --bars {bars}")


def sample(ctx: RunContext, run: Path | None, out: Path | None, *, style: str | None, n: int | None,
           temperature: float | None, bars: int, bpm: float, seed: int) -> dict:
    """--n tracks (8) of --style at --temperature (0.5), each --bars long."""
    chosen = require_dataset(run, "drums", "sample")
    if style is None:
        raise UsageError(f"give --style GENRE ({', '.join(GENRES)}) for the drum VAE run '{chosen.path}'")
    n = 8 if n is None else n
    temperature = 0.5 if temperature is None else temperature
    check_output_size(n, bars, f"--n {n} tracks x --bars {bars}")
    chosen, studio = open_studio(ctx, chosen.path, "sample")
    with writing_into(chosen, out):
        folder = out or chosen.samples / style
        rng = seeded(seed)
        tracks = []
        for number in range(n):
            track = creative.long_track(studio, style, bars, temperature, rng)
            stem = f"{style}_{number + 1:02d}"
            files = write_track(folder, stem, as_pattern(track.pop("hits")), bpm,
                                f"{stem}: {' '.join(track['classified_as'])}")
            tracks.append({"files": files, **track})
        result = {"style": style, "bars": bars, "temperature": temperature, "seed": seed, "tracks": tracks,
                  "bars_keeping_genre": round(float(np.mean([t["bars_keeping_genre"] for t in tracks])), 4),
                  "groove_consistency": (round(float(np.mean([t["groove_consistency"] for t in tracks])), 4)
                                         if bars > 1 else None),
                  "validity": round(float(np.mean([t["validity"] for t in tracks])), 4)}
        return save_result(folder, "samples", result)


def interpolate(ctx: RunContext, run: Path | None, out: Path | None, *, from_: str, to: str, steps: int,
                level: str | None, method: str, bpm: float, seed: int) -> dict:
    """Genres or pattern files, along z_high, z_low or both (--level, default high)."""
    level = level or "high"
    chosen, studio = open_studio(ctx, run, "interpolate")
    with writing_into(chosen, out):
        start, end = studio.source(from_), studio.source(to)
        path = creative.interpolate(studio, start, end, steps, level, method, seeded(seed))
        folder = out or chosen.samples / f"interpolate-{start.label}-{end.label}"
        title = f"{start.label} → {end.label} ({level}, {method})"
        files = write_track(folder, "path", as_pattern(path["hits"]), bpm, title)
        result = {"from": start.label, "to": end.label, "level": level, "method": method, "seed": seed, "files": files,
                  "steps": [{"t": t, "genre_probabilities": p} for t, p in zip(path["t"], path["genre_probabilities"])]}
        return save_result(folder, "interpolation", result)


def blend(ctx: RunContext, run: Path | None, out: Path | None, *, first: str, second: str, ratio: float | None,
          ratios: str | None, n: int, bars: int, temperature: float, bpm: float, seed: int) -> dict:
    """Tracks mixing two styles in z_high at each ratio (--ratio R or --ratios A,B,C)."""
    validate_genre(first)
    validate_genre(second)
    if first == second:
        raise UsageError(f"blending {first} with itself changes nothing; give two different genres, or use "
                         f"`gentool vae sample --style {first}`")
    shares = blend_ratios(ratio, ratios)
    check_output_size(len(shares) * n, bars, f"{len(shares)} ratios x --n {n} tracks x --bars {bars}")
    chosen, studio = open_studio(ctx, run, "blend")
    with writing_into(chosen, out):
        folder = out or chosen.samples / f"blend-{first}-{second}"
        blends = creative.blend(studio, first, second, shares, n, bars, temperature, seeded(seed))
        summary = []
        for item in blends:
            files = []
            for number, hits in enumerate(item.pop("tracks")):
                stem = f"{first}-{second}-{item['ratio']:.2f}_{number + 1:02d}"
                files += write_track(folder, stem, as_pattern(hits), bpm,
                                     f"{1 - item['ratio']:.2f} {first} + {item['ratio']:.2f} {second}")
            summary.append({**item, "files": files})
        result = {"first": first, "second": second, "tracks_per_ratio": n, "bars": bars, "temperature": temperature,
                  "seed": seed, "blends": summary}
        return save_result(folder, "blend", result)


def humanize(ctx: RunContext, run: Path | None, out: Path | None, *, input_: Path | None, style: str | None,
             amount: float, variations: int, bpm: float | None, seed: int, vary_pattern: bool = False,
             groove: Path | None = None, performer: str | None = None) -> dict:
    """Performances of --input (or of the style's typical bar) with a feel: the hand-made feel of the style given,
    or of the one the classifier hears in the input; or with --groove RUN, a performer of that groove run. The
    notes are kept unless --vary-pattern. Written at --bpm, or the input file's own tempo."""
    if input_ is None and style is None:
        raise UsageError("give --input PATTERN.mid or --style GENRE")
    if style is not None:
        validate_genre(style)
    if performer is not None and groove is None:
        raise UsageError("--performer names a performer of a groove run; add --groove RUN")
    source = read_pattern_file(input_) if input_ is not None else None
    if source is not None:
        check_output_size(variations + 1, source.pattern.bars,
                          f"'{input_}' ({source.pattern.bars:,} bars) x (--variations {variations} + the input)")
    tempo = output_bpm(bpm, source)
    chosen, studio = open_studio(ctx, run, "humanize")
    with writing_into(chosen, out):
        rng = seeded(seed)
        if source is not None:
            pattern = DrumPattern.from_hits(source.pattern.hits) if not source.pattern.hits.any() else source.pattern
            label = input_.stem
        else:
            pattern = typical_bar(studio, style)
            label = f"{style}-mechanical"
        genre = style or heard_genre(studio, pattern.hits)
        feel, feel_name = humanizing_feel(ctx, studio, genre, groove, performer, tempo)
        folder = out or chosen.samples / f"humanize-{label}"
        performances = creative.humanize(studio, pattern, feel, amount, variations, rng, vary_pattern)
        summary = [{"files": write_track(folder, f"{label}_{number + 1:02d}", item.pop("pattern"), tempo,
                                         f"{label} humanized as {feel_name}, amount {amount}"), **item}
                   for number, item in enumerate(performances)]
        result = {"input": str(input_) if input_ else None, "feel": feel_name,
                  "groove": str(groove) if groove else None, "vary_pattern": vary_pattern, "amount": amount,
                  "seed": seed, "bpm": tempo, "variations": summary,
                  "input_files": write_track(folder, f"{label}_input", pattern, tempo, f"{label} (input)")}
        return save_result(folder, "humanize", result)


def humanizing_feel(ctx: RunContext, studio: Studio, genre: str, groove: Path | None, performer: str | None,
                    bpm: float) -> tuple[DrumFeel, str]:
    """The genre's hand-made feel, or a performer of the groove run (--performer, or its only one) at `bpm`; and
    the feel's name."""
    if groove is None:
        return Feel.of(studio.dataset, genre), genre
    learned = open_groove(ctx, groove)
    index = learned.performer(performer)
    return GrooveFeel(learned, index, bpm), learned.performers[index]


def transfer(ctx: RunContext, run: Path | None, out: Path | None, *, content: str, style: str, count: int, mode: str,
             bpm: float | None, seed: int) -> dict:
    """--content (a genre's held-out bars, or a pattern file) played in --style, at --bpm or the file's tempo."""
    validate_genre(style)
    content_file = None if content in GENRES else read_pattern_file(content)
    if content_file is not None:
        check_output_size(2, content_file.pattern.bars, f"'{content}' ({content_file.pattern.bars:,} bars) x 2 tracks")
    tempo = output_bpm(bpm, content_file)
    chosen, studio = open_studio(ctx, run, "transfer")
    with writing_into(chosen, out):
        if content_file is None:
            hits = held_out_bars(studio, content, count)
            label = source = content
        else:
            hits = as_bars(content_file.pattern.hits)
            label = Path(content).stem
            source = heard_genre(studio, hits)  # the style it has now
        latent = studio.encode(torch.from_numpy(hits), label)
        moved = creative.transfer(studio, latent, hits, source, style, seeded(seed), mode)
        folder = out or chosen.samples / f"transfer-{label}-to-{style}"
        content_pattern = content_file.pattern if content_file is not None else as_pattern(hits)
        files = write_track(folder, f"{label}-content", content_pattern, tempo, f"{label} (content)")
        files += write_track(folder, f"{label}-as-{style}", as_pattern(moved.pop("hits")), tempo,
                             f"{label} played as {style}")
        result = {"content": content, "label": label, "style": style, "bars": len(hits), "seed": seed, "bpm": tempo,
                  "files": files, **moved}
        return save_result(folder, "transfer", result)


def complexity(ctx: RunContext, run: Path | None, out: Path | None, *, style: str, levels: int, span: float,
               bpm: float, seed: int) -> dict:
    validate_genre(style)
    chosen, studio = open_studio(ctx, run, "complexity")
    with writing_into(chosen, out):
        folder = out or chosen.samples / f"complexity-{style}"
        sweep = creative.complexity(studio, style, levels, span, seeded(seed))
        files = write_track(folder, f"{style}-complexity", as_pattern(sweep.pop("hits")), bpm,
                            f"{style}: sparse to dense, one bar per level")
        result = {"style": style, "levels": levels, "span": span, "seed": seed, "files": files, **sweep}
        return save_result(folder, "complexity", result)
