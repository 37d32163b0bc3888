"""The latent-size study's summary: VAE and GAN letter runs at several latent sizes, one table and one figure.

    python -m benchmarks.latent_size FOLDER [--data-dir DIR] [--json]

FOLDER holds finished `gentool vae train --dataset fonts` and `gentool gan train` runs (examples/latent_size.sh
makes them). Each run's last evaluated record gives letters covered, letter FID, recognisable share and sharpness;
a VAE's also its held-out reconstruction and negative ELBO (nats per image) and the sharpness of its
reconstructions (decoder mean at the posterior mean) of the held-out real letters; every run its seconds per epoch.
Runs are grouped by family and model.z_dim (mean ± std over seeds). The real letters' figures (the held-out
"real" baseline of the runs' letter evaluator, measured the same way) are printed beside them as the reference.

Two trends are computed for the README's claims: for each family, the Spearman rank correlation over runs
between log z and each figure (negative: the figure falls as z grows), and the spread of the sharpness means
across latent sizes relative to their average (max - min over mean): "varies less" means a smaller spread.
Writes latent_size.json, latent_size.md and latent_size.png into FOLDER.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import torch

from gentool.config import build_config, load_yaml_file, renamed_keys
from gentool.datasets.fonts import FontDataConfig
from gentool.evaluate.coverage import CoverageSettings, measure
from gentool.evaluate.letters import LetterEvaluatorSettings, load_letter_evaluator
from gentool.evaluate.sharpness import sharpness
from gentool.evaluate.spread import format_spread, spread
from gentool.io.figures import plt, save_figure
from gentool.runtime.files import atomic_write_json, atomic_write_text
from gentool.runtime.rundir import RunDir
from gentool.vae.letter_train import load_letter_vae
from gentool.views.tables import markdown

# (key, column, format): what each run contributes; VAE-only figures are n/a for the GAN
FIGURES = [("val_elbo", "neg. ELBO (nats)", "{:.1f}"), ("val_recon", "recon (nats)", "{:.1f}"),
           ("letters_covered", "letters covered", "{:.1f}"), ("letter_fid", "letter FID", "{:.0f}"),
           ("sharpness", "sharpness", "{:.4f}"), ("recon_sharpness", "recon. sharpness", "{:.4f}"),
           ("confident_share", "recognisable", "{:.3f}"),
           ("seconds_per_epoch", "s/epoch", "{:.1f}")]


COLOURS = {"gan": "tab:blue", "vae": "tab:orange"}  # one colour per family in every panel


def describe(run: RunDir) -> dict | None:
    """A finished letter run's latent size, seed and final figures; None for anything else."""
    try:
        summary = json.loads(run.summary_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    config = load_yaml_file(run.config_path)
    family = summary.get("kind")
    letters = (family == "gan" and config.get("dataset", "fonts") == "fonts") or (
        family == "vae" and config.get("dataset") == "fonts")
    records = run.read_metrics()
    evaluated = [r for r in records if r.get("letters_covered") is not None]
    if not letters or summary.get("status") != "completed" or not evaluated:
        return None
    final = {**evaluated[-1], **records[-1]}
    row = {"run": str(run.path), "family": family, "z_dim": config["model"]["z_dim"], "seed": config.get("seed", 0),
           "epochs": records[-1]["epoch"],
           "seconds_per_epoch": round(sum(r["epoch_s"] for r in records) / len(records), 3)}
    for key, _, _ in FIGURES[:-1]:
        row[key] = final.get(key)
    return row


@torch.no_grad()
def reconstruction_sharpness(run: str, images: torch.Tensor) -> float | None:
    """Sharpness of a letter VAE's reconstructions (decoder mean at the posterior mean) of images in [-1, 1]; None
    (n/a in the table) for a run that kept no checkpoint."""
    checkpoint = Path(run) / "checkpoints" / "last.pt"
    if not checkpoint.is_file():
        return None
    model, config = load_letter_vae(checkpoint)
    labels = None
    if config.model.conditional:
        raise SystemExit(f"{run}: the study's VAE runs are unconditional (reconstructions need no labels)")
    ink = (images + 1) / 2
    means = model.encode(ink, labels).mean
    return sharpness(torch.sigmoid(model.decode(means, labels)) * 2 - 1)


def spearman(xs: list[float], ys: list[float]) -> float | None:
    """Spearman's rank correlation (average ranks for ties); None with fewer than 3 pairs or a constant side."""
    if len(xs) < 3:
        return None

    def ranks(values: list[float]) -> list[float]:
        order = sorted(range(len(values)), key=values.__getitem__)
        result = [0.0] * len(values)
        start = 0
        while start < len(order):
            end = start
            while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
                end += 1
            for position in range(start, end + 1):
                result[order[position]] = (start + end) / 2
            start = end + 1
        return result

    a, b = ranks(xs), ranks(ys)
    mean_a, mean_b = sum(a) / len(a), sum(b) / len(b)
    cov = sum((x - mean_a) * (y - mean_b) for x, y in zip(a, b))
    norm = math.sqrt(sum((x - mean_a) ** 2 for x in a) * sum((y - mean_b) ** 2 for y in b))
    return round(cov / norm, 3) if norm else None


def summarise(folder: Path, data_dir: Path | None = None) -> dict:
    runs = [row for path in sorted(folder.iterdir()) if path.is_dir() and (row := describe(RunDir(path)))]
    if not runs:
        raise SystemExit(f"no finished letter runs under {folder}")
    first = RunDir(Path(runs[0]["run"]))
    config = load_yaml_file(first.config_path)
    fonts = renamed_keys(config, {"letters": "fonts"} if runs[0]["family"] == "vae" else {"data": "fonts"})["fonts"]
    evaluator = load_letter_evaluator(build_config(FontDataConfig, fonts), data_dir,
                                      settings=build_config(LetterEvaluatorSettings, config["evaluation"]["evaluator"]))
    real, _ = measure(evaluator.real_images, evaluator, CoverageSettings(samples=len(evaluator.real_images)))
    for row in runs:
        if row["family"] == "vae":
            row["recon_sharpness"] = reconstruction_sharpness(row["run"], evaluator.real_images)
    groups: dict[str, dict[int, dict]] = {}
    for family in sorted({r["family"] for r in runs}):
        mine = [r for r in runs if r["family"] == family]
        groups[family] = {z: {"runs": len(items), **{key: spread([i[key] for i in items]) for key, _, _ in FIGURES}}
                          for z in sorted({r["z_dim"] for r in mine})
                          for items in [[r for r in mine if r["z_dim"] == z]]}
    trends = {}
    for family, by_z in groups.items():
        mine = [r for r in runs if r["family"] == family]
        correlations = {}
        for key, _, _ in FIGURES:
            pairs = [(math.log2(r["z_dim"]), r[key]) for r in mine if r[key] is not None]
            correlations[key] = spearman([p[0] for p in pairs], [p[1] for p in pairs])
        means = [g["sharpness"]["mean"] for g in by_z.values() if g["sharpness"]["mean"] is not None]
        relative = (max(means) - min(means)) / (sum(means) / len(means)) if means else None
        trends[family] = {"spearman_with_log_z": correlations,
                          "sharpness_relative_range": None if relative is None else round(relative, 3)}
    result = {"folder": str(folder), "runs": runs, "groups": groups, "trends": trends,
              "real": {key: real[key] for key in ("letters_covered", "letter_fid", "sharpness", "confident_share")}}
    result["table"] = table(result)
    result["figure"] = str(figure(folder / "latent_size.png", result))
    atomic_write_text(folder / "latent_size.md", result["table"] + "\n")
    result["json"] = str(atomic_write_json(folder / "latent_size.json", result))
    return result


def table(result: dict) -> str:
    rows = []
    for family, by_z in result["groups"].items():
        for z, group in by_z.items():
            rows.append([family.upper(), str(z), str(group["runs"]),
                         *[format_spread(group[key], fmt) for key, _, fmt in FIGURES]])
    real = result["real"]
    rows.append(["real letters (held out)", "", "", "", "", str(real["letters_covered"]),
                 f"{real['letter_fid']:.0f}", f"{real['sharpness']:.4f}", f"{real['sharpness']:.4f}",
                 f"{real['confident_share']:.3f}", ""])
    return markdown(["family", "z", "runs", *[column for _, column, _ in FIGURES]], rows)


def figure(path: Path, result: dict) -> Path:
    shown = [f for f in FIGURES if f[0] not in ("val_recon", "recon_sharpness")]
    fig, axes = plt.subplots(2, 3, figsize=(12, 6.4))
    for ax, (key, column, _) in zip(axes.flat, shown):
        for family, by_z in result["groups"].items():
            points = [(z, g[key]["mean"], g[key]["std"]) for z, g in by_z.items() if g[key]["mean"] is not None]
            if points:
                zs, means, stds = zip(*points)
                ax.errorbar(zs, means, yerr=stds, marker="o", capsize=3, label=family.upper(),
                            color=COLOURS.get(family))
        if key == "sharpness":
            recon = [(z, g["recon_sharpness"]["mean"]) for z, g in result["groups"].get("vae", {}).items()
                     if g["recon_sharpness"]["mean"] is not None]
            if recon:
                ax.plot(*zip(*recon), marker="s", linestyle="--", color=COLOURS["vae"], label="VAE reconstructions")
            ax.axhline(result["real"]["sharpness"], color="grey", linestyle=":", label="real letters")
        if key == "letter_fid":
            ax.set_yscale("log")
        ax.set_xscale("log", base=2)
        ax.set_title(column, fontsize=10)
        ax.set_xlabel("latent size z")
        ax.legend(fontsize=7)
    fig.suptitle(f"latent size: mean ± std over seeds ({result['folder']})", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = summarise(args.folder, args.data_dir)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(result["table"])
    for family, trend in result["trends"].items():
        correlations = ", ".join(f"{k} {v:+.2f}" for k, v in trend["spearman_with_log_z"].items() if v is not None)
        print(f"{family.upper()}: Spearman with log z: {correlations}; sharpness range / mean across z: "
              f"{trend['sharpness_relative_range']}")
    print(f"wrote {result['figure']}, {args.folder / 'latent_size.md'}, {result['json']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
