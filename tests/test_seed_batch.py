"""Seeds of a 2-D GAN trained as one batched model (`--batch-seeds`, gentool/gan/seed_batch.py): each seed's
slice of a batched step equals the seed's own step, batched runs are ordinary run folders that end bit-for-bit
where unbatched runs end (where exactness holds), and interrupts, kills and unbatchable configs behave."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from gentool.cli.app import app
from gentool.gan.config import resolve_gan_config
from gentool.gan.seed_batch import STACKED_LOSS_PARTS, SeedBatchTrainer, batching_refusal
from gentool.gan.stacked import seed_optimizer_state, seed_state
from gentool.gan.tasks import load_task
from gentool.gan.train import GanTrainer
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir
from gentool.runtime.seeding import capture_rng_state
from gentool.sweep.engine import SweepEvents, plan_sweep, run_sweep
from gentool.sweep.executors import LocalExecutor

from helpers import StopAfter

TINY = ["points.samples=1000", "mlp.g_hidden=32", "mlp.d_hidden=32", "mlp.g_layers=2", "mlp.d_layers=2",
        "train.max_steps_per_epoch=5", "evaluation.samples=500", "train.sample_count=100", "train.epochs=2",
        "device=cpu", "dataset=ring8"]
# bit-for-bit on CPU; spectral norm is not (see test_spectral_norm_stays_close_after_one_step)
EXACT = [[], ["label-smoothing"], ["feature-matching"], ["r1"], ["pacgan"], ["wgan-gp"],
         ["minibatch-discrimination"], ["unrolled"], ["pacgan", "r1", "feature-matching"], ["unrolled", "r1"]]
runner = CliRunner()


def config(seed: int, fixes: list[str], extra: tuple[str, ...] = ()):
    return resolve_gan_config("vanilla", None, {}, [*TINY, f"seed={seed}", f"fixes=[{','.join(fixes)}]", *extra])


def trainer(seed: int, fixes: list[str], folder: Path, extra: tuple[str, ...] = ()) -> GanTrainer:
    folder.mkdir(parents=True)
    ctx = RunContext.on("cpu")
    chosen = config(seed, fixes, extra)
    return GanTrainer(config=chosen, task=load_task(chosen, ctx), run=RunDir(folder), ctx=ctx)


def steps_both_ways(fixes: list[str], seeds: list[int], steps: int, tmp_path: Path, extra: tuple[str, ...] = ()):
    """The same seeds trained `steps` steps alone and as one batch, on the same per-seed batches."""
    alone = []
    for seed in seeds:
        single = trainer(seed, fixes, tmp_path / f"alone{seed}", extra)
        order = torch.randperm(single.examples)
        for step in range(steps):
            metrics = single.train_step(order[step * 100:(step + 1) * 100])
            single.global_step += 1
        alone.append((single, order, metrics))
    members, states = [], []
    for seed in seeds:
        members.append(trainer(seed, fixes, tmp_path / f"batched{seed}", extra))
        states.append(capture_rng_state())  # each seed's stream as its own run has it after building its models
    batch = SeedBatchTrainer(members, states)
    orders = torch.stack([torch.randperm(m.examples, generator=g) for m, g in zip(members, batch.streams)])
    for step in range(steps):
        metrics = batch.train_step(orders[:, step * 100:(step + 1) * 100])
        batch.global_step += 1
    return alone, batch, orders, metrics


def assert_same_state(left: dict, right: dict, exact: bool = True) -> None:
    assert list(left) == list(right)
    for name in left:
        if exact:
            assert torch.equal(left[name], right[name]), name
        else:
            assert torch.allclose(left[name].float(), right[name].float(), atol=1e-3), name


@pytest.mark.parametrize("fixes", EXACT, ids=lambda fixes: "+".join(fixes) or "vanilla")
def test_each_seeds_slice_of_a_batched_step_is_its_own_step(fixes, tmp_path):
    alone, batch, orders, metrics = steps_both_ways(fixes, [0, 1, 2], 2, tmp_path)
    generator, discriminator = batch.generator.state_dict(), batch.discriminator.state_dict()
    opt_d = batch.opt_d.state_dict()
    for index, (single, order, single_metrics) in enumerate(alone):
        assert torch.equal(orders[index], order)  # the seed's own shuffle, from its own stream
        assert_same_state(seed_state(generator, index), single.generator.state_dict())
        assert_same_state(seed_state(discriminator, index), single.discriminator.state_dict())
        state = seed_optimizer_state(opt_d, index)["state"]
        for key, entry in single.opt_d.state_dict()["state"].items():
            assert_same_state(state[key], entry)
        assert {name: metrics[name][index] for name in metrics} == pytest.approx(single_metrics, abs=0)


def test_a_generator_without_batch_norm_batches_exactly(tmp_path):
    alone, batch, _, _ = steps_both_ways([], [0, 1], 2, tmp_path, ("mlp.g_batch_norm=false",))
    for index, (single, _, _) in enumerate(alone):
        assert_same_state(seed_state(batch.generator.state_dict(), index), single.generator.state_dict())


def test_one_seed_batched_is_the_unbatched_step(tmp_path):
    alone, batch, _, _ = steps_both_ways([], [7], 3, tmp_path)
    assert_same_state(seed_state(batch.generator.state_dict(), 0), alone[0][0].generator.state_dict())
    assert_same_state(seed_state(batch.discriminator.state_dict(), 0), alone[0][0].discriminator.state_dict())


def test_spectral_norm_stays_close_after_one_step(tmp_path):
    """Spectral norm's batched gradients differ from the unbatched ones in the last bits (float sums in another
    order), so its batched runs are statistically, not bit-for-bit, the same; one step apart they are within
    float noise."""
    alone, batch, _, _ = steps_both_ways(["spectral-norm"], [0, 1], 1, tmp_path)
    for index, (single, _, _) in enumerate(alone):
        assert_same_state(seed_state(batch.discriminator.state_dict(), index), single.discriminator.state_dict(),
                          exact=False)
        assert_same_state(seed_state(batch.generator.state_dict(), index), single.generator.state_dict(),
                          exact=False)


def sweep(out: Path, fixes: str = "vanilla,r1+pacgan", seeds: int = 2, assignments=()):
    return plan_sweep(family="gan", grid_texts=[f"fixes={fixes}"], seeds=seeds, preset=None,
                      assignments=[*TINY, *assignments], out=out, baseline=None)


def checkpoint(folder: Path) -> dict:
    return torch.load(folder / "checkpoints" / "last.pt", weights_only=True)


def assert_same_runs(left: Path, right: Path) -> None:
    """Two sweeps' cells end with the same weights, optimiser states, random state and evaluated figures."""
    for cell in sorted(p.name for p in (left / "cells").iterdir()):
        a, b = checkpoint(left / "cells" / cell), checkpoint(right / "cells" / cell)
        for part in ("generator", "discriminator"):
            assert_same_state(a[part], b[part])
        assert torch.equal(a["rng"]["torch"], b["rng"]["torch"]) and a["global_step"] == b["global_step"]
        figures = [{k: v for k, v in json.loads(line).items() if k in ("epoch", "modes_captured", "high_quality",
                                                                       "reverse_kl", "loss_d", "loss_g")}
                   for line in (left / "cells" / cell / "metrics.jsonl").read_text().splitlines()]
        again = [{k: v for k, v in json.loads(line).items() if k in figures[0]}
                 for line in (right / "cells" / cell / "metrics.jsonl").read_text().splitlines()]
        assert figures == again, cell


