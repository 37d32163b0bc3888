"""Benchmark: gentool's RBM against scikit-learn's BernoulliRBM on the same binarised letters, as a sanity reference.

    python -m benchmarks.rbm_reference [--hidden 100] [--epochs 10] [--batch-size 100] [--lr 0.05] [--seed 0]
                                       [--ais-steps 3000] [--device cpu] [--json]

scikit-learn's BernoulliRBM is PCD-1 with plain gradient steps (no momentum, no weight cost); gentool runs the same
(`--preset pcd` with momentum and weight decay set to 0) with the same hidden units, batch size, learning rate and
epochs. Both are scored on the held-out letters by scikit-learn's own `score_samples` (the stochastic
pseudo-likelihood: one random pixel flipped per image, times 784) and by gentool's, with the same flipped pixels,
so the two functions are checked against each other on both models; then by the held-out log-likelihood from the
same AIS run. Two differences remain by design: gentool starts the visible biases at the data's log-odds (Hinton's
guide, section 8) where scikit-learn starts them at 0, and its persistent chains at samples of those biases.
Needs scikit-learn (the `test` extra).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from gentool.rbm.config import resolve_rbm_config
from gentool.rbm.family import RBM_FAMILY
from gentool.rbm.model import RBM, ais_log_partition
from gentool.rbm.train import VISIBLE, load_binary_letters
from gentool.runtime.context import RunContext
from gentool.runtime.device import resolve_device
from gentool.runtime.rundir import RunDir, environment_info
from gentool.runtime.runs import start_run


def held_out_scores(rbm: RBM, val: torch.Tensor, flip: np.ndarray, log_z: dict) -> dict:
    with torch.no_grad():
        pseudo = rbm.pseudo_likelihood(val, torch.from_numpy(flip).to(val.device))
        log_p = -rbm.free_energy(val).double() - log_z["log_z"]
    return {"pseudo_likelihood": round(float(pseudo.mean()), 3), "log_likelihood": round(float(log_p.mean()), 3),
            "log_z": round(log_z["log_z"], 3), "log_z_3se": round(log_z["log_z_high"] - log_z["log_z"], 3)}


def compare(*, hidden: int, epochs: int, batch_size: int, lr: float, seed: int, ais_steps: int, device: str,
            data_dir: Path | None = None, settings: dict | None = None) -> dict:
    """Both models trained and scored; `settings`: more config keys for gentool's run (dotted), e.g. the data."""
    from sklearn.neural_network import BernoulliRBM

    overrides = {"model.hidden": hidden, "train.epochs": epochs, "train.batch_size": batch_size, "optim.lr": lr,
                 "optim.momentum": 0.0, "optim.final_momentum": 0.0, "optim.weight_decay": 0.0,
                 "evaluation.every": 0, "seed": seed, "device": device, **(settings or {})}
    config = resolve_rbm_config("pcd", flags=overrides)
    ctx = RunContext.on(resolve_device(device), data_dir=data_dir)
    data = load_binary_letters(config, ctx, evaluate=False)
    train, val = data.train, data.val

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        outcome = start_run(RBM_FAMILY, config, ctx, out=Path(folder) / "run", preset="pcd")
        ours_seconds = time.perf_counter() - started
        state = torch.load(RunDir(Path(folder) / "run").last_checkpoint, map_location=ctx.device, weights_only=True)
    ours = RBM(VISIBLE, hidden).to(ctx.device)
    ours.load_state_dict(state["rbm"])

    reference = BernoulliRBM(n_components=hidden, learning_rate=lr, batch_size=batch_size, n_iter=epochs,
                             random_state=seed)
    started = time.perf_counter()
    # BernoulliRBM slices its batches in the order given and never shuffles, and the letters are stored face by
    # face: shuffled once here, or its last updates would all come from one font
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed))
    reference.fit(train.cpu()[order].numpy().astype(np.float64))
    theirs_seconds = time.perf_counter() - started
    theirs = RBM(VISIBLE, hidden).to(ctx.device)
    theirs.weight.copy_(torch.from_numpy(reference.components_.T).float())
    theirs.visible_bias.copy_(torch.from_numpy(reference.intercept_visible_).float())
    theirs.hidden_bias.copy_(torch.from_numpy(reference.intercept_hidden_).float())

    # scikit-learn draws the flipped pixel of each image from its random_state; gentool uses the same pixels
    flip = np.random.RandomState(seed).randint(0, VISIBLE, len(val))
    reference.random_state = seed
    val_numpy = val.cpu().numpy().astype(np.float64)
    share = train.mean(dim=0).clamp(1e-3, 1 - 1e-3)
    base = torch.log(share / (1 - share))
    result = {"hidden": hidden, "epochs": epochs, "batch_size": batch_size, "lr": lr, "seed": seed,
              "train_images": len(train), "val_images": len(val), "binarize": config.binarize, "models": {}}
    for name, rbm, seconds, sklearn_model in (("gentool PCD-1", ours, ours_seconds, None),
                                              ("scikit-learn BernoulliRBM", theirs, theirs_seconds, reference)):
        log_z = ais_log_partition(rbm, runs=100, steps=ais_steps, base_visible_bias=base,
                                  rng=torch.Generator(device=ctx.device).manual_seed(seed))
        scores = held_out_scores(rbm, val, flip, log_z)
        if sklearn_model is not None:
            scores["sklearn_score_samples"] = round(float(sklearn_model.score_samples(val_numpy).mean()), 3)
        result["models"][name] = {**scores, "train_seconds": round(seconds, 2)}
    result["gentool_run_status"] = outcome.status
    result["environment"] = environment_info(ctx.device)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ais-steps", type=int, default=3000)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = compare(hidden=args.hidden, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                     ais_steps=args.ais_steps, device=args.device, data_dir=args.data_dir)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"H={args.hidden}, {args.epochs} epochs of PCD-1, batch {args.batch_size}, lr {args.lr}, seed {args.seed}; "
          f"{result['train_images']} training / {result['val_images']} held-out letters binarised by "
          f"{result['binarize']}; nats per held-out image")
    print(f"{'model':<28}{'pseudo-lik.':>13}{'sklearn score':>15}{'log-lik. (AIS)':>16}{'train s':>9}")
    for name, scores in result["models"].items():
        sk = scores.get("sklearn_score_samples")
        print(f"{name:<28}{scores['pseudo_likelihood']:>13.2f}{'' if sk is None else f'{sk:.2f}':>15}"
              f"{scores['log_likelihood']:>16.2f}{scores['train_seconds']:>9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
