"""What the `groove` commands print: per performer, the groove beside its baselines and the held-out playing; the
performances `groove apply` wrote; the synthetic performers `data performances` wrote."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from gentool.views.tables import cell, markdown

# short labels: the table fits an 80-column terminal
ROW_NAMES = {"held_out": "played", "groove": "groove", "quantised": "quantised", "instrument_mean": "inst. mean",
             "hand_made": "hand-made"}
COLUMNS = (("timing MAE ms", "timing_mae_ms", "{:.2f}"), ("vel. MAE", "velocity_mae", "{:.2f}"),
           ("swing %", "swing", "{:.1f}"), ("snare 2&4 ms", "snare_push_ms", "{:+.1f}"),
           ("kick 1&3 ms", "kick_push_ms", "{:+.1f}"), ("timing OA", "timing_oa", "{:.3f}"),
           ("vel. OA", "velocity_oa", "{:.3f}"))


def _rows(figures: dict) -> list[tuple[str, dict]]:
    methods = figures["methods"]
    return [(ROW_NAMES["held_out"], figures["held_out"]),
            *[(ROW_NAMES[name], methods[name]) for name in ("groove", "quantised", "instrument_mean", "hand_made")]]


def _margin_line(name: str, figures: dict) -> str:
    parts = []
    for key, label in (("timing_mae_ms", "timing MAE"), ("velocity_mae", "velocity MAE")):
        margin = figures["margins"][key]
        parts.append(f"{label} {margin['lower_by']:.0%} below the best baseline "
                     f"({margin['best_baseline'].replace('_', ' ')})")
    return (f"{name}: groove's " + ", ".join(parts) + f"; hand-made: the {figures['methods']['hand_made']['feel_of']} "
            f"feel, the grammar genre closest to the performer's training bars")


def performer_table(name: str, figures: dict) -> Table:
    table = Table(title=f"{name}: {figures['bars']} held-out bars, {figures['hits']:,} hits", title_justify="left")
    table.add_column("", no_wrap=True, min_width=max(len(label) for label in ROW_NAMES.values()))
    for label, _, _ in COLUMNS:
        table.add_column(label, justify="right")
    for label, values in _rows(figures):
        table.add_row(label, *[cell(values.get(key), fmt) if key in values else "" for _, key, fmt in COLUMNS])
    return table


def timing_table(name: str, figures: dict) -> Table:
    """Micro-timing mean and spread (ms) per instrument: held out, groove (drawn), hand-made (drawn)."""
    shown = (("held out", figures["held_out"]["timing"]), ("groove", figures["methods"]["groove"]["timing"]),
             ("hand-made", figures["methods"]["hand_made"]["timing"]))
    table = Table(title=f"{name}: micro-timing, mean ± spread in ms (drawn performances)", title_justify="left")
    table.add_column("instrument")
    for label, _ in shown:
        table.add_column(label, justify="right")
    for instrument in figures["held_out"]["timing"]:
        table.add_row(instrument.replace("_", " "), *[
            f"{values[instrument]['mean_ms']:+.1f} ± {values[instrument]['spread_ms']:.1f}" if instrument in values
            else "n/a" for _, values in shown])
    return table


def measure_view(report: dict) -> list[Table | str]:
    shown: list[Table | str] = []
    for name, figures in report["performers"].items():
        shown += [performer_table(name, figures), timing_table(name, figures), _margin_line(name, figures)]
    return shown + [f"OA: overlapping area of the distributions of drawn and held-out micro-timing and velocity, per "
                    f"instrument, weighted by hits (Yang & Lerch 2020); written to {report['json']}"]


def measure_markdown(report: dict) -> str:
    """One table of every performer's rows, as docs/groove.md shows it."""
    header = ["performer", "", *[label for label, _, _ in COLUMNS]]
    rows = []
    for name, figures in report["performers"].items():
        for label, values in _rows(figures):
            label = f"hand-made ({values['feel_of']})" if label == ROW_NAMES["hand_made"] else label
            rows.append([name, label, *[cell(values.get(key), fmt) if key in values else "" for _, key, fmt in
                                        COLUMNS]])
    return markdown(header, rows)


def apply_lines(result: dict) -> list[str]:
    lines = [f"{result['bars']} bars played by {result['performer']} at {result['bpm']:g} BPM "
             f"(temperature {result['temperature']:g})"]
    for performance in result["performances"]:
        swing = cell(performance["swing"], "{:.1f}%")
        lines.append(f"{performance['files'][0]}: swing {swing}, snare on 2 and 4 "
                     f"{cell(performance['snare_push_ms'], '{:+.1f} ms')}, kick on 1 and 3 "
                     f"{cell(performance['kick_push_ms'], '{:+.1f} ms')}, velocities {performance['velocity_range']}")
    json_path = Path(result["json"])
    return lines + [f"score: {result['score_files'][0]}; files and {json_path.name} in {json_path.parent}"]


def performances_lines(result: dict) -> list[Table | str]:
    table = Table(title=f"synthetic performers written to {result['out']} (seed {result['seed']})",
                  title_justify="left")
    for column in ("performer", "files", "bars", "feel"):
        table.add_column(column, justify="left" if column in ("performer", "feel") else "right", overflow="fold")
    for name, written in result["performers"].items():
        table.add_row(name, str(written["files"]), str(written["bars"]), written["feel"]["description"])
    return [table, f"train a groove on them: gentool groove train --midi-dir {result['out']}"]
