"""Bad inputs across every command, run in-process, printed as a Markdown table (exit code, first line of stderr).

    PYTHONPATH=. python3 tests/bad_inputs_table.py      # prints the table; exit 1 if any case misbehaves

Each case expects exit 2 (bad input: one `error:` line, no traceback) unless it says otherwise (exit 1: the run
itself failed). tests/test_bad_inputs.py runs the same cases as a parametrised test. Nothing may be lost: the run
folders the cases point at are hashed before and after, and a checkpoint carrying code must not run it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

import numpy as np
from typer.testing import CliRunner

HUGE = "1" + "0" * 15


class CodeInPickle:
    """A pickle that runs a command when loaded: the marker file it would create must never appear."""

    marker = ""

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@dataclass
class Case:
    label: str
    args: Callable[[SimpleNamespace], list[str]]
    exit_code: int = 2


def prepare(folder: Path) -> SimpleNamespace:
    """The files the cases point at, and a tiny trained ring8 GAN run (trained once, in-process)."""
    from gentool.drums.pattern import DrumPattern
    from gentool.gan.config import build_gan_config
    from gentool.io.midi import write_midi
    from gentool.runtime.rundir import RunDir

    sys.path.insert(0, str(Path(__file__).parent))
    from helpers import start_gan, tiny_2d

    folder.mkdir(parents=True, exist_ok=True)
    paths = SimpleNamespace(tmp=folder)
    paths.ring = folder / "ring"
    if not (paths.ring / "checkpoints" / "last.pt").exists():
        start_gan(build_gan_config(tiny_2d()), RunDir(paths.ring))
    texts = {"malformed.yaml": "train: {epochs: [1, 2\n", "list.yaml": "- 1\n- 2\n",
             "epochs_text.yaml": "dataset: ring8\ntrain: {epochs: ten}\n", "garbage.mid": "not midi at all",
             "empty.mid": "", "empty.npy": "", "not_a_run/readme.txt": "x", "afile": "x"}
    for name, text in texts.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    (folder / "binary.yaml").write_bytes(b"\xff\xfe\x00binary")
    hits = np.zeros((16, 9), dtype=bool)
    hits[[0, 8], 0] = hits[[4, 12], 1] = True
    good = write_midi(folder / "good.mid", DrumPattern.from_hits(hits)).read_bytes()
    write_midi(folder / "long.mid", DrumPattern.from_hits(np.concatenate([hits] * 600)))
    (folder / "truncated.mid").write_bytes(good[:30])
    events = b"\x8f\xff\xff\x7f\x99\x24\x64\x00\xff\x2f\x00"  # a note 2^28 - 1 ticks in: bar 699,051
    header = b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x00\x60"
    (folder / "far.mid").write_bytes(header + b"MTrk" + len(events).to_bytes(4, "big") + events)
    np.save(folder / "nan.npy", np.full((16, 9), np.nan))
    for name, damage in {"corrupt": os.urandom(2000), "truncated": None, "empty": b"", "pickled": None}.items():
        run = folder / f"{name}_run"
        if not run.exists():
            os.system(f"cp -r {paths.ring} {run}")
        checkpoint = run / "checkpoints" / "last.pt"
        if name == "truncated":
            damage = (paths.ring / "checkpoints" / "last.pt").read_bytes()[:500]
        if name == "pickled":
            CodeInPickle.marker = str(folder / "code_ran")
            damage = pickle.dumps({"format": 1, "kind": "gan", "model": CodeInPickle()})
        checkpoint.write_bytes(damage)
        setattr(paths, f"{name}_run", run)
    garbage_metrics = folder / "garbage_metrics_run"
    if not garbage_metrics.exists():
        os.system(f"cp -r {paths.ring} {garbage_metrics}")
        with open(garbage_metrics / "metrics.jsonl", "a") as handle:
            handle.write("{not json\n{\"epoch\": 2}\n")
    paths.garbage_metrics_run = garbage_metrics
    return paths


R = "--run"
CASES = [
    Case("malformed YAML", lambda p: ["gan", "train", "--config", str(p.tmp / "malformed.yaml")]),
    Case("YAML that is a list, not a mapping", lambda p: ["gan", "train", "--config", str(p.tmp / "list.yaml")]),
    Case("config file that is not text", lambda p: ["vae", "train", "--config", str(p.tmp / "binary.yaml")]),
    Case("missing config file", lambda p: ["em", "fit", "--config", str(p.tmp / "nope.yaml")]),
    Case("wrong type in YAML (epochs: ten)", lambda p: ["gan", "train", "--config", str(p.tmp / "epochs_text.yaml")]),
    Case("wrong type in --set", lambda p: ["gan", "train", "--dataset", "ring8", "--set", "train.epochs=abc"]),
    Case("negative epochs", lambda p: ["gan", "train", "--dataset", "ring8", "--set", "train.epochs=-3"]),
    Case("NaN learning rate", lambda p: ["gan", "train", "--dataset", "ring8", "--set", "optim.lr=nan"]),
    Case("infinite learning rate (RBM)", lambda p: ["rbm", "train", "--lr", "inf"]),
    Case("huge epochs", lambda p: ["gan", "train", "--dataset", "ring8", "--set", f"train.epochs={HUGE}"]),
    Case("batch size 0", lambda p: ["vae", "train", "--set", "train.batch_size=0"]),
    Case("unknown config key", lambda p: ["gan", "train", "--set", "optim.lrr=0.1"]),
    Case("--set without =", lambda p: ["vi", "fit", "--set", "steps"]),
    Case("unknown dataset", lambda p: ["gan", "train", "--dataset", "ring9"]),
    Case("unknown fix", lambda p: ["gan", "train", "--dataset", "ring8", "--fix", "feature-matchin"]),
    Case("unknown preset", lambda p: ["vae", "train", "--preset", "no-such"]),
    Case("unknown genre in a list", lambda p: ["vae", "train", "--set", "drums.genres=[rokc]"]),
    Case("unknown device", lambda p: ["gan", "train", "--dataset", "ring8", "--device", "tpu"]),
    Case("EM: zero components", lambda p: ["em", "fit", "--components", "0"]),
    Case("EM: unknown covariance", lambda p: ["em", "fit", "--covariance", "round"]),
    Case("MCMC: unknown sampler", lambda p: ["mcmc", "sample", "--sampler", "gibs"]),
    Case("MCMC: huge --steps", lambda p: ["mcmc", "sample", "--steps", HUGE]),
    Case("MCMC: negative chains", lambda p: ["mcmc", "sample", "--chains", "-1"]),
    Case("VI: unknown method", lambda p: ["vi", "fit", "--method", "advi"]),
    Case("RBM: negative hidden units", lambda p: ["rbm", "train", "--hidden", "-5"]),
    Case("--resume of a missing folder", lambda p: ["gan", "train", "--resume", str(p.tmp / "nope")]),
    Case("--resume of a folder that is no run", lambda p: ["gan", "train", "--resume", str(p.tmp / "not_a_run")]),
    Case("a GAN run given to vae analyze", lambda p: ["vae", "analyze", R, str(p.ring)]),
    Case("a GAN run given to rbm sample", lambda p: ["rbm", "sample", R, str(p.ring)]),
    Case("a GAN run given to vae train --resume", lambda p: ["vae", "train", "--resume", str(p.ring)]),
    Case("corrupt checkpoint (random bytes)", lambda p: ["gan", "coverage", R, str(p.corrupt_run)]),
    Case("truncated checkpoint", lambda p: ["gan", "train", "--resume", str(p.truncated_run)]),
    Case("empty checkpoint", lambda p: ["gan", "figures", R, str(p.empty_run)]),
    Case("checkpoint pickle carrying code", lambda p: ["gan", "coverage", R, str(p.pickled_run)]),
    Case("garbage line in metrics.jsonl", lambda p: ["gan", "figures", R, str(p.garbage_metrics_run)]),
    Case("--out where even root may not write (/sys)", lambda p: ["gan", "train", "--dataset", "ring8", "--out",
                                                                   "/sys/gentool-out"]),
    Case("--out under a file", lambda p: ["gan", "coverage", R, str(p.ring), "--out", str(p.tmp / "afile" / "x")]),
    Case("--out name too long", lambda p: ["gan", "train", "--dataset", "ring8", "--out", str(p.tmp / ("x" * 300))]),
    Case("--out name not UTF-8", lambda p: ["gan", "train", "--dataset", "ring8", "--out",
                                            str(p.tmp / "bad\udcffname")]),
    Case("--out into an existing run", lambda p: ["gan", "train", "--dataset", "ring8", "--out", str(p.ring)]),
    Case("huge --n", lambda p: ["vae", "sample", "--style", "rock", "--n", HUGE]),
    Case("huge --bars", lambda p: ["vae", "blend", "jazz", "rock", "--bars", "100000"]),
    Case("huge --steps", lambda p: ["gan", "interpolate", R, str(p.ring), "--steps", HUGE]),
    Case("--n x --bars over the cap", lambda p: ["vae", "sample", "--style", "rock", "--n", "1000", "--bars", "256"]),
    Case("--threshold (a letters option) on a ring8 run", lambda p: ["gan", "coverage", R, str(p.ring), "--threshold",
                                                                      "nan"]),
    Case("missing pattern file", lambda p: ["vae", "humanize", "--input", str(p.tmp / "nope.mid")]),
    Case("MIDI file that is text", lambda p: ["vae", "humanize", "--input", str(p.tmp / "garbage.mid")]),
    Case("empty MIDI file", lambda p: ["vae", "transfer", "--content", str(p.tmp / "empty.mid"), "--style", "rock"]),
    Case("truncated MIDI file", lambda p: ["data", "render-drums", str(p.tmp / "truncated.mid")]),
    Case("MIDI note 2^28 ticks in", lambda p: ["vae", "humanize", "--input", str(p.tmp / "far.mid")]),
    Case("600-bar input x 4 variations + the input", lambda p: ["vae", "humanize", "--input", str(p.tmp / "long.mid"),
                                                                "--variations", "4"]),
    Case("600-bar content x 2 tracks", lambda p: ["vae", "transfer", "--content", str(p.tmp / "long.mid"), "--style",
                                                  "rock"]),
    Case("empty .npy", lambda p: ["data", "render-drums", str(p.tmp / "empty.npy")]),
    Case("NaN in a .npy pattern", lambda p: ["vae", "transfer", "--content", str(p.tmp / "nan.npy"), "--style",
                                             "rock"]),
    Case("--midi-dir that is a file", lambda p: ["data", "drums", "--midi-dir", str(p.tmp / "afile")]),
    Case("--fonts-dir that is missing", lambda p: ["data", "fonts", "--fonts-dir", str(p.tmp / "nope")]),
    Case("gan compare of a folder that is no run", lambda p: ["gan", "compare", str(p.tmp / "not_a_run")]),
    Case("--bpm out of range", lambda p: ["data", "render-drums", str(p.tmp / "good.mid"), "--bpm", "1e9"]),
    Case("unknown genre", lambda p: ["vae", "sample", "--style", "polka"]),
    Case("gan sample: images asked of a ring8 run", lambda p: ["gan", "sample", R, str(p.ring), "--out",
                                                              str(p.tmp / "pngs")]),
    Case("gan sample: --n 0", lambda p: ["gan", "sample", R, str(p.ring), "--n", "0", "--out", str(p.tmp / "s.npy")]),
    Case("gan sample: --out under a file", lambda p: ["gan", "sample", R, str(p.ring), "--out",
                                                     str(p.tmp / "afile" / "s.npy")]),
    Case("sweep: --gpus-per-run 1.5", lambda p: ["sweep", "em", "--grid", "components=2,3", "--gpus-per-run", "1.5",
                                                 "--out", str(p.tmp / "sweep")]),
    Case("sweep: --gpus-per-run with --device cpu", lambda p: ["sweep", "em", "--grid", "components=2,3",
                                                               "--gpus-per-run", "1", "--device", "cpu", "--out",
                                                               str(p.tmp / "sweep")]),
    Case("a GAN run given to groove apply", lambda p: ["groove", "apply", R, str(p.ring), "--input",
                                                       str(p.tmp / "good.mid")]),
    Case("groove train on a --midi-dir that is a file", lambda p: ["groove", "train", "--midi-dir",
                                                                   str(p.tmp / "afile")]),
    Case("groove apply of a missing score", lambda p: ["groove", "apply", "--input", str(p.tmp / "nope.mid")]),
    Case("unknown synthetic performer", lambda p: ["data", "performances", "--out", str(p.tmp / "perf"),
                                                   "--performer", "drummer"]),
    Case("a build setting while the shipped evaluator measures", lambda p: [
        "gan", "evaluator", "--set", "evaluation.evaluator.epochs=2"]),
    Case("gan evaluator --build with --source shipped", lambda p: ["gan", "evaluator", "--build", "--source",
                                                                   "shipped"]),
    Case("unknown evaluator source", lambda p: ["gan", "evaluator", "--source", "mine"]),
    Case("demo: --out that is a file", lambda p: ["demo", "--out", str(p.tmp / "afile")]),
    Case("demo: unknown config key", lambda p: ["demo", "--out", str(p.tmp / "demo"), "--set", "optim.lrr=0.1"]),
]


def folder_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != ".lock"):
        digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def run_case(case: Case, paths: SimpleNamespace, data_dir: Path) -> dict:
    from gentool.cli.app import app

    result = CliRunner().invoke(app, case.args(paths), env={"GENTOOL_DATA_DIR": str(data_dir), "COLUMNS": "200"})
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    return {"exit": result.exit_code, "first_line": lines[0] if lines else "",
            "traceback": "Traceback" in result.output or (result.exception is not None
                                                           and not isinstance(result.exception, SystemExit)),
            "error_lines": sum(line.startswith("error:") for line in lines)}


def well_behaved(case: Case, outcome: dict) -> bool:
    return outcome["exit"] == case.exit_code and not outcome["traceback"] and outcome["error_lines"] == 1


def main() -> int:
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="bad-inputs-"))
    os.chdir(folder)
    paths = prepare(folder / "inputs")
    before = folder_hash(paths.ring)
    rows, bad = [], 0
    for number, case in enumerate(CASES, 1):
        outcome = run_case(case, paths, folder / "data")
        ok = well_behaved(case, outcome)
        bad += not ok
        command = " ".join(a.replace(str(folder / "inputs"), "…") for a in case.args(paths))
        shown = outcome["first_line"].replace(str(folder / "inputs"), "…").replace("|", "\\|")
        rows.append(f"| {number} | {case.label} | `gentool {command[:70]}` | {outcome['exit']} | "
                    f"{shown[:150]} | {'ok' if ok else 'NOT OK'} |")
    print("| # | bad input | command | exit | first line of stderr | |\n|---|---|---|---|---|---|")
    print("\n".join(rows))
    lost = folder_hash(paths.ring) != before
    ran = (paths.tmp / "code_ran").exists()
    print(f"\n{len(CASES)} cases, {len(CASES) - bad} as expected; the run they pointed at "
          f"{'CHANGED' if lost else 'unchanged'}; the checkpoint's code {'RAN' if ran else 'never ran'}")
    return 1 if bad or lost or ran else 0


if __name__ == "__main__":
    sys.exit(main())
