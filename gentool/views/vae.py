"""What the `vae` commands print: the posterior-collapse table and a line or two per creative command."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table


def analyze_view(report: dict, run: Path, figures: Path) -> list[Table | str]:
    table = Table(title=f"posterior collapse: {run} (epoch {report['epoch']}, anneal {report['anneal']})",
                  title_justify="left")
    for column in ("level", "KL (nats)", "KL per dimension", "active", "collapsed", "MI (nats)", "genre probe"):
        table.add_column(column, justify="left" if column in ("level", "KL per dimension") else "right")
    for level in ("high", "low"):
        dims = report[f"kl_{level}_dims"]
        table.add_row(f"z_{level}", f"{report[f'kl_{level}']:.2f}", " ".join(f"{v:.2f}" for v in dims),
                      f"{report[f'active_{level}']}/{len(dims)}", str(len(report[f"collapsed_{level}"])),
                      f"{report[f'mi_{level}']:.2f}", f"{report['probe_accuracy'][f'z_{level}']:.1%}")
    density = report["density"]
    level, dim = density["strongest_level"], density["strongest_dim"]
    strongest_low = max(density["correlation_low"], key=abs)
    samples = report["samples"]
    by_genre = ", ".join(f"{g} {a:.0%}" for g, a in samples["sample_genre_accuracy_by_genre"].items())
    return [
        table,
        f"density follows z_{level}[{dim}] most (correlation {density[f'correlation_{level}'][dim]:+.2f}; "
        f"strongest z_low: {strongest_low:+.2f}); expected density along its sweep: "
        f"{' '.join(f'{d:.3f}' for d in density['sweep_density'])}",
        f"samples: validity {samples['sample_validity']:.3f}, genre accuracy "
        f"{samples['sample_genre_accuracy']:.3f} ({by_genre})",
        f"wrote {run / 'posterior_collapse.json'} and {len(report['figures'])} figures in {figures}"]


def _top(probabilities: dict) -> str:
    genre = max(probabilities, key=probabilities.get)
    return f"{genre} {probabilities[genre]:.0%}"


def _written(result: dict) -> str:
    json_path = Path(result["json"])
    return f"files and {json_path.name} in {json_path.parent}"


def sample_lines(result: dict) -> list[str]:
    if "tracks" not in result:
        return letter_sample_lines(result)
    lines = [f"{t['files'][0]}  classified: {' '.join(t['classified_as'])}" for t in result["tracks"]]
    lines.append(f"{result['bars_keeping_genre']:.0%} of bars classified as {result['style']}; validity "
                 f"{result['validity']:.3f}" + (f"; groove consistency between bars {result['groove_consistency']:.3f}"
                                                if result["bars"] > 1 else ""))
    return lines + [_written(result)]


def interpolation_lines(result: dict) -> list[str]:
    if "level" not in result:
        return letter_path_lines(result)
    return [f"t={step['t']:.2f}: {_top(step['genre_probabilities'])}" for step in result["steps"]] + [_written(result)]


def blend_lines(result: dict) -> list[str]:
    first, second = result["first"], result["second"]
    return [f"{1 - b['ratio']:.2f} {first} + {b['ratio']:.2f} {second}: {first} {b['genre_probabilities'][first]:.0%}, "
            f"{second} {b['genre_probabilities'][second]:.0%} (validity {b['validity']:.2f})"
            for b in result["blends"]] + [_written(result)]


def humanize_lines(result: dict) -> list[str]:
    return [f"variation {i + 1}: {v['hits_changed']} hits changed, timing spread {v['timing_spread']:.3f} steps, "
            f"velocity {v['velocity_range'][0]}-{v['velocity_range'][1]}" if v["velocity_range"] else
            f"variation {i + 1}: no hits" for i, v in enumerate(result["variations"])] + [_written(result)]


def transfer_lines(result: dict) -> list[str]:
    return [f"{result['bars']} bars of {result['label']} played as {result['style']}: rhythm preservation "
            f"{result['rhythm_preservation']:.1%} (kick and snare hits kept), style success "
            f"{result['style_success']:.1%} (bars classified as {result['style']})", _written(result)]


def complexity_lines(result: dict) -> list[str]:
    return [f"expected density: {' '.join(f'{d:.3f}' for d in result['expected_density'])} "
            f"({'rising monotonically' if result['monotonic'] else 'NOT monotonic'})",
            f"drawn bars' density: {' '.join(f'{d:.3f}' for d in result['drawn_density'])}", _written(result)]


def letter_sample_lines(result: dict) -> list[str]:
    names = result["predicted"]
    rows = [" ".join(names[start:start + 8]) for start in range(0, len(names), 8)]
    counts = " ".join(f"{letter}{count}" for letter, count in result["letter_counts"].items()) or "none"
    return [*rows, f"named by the letter evaluator (? = not a confident letter); recognisable "
                   f"{result['recognisable']:.3f}, sharpness {result['sharpness']:.4f}; letters: {counts}",
            f"wrote {result['figure']} and {Path(result['json']).name}"]


def letter_path_lines(result: dict) -> list[str]:
    return [f"{result['from']} → {result['to']} ({result['method']}): {' '.join(result['predicted'])}   "
            f"(? = not a confident letter)", f"wrote {result['figure']}"]
