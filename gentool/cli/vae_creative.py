"""`gentool vae sample|interpolate|blend|humanize|transfer|complexity`: the musician's commands.

Each writes MIDI, WAV and PNG files and a JSON of its measurements into a folder (--out, default a folder in the
run), prints a short summary (--json: the JSON), and repeats exactly with the same --seed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import torch
import typer

from gentool.cli.common import DataDirOption, JsonOption, QuietOption, handle_errors, out, print_json, reporter_for
from gentool.cli.common import DeviceOption
from gentool.cli.vae_common import RunOption, load_run
from gentool.datasets.drums import load_drum_dataset, validate_genre
from gentool.drums.files import load_pattern_file
from gentool.drums.genres import GENRES
from gentool.drums.pattern import STEPS_PER_BAR, DrumPattern
from gentool.errors import UsageError
from gentool.evaluate.genres import load_genre_classifier
from gentool.io.audio import write_wav
from gentool.io.midi import write_midi
from gentool.io.pianoroll import save_piano_rolls
from gentool.runtime.files import atomic_write_json
from gentool.vae import creative

SeedOption = Annotated[int, typer.Option(help="Seed: the same seed gives the same output.")]
BpmOption = Annotated[float, typer.Option(help="Tempo of the MIDI and WAV files.")]
OutOption = Annotated[Optional[Path], typer.Option("--out", "-o", help="Output folder (default: a folder in the "
                                                                       "run's samples/).")]
TemperatureOption = Annotated[float, typer.Option(min=0.0, max=10.0, help="Latent noise scale (0 = the mean "
                                                                          "style).")]


def _studio(run: Path | None, device: str | None, data_dir: Path | None, quiet: bool):
    chosen, model, config, torch_device = load_run(run, device)
    dataset = load_drum_dataset(config.data, data_dir, reporter=reporter_for(quiet))
    classifier = load_genre_classifier(dataset, data_dir, settings=config.evaluation.classifier)
    return chosen, creative.Studio(model, dataset, classifier, torch_device)


def _write(folder: Path, stem: str, pattern: DrumPattern, bpm: float, title: str) -> list[str]:
    return [str(write_midi(folder / f"{stem}.mid", pattern, bpm)), str(write_wav(folder / f"{stem}.wav", pattern, bpm)),
            str(save_piano_rolls(folder / f"{stem}.png", [pattern], [title]))]


def _bars(hits: np.ndarray) -> DrumPattern:
    return DrumPattern.from_hits(np.asarray(hits).reshape(-1, 9))


def _finish(folder: Path, name: str, result: dict, as_json: bool, lines: list[str]) -> None:
    atomic_write_json(folder / f"{name}.json", result)
    if as_json:
        print_json(result)
        return
    for line in lines:
        out.print(line)
    out.print(f"files and {name}.json in {folder}")


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _top(probabilities: dict) -> str:
    genre = max(probabilities, key=probabilities.get)
    return f"{genre} {probabilities[genre]:.0%}"


@handle_errors
def sample(
    style: Annotated[str, typer.Option(help=f"Genre to sample: {', '.join(GENRES)}.")],
    n: Annotated[int, typer.Option("--n", min=1, max=1000, help="Tracks to write.")] = 8,
    temperature: TemperatureOption = 0.5,
    bars: Annotated[int, typer.Option(min=1, max=256, help="Bars per track: one z_high, z_low evolving bar to "
                                                           "bar.")] = 1,
    bpm: BpmOption = 110.0, seed: SeedOption = 0, run: RunOption = None, out_dir: OutOption = None,
    device: DeviceOption = None, data_dir: DataDirOption = None, json_: JsonOption = False, quiet: QuietOption = False,
) -> None:
    """Tracks of a genre: z_high drawn around the genre's posterior, fixed for the track; z_low evolving from bar
    to bar. Reports the classifier's verdict per bar, groove consistency, and validity."""
    validate_genre(style)
    chosen, studio = _studio(run, device, data_dir, quiet)
    folder = out_dir or chosen.samples / style
    generator = _generator(seed)
    tracks = []
    for number in range(n):
        track = creative.long_track(studio, style, bars, temperature, generator)
        stem = f"{style}_{number + 1:02d}"
        files = _write(folder, stem, _bars(track.pop("hits")), bpm, f"{stem}: {' '.join(track['classified_as'])}")
        tracks.append({"files": files, **track})
    keeping = float(np.mean([t["bars_keeping_genre"] for t in tracks]))
    result = {"style": style, "bars": bars, "temperature": temperature, "seed": seed, "tracks": tracks,
              "bars_keeping_genre": round(keeping, 4),
              "groove_consistency": (round(float(np.mean([t["groove_consistency"] for t in tracks])), 4)
                                     if bars > 1 else None),
              "validity": round(float(np.mean([t["validity"] for t in tracks])), 4)}
    lines = [f"{t['files'][0]}  classified: {' '.join(t['classified_as'])}" for t in tracks]
    lines.append(f"{keeping:.0%} of bars classified as {style}; validity {result['validity']:.3f}"
                 + (f"; groove consistency between bars {result['groove_consistency']:.3f}" if bars > 1 else ""))
    _finish(folder, "samples", result, json_, lines)