def test_batched_cells_are_ordinary_runs_equal_to_unbatched_ones(tmp_path):
    alone = run_sweep(sweep(tmp_path / "alone"), LocalExecutor(1), RunContext.on("cpu"))
    batched = run_sweep(sweep(tmp_path / "batched"), LocalExecutor(1), RunContext.on("cpu"), batch_seeds=True)
    assert [c["status"] for c in batched["cells"]] == ["done"] * 4
    assert_same_runs(tmp_path / "alone", tmp_path / "batched")
    cell = tmp_path / "batched" / "cells" / "r1+pacgan-s1"
    summary = json.loads((cell / "summary.json").read_text())
    assert summary["seeds_batched"] == 2 and summary["seed"] == 1 and summary["status"] == "completed"
    assert "seeds_batched" not in json.loads((tmp_path / "alone" / "cells" / "vanilla-s0" / "summary.json")
                                             .read_text())
    assert (cell / "figures" / "modes.png").is_file() and (cell / "samples" / "epoch_0002.png").is_file()
    for other, mine in zip(alone["groups"], batched["groups"]):
        assert {k: v for k, v in other["metrics"].items() if k != "seconds_per_epoch"} == \
               {k: v for k, v in mine["metrics"].items() if k != "seconds_per_epoch"}
    # the existing commands read a batched run: coverage from its checkpoint, and the report page
    env = {"GENTOOL_DATA_DIR": str(tmp_path / "data")}
    seed = str(summary["evaluation"]["seed"])  # the run's evaluation noise: its last evaluation again
    result = runner.invoke(app, ["gan", "coverage", "--run", str(cell), "--seed", seed, "--json", "--quiet"], env=env)
    assert result.exit_code == 0, result.output
    measured = json.loads(result.stdout)["model"]
    assert (measured["modes_captured"], measured["high_quality"]) == \
        (summary["final"]["modes_captured"], summary["final"]["high_quality"])
    result = runner.invoke(app, ["report", str(cell), "--out", str(tmp_path / "page"), "--quiet"], env=env)
    assert result.exit_code == 0, result.output


