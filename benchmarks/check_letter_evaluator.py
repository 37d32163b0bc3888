"""How the letter evaluator reads the clean capitals of font families it never saw (a developer's check, run from a
checkout's root), family by family: how many it rejects ("not a letter") and how many it reads as another letter,
with the light-to-black weights and the thin and hairline ones (OS/2 weight class under 300) counted apart.

    python -m benchmarks.check_letter_evaluator --fonts-dir DIR [--fonts-dir DIR ...] [--local] [--json]

Faces are found and checked as the letter dataset finds them (gentool.datasets.font_faces: real glyphs for all 26
capitals); each capital is rendered clean, as the dataset's first sample of it. The shipped evaluator by default;
--local reads with the local one built from matplotlib's fonts (`gentool gan evaluator --build`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from fontTools.ttLib import TTFont

from gentool.datasets.font_faces import LETTERS, FontFace, discover_faces
from gentool.datasets.fonts import FontDataConfig
from gentool.datasets.glyphs import downsample
from gentool.evaluate.config import LetterEvaluatorSettings
from gentool.evaluate.letters import NOT_A_LETTER, load_letter_evaluator

THIN_BELOW = 300  # OS/2 usWeightClass: 100 thin or hairline, 200 extra-light, 300 light


def weight_class(face: FontFace) -> int:
    font = TTFont(str(face.path), lazy=True)
    try:
        return int(font["OS/2"].usWeightClass) if "OS/2" in font else 400
    finally:
        font.close()


def read_faces(evaluator, faces: list[FontFace]) -> list[dict]:
    rows = []
    for face in faces:
        images = downsample(torch.from_numpy(face.masters)[:, None]) * 2 - 1  # (26, 1, 28, 28) in [-1, 1]
        probabilities, _ = evaluator.classify(images)
        predicted = probabilities.argmax(dim=1).tolist()
        rows.append({"face": face.name, "family": face.family, "weight": weight_class(face),
                     "rejected": [LETTERS[i] for i, p in enumerate(predicted) if p == NOT_A_LETTER],
                     "misread": [f"{LETTERS[i]} as {LETTERS[p]}" for i, p in enumerate(predicted)
                                 if p not in (i, NOT_A_LETTER)]})
    return rows


def by_family(rows: list[dict]) -> list[dict]:
    groups: dict[tuple[str, str], dict] = {}
    for row in rows:
        weights = "thin" if row["weight"] < THIN_BELOW else "light-black"
        group = groups.setdefault((row["family"], weights), {"family": row["family"], "weights": weights,
                                                              "faces": 0, "rejected": [], "misread": []})
        group["faces"] += 1
        group["rejected"] += [f"{letter} ({row['face']})" for letter in row["rejected"]]
        group["misread"] += [f"{misread} ({row['face']})" for misread in row["misread"]]
    return [groups[key] for key in sorted(groups)]


def totals(families: list[dict]) -> dict:
    result = {}
    for weights in ("light-black", "thin"):
        chosen = [f for f in families if f["weights"] == weights]
        capitals = 26 * sum(f["faces"] for f in chosen)
        rejected, misread = sum(len(f["rejected"]) for f in chosen), sum(len(f["misread"]) for f in chosen)
        result[weights] = {"faces": capitals // 26, "capitals": capitals, "rejected": rejected, "misread": misread,
                           "rejected_share": rejected / capitals if capitals else None,
                           "misread_share": misread / capitals if capitals else None}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fonts-dir", action="append", required=True, help="a folder of font files (repeatable)")
    parser.add_argument("--local", action="store_true", help="read with the local evaluator of matplotlib's fonts")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    faces, _ = discover_faces([str(Path(d)) for d in args.fonts_dir], include_matplotlib=False)
    evaluator = load_letter_evaluator(FontDataConfig(), baseline=False,
                                      settings=LetterEvaluatorSettings(source="local" if args.local else "shipped"))
    families = by_family(read_faces(evaluator, faces))
    result = {"instrument": evaluator.instrument.record(), "families": families, "totals": totals(families)}
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print(f"read by {evaluator.instrument.label()}")
    for family in families:
        capitals = 26 * family["faces"]
        print(f"{family['family']:28s} {family['weights']:11s} {family['faces']:2d} faces  rejected "
              f"{len(family['rejected']):3d} ({len(family['rejected']) / capitals:6.2%})  misread "
              f"{len(family['misread']):3d} ({len(family['misread']) / capitals:6.2%})  "
              f"{'; '.join(family['rejected'] + family['misread'])}")
    for weights, total in result["totals"].items():
        if total["capitals"]:
            print(f"all {weights}: {total['faces']} faces, {total['capitals']} capitals, {total['rejected']} rejected "
                  f"({total['rejected_share']:.2%}), {total['misread']} misread ({total['misread_share']:.2%})")


if __name__ == "__main__":
    main()