@handle_errors
def interpolate(
    from_: Annotated[str, typer.Option("--from", help="Start: a genre or a .mid/.npy pattern file.")],
    to: Annotated[str, typer.Option("--to", help="End: a genre or a .mid/.npy pattern file.")],
    steps: Annotated[int, typer.Option(min=2, max=256, help="Patterns along the path.")] = 8,
    level: Annotated[str, typer.Option(help="Which latent moves: high (style), low (pattern) or both.")] = "high",
    method: Annotated[str, typer.Option(help="slerp or lerp.")] = "slerp",
    bpm: BpmOption = 110.0, seed: SeedOption = 0, run: RunOption = None, out_dir: OutOption = None,
    device: DeviceOption = None, data_dir: DataDirOption = None, json_: JsonOption = False, quiet: QuietOption = False,
) -> None:
    """The path between two styles or patterns, one bar per step, played in order in one MIDI/WAV, with the genre
    classifier's probabilities at each step."""
    chosen, studio = _studio(run, device, data_dir, quiet)
    start, end = studio.source(from_), studio.source(to)
    path = creative.interpolate(studio, start, end, steps, level, method, _generator(seed))
    folder = out_dir or chosen.samples / f"interpolate-{start.label}-{end.label}"
    files = _write(folder, "path", _bars(path["hits"]), bpm, f"{start.label} → {end.label} ({level}, {method})")
    result = {"from": start.label, "to": end.label, "level": level, "method": method, "seed": seed, "files": files,
              "steps": [{"t": t, "genre_probabilities": p} for t, p in zip(path["t"], path["genre_probabilities"])]}
    lines = [f"t={step['t']:.2f}: {_top(step['genre_probabilities'])}" for step in result["steps"]]
    _finish(folder, "interpolation", result, json_, lines)


def _ratios(ratio: float | None, ratios: str | None) -> list[float]:
    if ratio is not None and ratios is not None:
        raise UsageError("give --ratio or --ratios, not both")
    if ratios is not None:
        try:
            values = [float(v) for v in ratios.split(",") if v.strip()]
        except ValueError:
            raise UsageError(f"--ratios must be comma-separated numbers like 0,0.25,0.5, got '{ratios}'") from None
    else:
        values = [0.5 if ratio is None else ratio]
    if not values or any(not 0 <= v <= 1 for v in values):
        raise UsageError(f"blend ratios must lie between 0 and 1, got {values}")
    return values


