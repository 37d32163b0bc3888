"""The groove as a family of the shared run path (gentool.runtime.runs): its config, data (MIDI performances) and
trainer, and what `groove train` prints about a finished run."""

from __future__ import annotations

from gentool.groove.config import GrooveConfig, groove_config_dict, read_saved_groove_config, resolve_groove_config
from gentool.groove.data import GrooveData, load_groove_data
from gentool.groove.train import CHECKPOINT_KIND, GrooveTrainer
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir
from gentool.runtime.runs import Family, register_family


def make_trainer(config: GrooveConfig, data: GrooveData, run: RunDir, ctx: RunContext) -> GrooveTrainer:
    return GrooveTrainer(config=config, data=data, run=run, ctx=ctx)


def run_name(config: GrooveConfig, preset: str) -> str:
    return f"groove-{preset}"


def describe(config: GrooveConfig, preset: str) -> str:
    return f"preset {preset}, GRU {config.model.hidden} each way, seed {config.seed}"


def _signed(value: float | None, unit: str) -> str:
    return "n/a" if value is None else f"{value:+.1f}{unit}"


def outcome_lines(summary: dict) -> list[str]:
    """Per performer: the groove's MAEs against the best baseline's, and its swing and pushes against the held-out
    performances'."""
    report = summary.get("groove")
    if not report:
        return []
    lines = []
    for name, figures in report["performers"].items():
        groove, played = figures["methods"]["groove"], figures["held_out"]
        parts = []
        for key, label, unit in (("timing_mae_ms", "timing MAE", " ms"), ("velocity_mae", "velocity MAE", "")):
            best = figures["margins"][key]["best_baseline"]
            parts.append(f"{label} {groove[key]:.1f}{unit} ({figures['margins'][key]['lower_by']:.0%} below "
                         f"{best.replace('_', ' ')}'s {figures['methods'][best][key]:.1f})")
        swing = "n/a" if groove["swing"] is None else f"{groove['swing']:.1f}%"
        held = "n/a" if played["swing"] is None else f"{played['swing']:.1f}%"
        parts.append(f"swing {swing} (held out {held})")
        for key, label in (("snare_push_ms", "snare on 2 and 4"), ("kick_push_ms", "kick on 1 and 3")):
            parts.append(f"{label} {_signed(groove[key], ' ms')} ({_signed(played[key], ' ms')})")
        lines.append(f"{name} ({figures['bars']} held-out bars): " + ", ".join(parts))
    lines.append(f"measured: {summary['measure']}; the full table: gentool groove measure --run {summary['run']}")
    return lines


GROOVE = register_family(Family(
    name=CHECKPOINT_KIND, default_preset="default", resolve_config=resolve_groove_config,
    read_config=read_saved_groove_config, config_dict=groove_config_dict, load_data=load_groove_data,
    make_trainer=make_trainer, run_name=run_name, describe=describe, outcome_lines=outcome_lines))
