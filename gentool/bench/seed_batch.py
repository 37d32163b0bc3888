"""Step time of S seeds of a 2-D GAN trained as one batched model against S separate models, side by side in
one process (`python -m gentool.bench.seed_batch`); and `--compare A B`: the figures of two sweep folders of
the same grid (one trained with --batch-seeds, one without) cell by cell and group by group, with Welch's test.

For each fix set and each S, the same S seeds are built twice (as ordinary GanTrainers, and stacked into a
SeedBatchTrainer), then rounds alternate: `--steps` batched steps, then `--steps` steps of each separate model.
It prints milliseconds per step of all S seeds each way and their ratio; the machine may be shared, so the ratio
is the figure to read.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch

from gentool.gan.config import resolve_gan_config
from gentool.gan.seed_batch import SeedBatchTrainer
from gentool.gan.tasks import load_task
from gentool.gan.train import GanTrainer
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir
from gentool.runtime.seeding import capture_rng_state
from gentool.sweep.stats import welch

# the CPU-budget regime of examples/fix_benchmark.sh
REGIME = ["train.epochs=2", "optim.lr=1e-3", "mlp.g_hidden=128", "mlp.d_hidden=128", "device=cpu"]


def _trainers(dataset: str, fixes: list[str], seeds: int, folder: Path, ctx: RunContext) -> list[GanTrainer]:
    trainers = []
    for seed in range(seeds):
        config = resolve_gan_config("vanilla", None, {}, [*REGIME, f"dataset={dataset}", f"seed={seed}",
                                                          f"fixes=[{','.join(fixes)}]"])
        run = RunDir(folder / f"{'+'.join(fixes) or 'vanilla'}-{seeds}-{seed}")
        run.path.mkdir(parents=True)
        trainers.append(GanTrainer(config=config, task=load_task(config, ctx), run=run, ctx=ctx))
    return trainers


def measure(dataset: str, fixes: list[str], seeds: int, steps: int, rounds: int, folder: Path) -> dict:
    ctx = RunContext.on("cpu")
    separate = _trainers(dataset, fixes, seeds, folder / "separate", ctx)
    batched_seeds = _trainers(dataset, fixes, seeds, folder / "batched", ctx)
    batched = SeedBatchTrainer(batched_seeds, [capture_rng_state() for _ in batched_seeds])
    size = separate[0].batch_size
    examples = separate[0].examples
    times = {"batched": [], "separate": []}
    for _ in range(rounds):
        index = torch.randint(0, examples, (seeds, size))
        started = time.perf_counter()
        for _ in range(steps):
            batched.train_step(index)
        times["batched"].append((time.perf_counter() - started) / steps)
        started = time.perf_counter()
        for _ in range(steps):
            for seed, trainer in enumerate(separate):
                trainer.train_step(index[seed])
        times["separate"].append((time.perf_counter() - started) / steps)
    batched_ms, separate_ms = 1000 * min(times["batched"]), 1000 * min(times["separate"])
    return {"fixes": "+".join(fixes) or "vanilla", "seeds": seeds, "batched_ms": round(batched_ms, 2),
            "separate_ms": round(separate_ms, 2), "speedup": round(separate_ms / batched_ms, 2)}


COMPARED = ("modes_captured", "high_quality", "reverse_kl")


def compare(left: Path, right: Path) -> list[dict]:
    """Per group and figure of two sweep folders: the cells whose figures are identical, both means, Welch's p."""
    cells = [{c["name"]: c for c in json.loads((Path(f) / "sweep.json").read_text())["cells"]} for f in (left, right)]
    rows = []
    groups = dict.fromkeys(c["name"].rsplit("-s", 1)[0] for c in cells[0].values())
    for group in groups:
        names = [n for n in cells[0] if n.rsplit("-s", 1)[0] == group and n in cells[1]
                 and cells[0][n]["status"] == cells[1][n]["status"] == "done"]
        for metric in COMPARED:
            a = [cells[0][n]["metrics"].get(metric) for n in names]
            b = [cells[1][n]["metrics"].get(metric) for n in names]
            test = welch([v for v in a if v is not None], [v for v in b if v is not None])
            rows.append({"group": group, "metric": metric, "n": len(names),
                         "identical": sum(x == y for x, y in zip(a, b)), "left": a, "right": b, **test})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="grid25")
    parser.add_argument("--fixes", action="append", help="a fix set (a+b); repeatable; default: vanilla, unrolled, "
                                                         "minibatch-discrimination, wgan-gp")
    parser.add_argument("--seeds", type=int, action="append", help="S (repeatable; default 1, 3, 5, 10)")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--compare", nargs=2, metavar=("A", "B"), type=Path, help="two sweep folders to compare")
    args = parser.parse_args(argv)
    if args.compare:
        for row in compare(*args.compare):
            print(json.dumps(row))
        return
    fix_sets = args.fixes or ["vanilla", "unrolled", "minibatch-discrimination", "wgan-gp"]
    print(f"{'fixes':<26}{'S':>4}{'batched ms':>12}{'separate ms':>13}{'speed-up':>10}   (ms per step of all S seeds; "
          f"threads={torch.get_num_threads()}, best of {args.rounds} rounds of {args.steps} steps)")
    with tempfile.TemporaryDirectory() as tmp:
        for fix_set in fix_sets:
            fixes = [] if fix_set == "vanilla" else fix_set.split("+")
            for seeds in args.seeds or [1, 3, 5, 10]:
                row = measure(args.dataset, fixes, seeds, args.steps, args.rounds, Path(tmp))
                print(f"{row['fixes']:<26}{row['seeds']:>4}{row['batched_ms']:>12.2f}{row['separate_ms']:>13.2f}"
                      f"{row['speedup']:>9.2f}x", flush=True)


if __name__ == "__main__":
    main()