@handle_errors
def blend(
    first: Annotated[str, typer.Argument(help="First genre.")],
    second: Annotated[str, typer.Argument(help="Second genre.")],
    ratio: Annotated[Optional[float], typer.Option(help="Share of the second genre (default 0.5).")] = None,
    ratios: Annotated[Optional[str], typer.Option(help="Several shares, e.g. 0,0.25,0.5,0.75,1.")] = None,
    n: Annotated[int, typer.Option("--n", min=1, max=1000, help="Tracks per ratio.")] = 4,
    bars: Annotated[int, typer.Option(min=1, max=256, help="Bars per track.")] = 4,
    temperature: TemperatureOption = 0.5,
    bpm: BpmOption = 110.0, seed: SeedOption = 0, run: RunOption = None, out_dir: OutOption = None,
    device: DeviceOption = None, data_dir: DataDirOption = None, json_: JsonOption = False, quiet: QuietOption = False,
) -> None:
    """Mixtures of two styles in z_high: (1 - r) * FIRST + r * SECOND, with each blend's genre probabilities."""
    validate_genre(first)
    validate_genre(second)
    shares = _ratios(ratio, ratios)
    chosen, studio = _studio(run, device, data_dir, quiet)
    blends = creative.blend(studio, first, second, shares, n, bars, temperature, _generator(seed))
    folder = out_dir or chosen.samples / f"blend-{first}-{second}"
    summary = []
    for item in blends:
        files = []
        for number, hits in enumerate(item.pop("tracks")):
            stem = f"{first}-{second}-{item['ratio']:.2f}_{number + 1:02d}"
            files += _write(folder, stem, _bars(hits), bpm, f"{1 - item['ratio']:.2f} {first} + {item['ratio']:.2f} "
                                                            f"{second}")
        summary.append({**item, "files": files})
    result = {"first": first, "second": second, "tracks_per_ratio": n, "bars": bars, "temperature": temperature,
              "seed": seed, "blends": summary}
    lines = [f"{1 - b['ratio']:.2f} {first} + {b['ratio']:.2f} {second}: {first} {b['genre_probabilities'][first]:.0%}, "
             f"{second} {b['genre_probabilities'][second]:.0%} (validity {b['validity']:.2f})" for b in summary]
    _finish(folder, "blend", result, json_, lines)


@handle_errors
def humanize(
    input_: Annotated[Optional[Path], typer.Option("--input", help="A mechanical pattern: .mid or .npy.")] = None,
    style: Annotated[Optional[str], typer.Option(help="The genre whose feel to play with (default: what the "
                                                      "classifier hears in the input), or with no --input, the "
                                                      "genre of a plain pattern to start from.")] = None,
    amount: Annotated[float, typer.Option(help="0 = unchanged, 1 = fully re-imagined in the style.")] = 0.5,
    variations: Annotated[int, typer.Option(min=1, max=100, help="Performances to write.")] = 4,
    bpm: BpmOption = 110.0, seed: SeedOption = 0, run: RunOption = None, out_dir: OutOption = None,
    device: DeviceOption = None, data_dir: DataDirOption = None, json_: JsonOption = False, quiet: QuietOption = False,
) -> None:
    """Human-sounding performances of a mechanical pattern: velocities and micro-timing from the genre's feel, and
    latent variations (ghost notes, dropped or added hits) scaled by --amount."""
    if input_ is None and style is None:
        raise UsageError("give --input PATTERN.mid or --style GENRE")
    if style is not None:
        validate_genre(style)
    chosen, studio = _studio(run, device, data_dir, quiet)
    generator = _generator(seed)
    if input_ is not None:
        source = load_pattern_file(input_)
        pattern = DrumPattern.from_hits(source.hits) if not source.hits.any() else source
        label = input_.stem
    else:
        hits = np.concatenate([(studio.probabilities(studio.style(style)["mean"][None].to(studio.device),
                                                     torch.zeros(1, studio.model.z_low_dim, device=studio.device))
                                > 0.5).cpu().numpy()] * 2)
        pattern = DrumPattern.from_hits(hits.reshape(-1, 9))  # the style's typical bar, played flat, twice
        label = f"{style}-mechanical"
    genre = style or GENRES[int(studio.classifier.probabilities(pattern.hits.reshape(-1, STEPS_PER_BAR, 9))
                                .mean(axis=0).argmax())]
    folder = out_dir or chosen.samples / f"humanize-{label}"
    performances = creative.humanize(studio, pattern, genre, amount, variations, generator)
    summary = [{"files": _write(folder, f"{label}_{number + 1:02d}", item.pop("pattern"), bpm,
                                f"{label} humanized as {genre}, amount {amount}"), **item}
               for number, item in enumerate(performances)]
    result = {"input": str(input_) if input_ else None, "feel": genre, "amount": amount, "seed": seed,
              "input_files": _write(folder, f"{label}_input", pattern, bpm, f"{label} (input)"),
              "variations": summary}
    lines = [f"variation {i + 1}: {v['hits_changed']} hits changed, timing spread {v['timing_spread']:.3f} steps, "
             f"velocity {v['velocity_range'][0]}-{v['velocity_range'][1]}" if v["velocity_range"] else
             f"variation {i + 1}: no hits" for i, v in enumerate(summary)]
    _finish(folder, "humanize", result, json_, lines)


