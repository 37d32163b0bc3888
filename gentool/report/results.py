"""The measurements a run folder holds besides its metrics (coverage.json, likelihood.json,
posterior_collapse.json, seq2seq's eval.json, the creative commands' JSON), shown with the same views the commands
print them with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from gentool.report.tables import shown
from gentool.views import gan as gan_views
from gentool.views import rbm as rbm_views
from gentool.views import seq2seq as seq2seq_views
from gentool.views import vae as vae_views

# the creative commands' result files (vae/sessions.save_result), by name
CREATIVE_VIEWS: dict[str, Callable[[dict], list[Any]]] = {
    "samples.json": vae_views.sample_lines, "interpolation.json": vae_views.interpolation_lines,
    "blend.json": vae_views.blend_lines, "humanize.json": vae_views.humanize_lines,
    "transfer.json": vae_views.transfer_lines, "complexity.json": vae_views.complexity_lines,
}


def view_for(path: Path, relative: Path, run: Path) -> Callable[[dict], list[Any]] | None:
    name = relative.name
    if relative.parent == Path("."):
        if name == "coverage.json":
            return lambda result: (rbm_views.sample_view(result) if "method" in result
                                   else gan_views.coverage_view(result))
        if name == "likelihood.json":
            return rbm_views.likelihood_lines
        if name == "eval.json":  # seq2seq eval
            return seq2seq_views.eval_view
        if name == "posterior_collapse.json":
            return lambda report: vae_views.analyze_view(report, run, run / "figures")
        return None
    return CREATIVE_VIEWS.get(name)


def run_results(run: Path) -> list[dict]:
    """[{"source": relative path, "tables": [...], "lines": [...], "problem": str|None}] for every result file a
    view knows; a file a view cannot read (an older layout, a file cut short) is named with the reason."""
    results = []
    for path in sorted(run.rglob("*.json")):
        relative = path.relative_to(run)
        if relative.parts[0] == "checkpoints":
            continue
        view = view_for(path, relative, run)
        if view is None:
            continue
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(result, dict):
                # the commands add where they wrote the file after writing it (coverage: "path"; creative: "json")
                result.setdefault("path", str(path))
                result.setdefault("json", str(path))
            tables, lines = shown(view(result))
            results.append({"source": relative.as_posix(), "tables": tables, "lines": lines, "problem": None})
        except (OSError, ValueError, KeyError, TypeError, IndexError) as err:
            results.append({"source": relative.as_posix(), "tables": [], "lines": [],
                            "problem": f"could not be shown ({type(err).__name__}: {err})"})
    return results
