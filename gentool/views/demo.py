"""What `gentool demo` prints at the end: both runs beside the baselines, the instrument that measured them, the
letters each one misses, where the page and the picture are."""

from __future__ import annotations

from rich.table import Table

from gentool.evaluate.instruments import instrument_of
from gentool.views.gan import letters_side_by_side


def demo_view(result: dict) -> list[Table | str]:
    runs = result["runs"]
    table = letters_side_by_side({name: run["coverage"] for name, run in runs.items()}, result["baselines"],
                                 result["samples"], result["noise_seed"])
    lines = [f"{name} ({run['preset']}, trained in {run['wall_time_s']:.0f} s): "
             + (f"missing {''.join(run['coverage']['missing'])}" if run["coverage"]["missing"] else "every letter")
             for name, run in runs.items()]
    return [table, f"measured by {instrument_of(result['instrument']).label()}", *lines,
            f"report: {result['report']} (both runs side by side)", f"samples side by side: {result['figure']}",
            f"done in {result['wall_time_s']:.0f} s; every step above is a gentool command you can rerun or change"]