def test_an_interrupted_batch_resumes_to_the_same_runs(tmp_path):
    run_sweep(sweep(tmp_path / "straight"), LocalExecutor(1), RunContext.on("cpu"), batch_seeds=True)
    stopped = run_sweep(sweep(tmp_path / "s"), LocalExecutor(1), RunContext.on("cpu", stop=StopAfter(8)),
                        batch_seeds=True)
    assert [c["status"] for c in stopped["cells"]] == ["pending", "pending", "pending", "pending"]
    for seed in (0, 1):  # Ctrl-C: every seed of the running batch saved mid-epoch
        state = checkpoint(tmp_path / "s" / "cells" / f"vanilla-s{seed}")
        assert (state["epoch"], state["batch"]) == (1, 2)
    resumed = run_sweep(sweep(tmp_path / "s"), LocalExecutor(1), RunContext.on("cpu"), batch_seeds=True)
    assert [c["status"] for c in resumed["cells"]] == ["done"] * 4
    assert_same_runs(tmp_path / "straight", tmp_path / "s")


def test_a_kill_between_two_seeds_writes_loses_at_most_an_epoch(tmp_path):
    """SIGKILL after seed 0's epoch-1 checkpoint and seed 1's record, before seed 1's checkpoint: the seeds
    stand at different steps, so the same command trains them one by one to the same end."""
    run_sweep(sweep(tmp_path / "straight", fixes="vanilla"), LocalExecutor(1), RunContext.on("cpu"))
    args = [sys.executable, "-m", "gentool", "sweep", "gan", "--grid", "fixes=vanilla", "--seeds", "2",
            *[part for text in TINY for part in ("--set", text)], "--out", str(tmp_path / "k"), "--batch-seeds",
            "--quiet"]
    # the same torch thread count as the straight run in this process: results are bit-for-bit only at equal
    # thread counts (CI runs pytest without OMP_NUM_THREADS, so with every core)
    env = {**os.environ, "GENTOOL_DATA_DIR": str(tmp_path / "data"), "OMP_NUM_THREADS": str(torch.get_num_threads()),
           "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "GENTOOL_KILL_AT": "record:2"}
    killed = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr
    assert checkpoint(tmp_path / "k" / "cells" / "vanilla-s0")["epoch"] == 1
    assert not (tmp_path / "k" / "cells" / "vanilla-s1" / "checkpoints" / "last.pt").is_file()
    env.pop("GENTOOL_KILL_AT")
    again = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert_same_runs(tmp_path / "straight", tmp_path / "k")


def test_configs_that_cannot_be_batched_say_why_and_train_one_by_one(tmp_path, monkeypatch):
    assert batching_refusal(config(0, ["r1"])) is None
    letters = resolve_gan_config("quick", None, {}, [])
    assert "2-D" in batching_refusal(letters)
    bf16 = resolve_gan_config("vanilla", None, {}, [*TINY, "train.precision=bf16"])
    assert "bf16" in batching_refusal(bf16)
    monkeypatch.delitem(STACKED_LOSS_PARTS, "r1")  # a fix without a stacked form of its loss
    assert "r1" in batching_refusal(config(0, ["r1"]))
    notes = []
    results = run_sweep(sweep(tmp_path / "f"), LocalExecutor(1), RunContext.on("cpu"),
                        SweepEvents(note=notes.append), batch_seeds=True)
    assert [c["status"] for c in results["cells"]] == ["done"] * 4
    assert notes == ["--batch-seeds: r1+pacgan: each seed trains on its own (fix(es) r1 have no stacked form "
                     "(gentool/gan/seed_batch.py))"]
    folders = tmp_path / "f" / "cells"
    assert "seeds_batched" not in json.loads((folders / "r1+pacgan-s0" / "summary.json").read_text())
    assert json.loads((folders / "vanilla-s0" / "summary.json").read_text())["seeds_batched"] == 2


def test_a_seed_whose_loss_turns_nan_fails_alone(tmp_path):
    """Nothing mixes seeds: a NaN in one seed's weights fails that seed's run as its own run would fail, and the
    other seed ends exactly where it ends when trained beside a healthy seed."""
    outcomes = {}
    for name, poison in (("healthy", False), ("poisoned", True)):
        members, states = [], []
        for seed in (0, 1):
            members.append(trainer(seed, [], tmp_path / name / f"s{seed}"))
            members[-1].run.checkpoints.mkdir(parents=True, exist_ok=True)
            members[-1].run.samples.mkdir(parents=True, exist_ok=True)
            members[-1].run.figures.mkdir(parents=True, exist_ok=True)
            states.append(capture_rng_state())
        batch = SeedBatchTrainer(members, states)
        if poison:
            with torch.no_grad():
                batch.discriminator.classify.bias[1] = float("nan")
        outcomes[name] = (batch.run_to_end("vanilla", ["a", "b"]), members)
    summaries, members = outcomes["poisoned"]
    assert summaries[1]["status"] == "failed" and "became nan" in summaries[1]["message"]
    assert summaries[0]["status"] == "completed" and summaries[0]["epochs_completed"] == 2
    assert_same_state(members[0].generator.state_dict(), outcomes["healthy"][1][0].generator.state_dict())
    assert json.loads((members[1].run.summary_path).read_text())["status"] == "failed"