@handle_errors
def transfer(
    content: Annotated[str, typer.Option(help="The rhythm to keep: a .mid/.npy file, or a genre (its held-out "
                                              "bars).")],
    style: Annotated[str, typer.Option(help="The genre to play it in.")],
    count: Annotated[int, typer.Option(min=1, max=10000, help="With a genre as content: how many of its held-out "
                                                              "bars.")] = 50,
    mode: Annotated[str, typer.Option(help="replace: z_high becomes the style's mean; shift: z_high moves by the "
                                           "difference of the two genres' means (keeps more rhythm, converts "
                                           "less often).")] = "replace",
    bpm: BpmOption = 110.0, seed: SeedOption = 0, run: RunOption = None, out_dir: OutOption = None,
    device: DeviceOption = None, data_dir: DataDirOption = None, json_: JsonOption = False, quiet: QuietOption = False,
) -> None:
    """Style transfer: keep each bar's z_low, take z_high from --style (--mode). Reports rhythm preservation
    (share of kick and snare hits kept) and style success (bars the classifier assigns to --style)."""
    validate_genre(style)
    chosen, studio = _studio(run, device, data_dir, quiet)
    if content in GENRES:
        rows = np.flatnonzero(studio.dataset.split_mask("val") & (studio.dataset.genre == GENRES.index(content)))
        if not len(rows):
            raise UsageError(f"the run's data has no held-out {content} bars")
        hits = studio.dataset.hits[rows[:count]]
        label = source = content
    else:
        hits = load_pattern_file(content).hits.reshape(-1, STEPS_PER_BAR, 9)
        label = Path(content).stem
        source = GENRES[int(studio.classifier.probabilities(hits).mean(axis=0).argmax())]  # the style it has now
    latent = studio.encode(torch.from_numpy(hits), label)
    moved = creative.transfer(studio, latent, hits, source, style, _generator(seed), mode)
    folder = out_dir or chosen.samples / f"transfer-{label}-to-{style}"
    files = _write(folder, f"{label}-content", _bars(hits), bpm, f"{label} (content)")
    files += _write(folder, f"{label}-as-{style}", _bars(moved.pop("hits")), bpm, f"{label} played as {style}")
    result = {"content": content, "style": style, "bars": len(hits), "seed": seed, "files": files, **moved}
    _finish(folder, "transfer", result, json_, [
        f"{len(hits)} bars of {label} played as {style}: rhythm preservation {moved['rhythm_preservation']:.1%} "
        f"(kick and snare hits kept), style success {moved['style_success']:.1%} (bars classified as {style})"])


@handle_errors
def complexity(
    style: Annotated[str, typer.Option(help="The genre whose density to sweep.")],
    levels: Annotated[int, typer.Option(min=2, max=64, help="Steps from sparse to dense.")] = 5,
    span: Annotated[float, typer.Option(min=0.1, max=10.0, help="How far to go each way, in the style's spread.")] = 2.0,
    bpm: BpmOption = 110.0, seed: SeedOption = 0, run: RunOption = None, out_dir: OutOption = None,
    device: DeviceOption = None, data_dir: DataDirOption = None, json_: JsonOption = False, quiet: QuietOption = False,
) -> None:
    """Complexity control: move the style along the latent direction in which its bars get denser; reports the
    density at each level and whether it rises monotonically."""
    validate_genre(style)
    chosen, studio = _studio(run, device, data_dir, quiet)
    sweep = creative.complexity(studio, style, levels, span, _generator(seed))
    folder = out_dir or chosen.samples / f"complexity-{style}"
    files = _write(folder, f"{style}-complexity", _bars(sweep.pop("hits")), bpm,
                   f"{style}: sparse to dense, one bar per level")
    result = {"style": style, "levels": levels, "span": span, "seed": seed, "files": files, **sweep}
    _finish(folder, "complexity", result, json_, [
        f"expected density: {' '.join(f'{d:.3f}' for d in sweep['expected_density'])} "
        f"({'rising monotonically' if sweep['monotonic'] else 'NOT monotonic'})",
        f"drawn bars' density: {' '.join(f'{d:.3f}' for d in sweep['drawn_density'])}"])


def register(app: typer.Typer) -> None:
    for command in (sample, interpolate, blend, humanize, transfer, complexity):
        app.command(command.__name__)(command)
