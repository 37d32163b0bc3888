"""Benchmark: gentool's GAN training path against a plain course-style loop, same model, same step count.

    python -m benchmarks.input_pipeline [--steps 150] [--rounds 3] [--workers 2] [--device auto]
                                        [--precision fp32 --precision bf16] [--json]

gentool's path: the whole training split as one tensor on the device, indices shuffled there, batches sliced
(GanTrainer.fit, losses read back every few steps). The reference: the letters written out as PNG files, a
per-item Dataset that opens and decodes each PNG, a shuffling DataLoader with worker processes, batches copied
to the device, and the losses read with .item() every step, as the course code did. The two run alternately in
one process, `rounds` times each, so both see the same machine state; the median images/s of each is printed
with the ratio.

gentool's path runs at each `--precision` (fp32, bf16 autocast); for each the benchmark also prints the
achieved FLOP/s of the training step (its matmul and convolution FLOPs per image, counted by torch's
FlopCounterMode over one step, times images/s) and the machine's measured peak for that dtype (a 2048 x 2048
matmul timed in the same process), so "how close to the limit" is a number (benchmarks.roofline).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch.utils.data import DataLoader, Dataset

from benchmarks.roofline import counted_flops, matmul_peak
from gentool.datasets.font_faces import LETTERS
from gentool.datasets.fonts import FontDataset, load_font_dataset
from gentool.gan.config import GanConfig, resolve_gan_config
from gentool.gan.tasks import LetterTask, build_models
from gentool.gan.train import GanTrainer
from gentool.runtime.context import RunContext
from gentool.runtime.device import resolve_device
from gentool.runtime.precision import autocast
from gentool.runtime.rundir import RunDir, environment_info
from gentool.runtime.seeding import set_seed


class PngLetters(Dataset):
    """The course's loader: one PNG per image, decoded on every access."""

    def __init__(self, folder: Path):
        self.files = sorted(folder.glob("*/*.png"))
        self.labels = [LETTERS.index(path.parent.name) for path in self.files]

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        pixels = np.asarray(Image.open(self.files[index]).convert("L"), dtype=np.float32)
        return torch.from_numpy(pixels / 127.5 - 1.0).unsqueeze(0), self.labels[index]


def write_pngs(dataset: FontDataset, folder: Path) -> int:
    mask = dataset.split_mask("train")
    for letter in LETTERS:
        (folder / letter).mkdir(parents=True, exist_ok=True)
    for number, (pixels, label) in enumerate(zip(dataset.images[mask], dataset.labels[mask])):
        Image.fromarray(pixels).save(folder / LETTERS[label] / f"{number:06d}.png")
    return int(mask.sum())


def reference_images_per_s(config: GanConfig, loader: DataLoader, steps: int, device: torch.device) -> float:
    """A plain DCGAN loop over the DataLoader, as written in the course."""
    set_seed(config.seed)
    generator, discriminator = build_models(config, device)
    betas = (config.optim.beta1, config.optim.beta2)
    opt_g = torch.optim.Adam(generator.parameters(), lr=config.optim.lr, betas=betas)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=config.optim.lr, betas=betas)
    done = 0
    started = time.perf_counter()
    while done < steps:
        for real, _ in loader:
            real = real.to(device)
            size = real.size(0)
            ones, zeros = torch.ones(size, device=device), torch.zeros(size, device=device)
            fake = generator(torch.randn(size, config.model.z_dim, device=device))
            loss_d = (F.binary_cross_entropy_with_logits(discriminator(real).logits, ones)
                      + F.binary_cross_entropy_with_logits(discriminator(fake.detach()).logits, zeros))
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            loss_g = F.binary_cross_entropy_with_logits(discriminator(fake).logits, ones)
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
            loss_d.item(), loss_g.item()  # the course printed both every step
            done += 1
            if done == steps:
                break
    seconds = time.perf_counter() - started
    return steps * config.train.batch_size / seconds


def gentool_trainer(config: GanConfig, dataset: FontDataset, device: torch.device, scratch: Path) -> GanTrainer:
    run = RunDir.create(Path(tempfile.mkdtemp(dir=scratch)) / "run", "bench")
    task = LetterTask(config=config, dataset=dataset, evaluator=None, device=device)
    return GanTrainer(config=config, task=task, run=run, ctx=RunContext.on(device))


def gentool_images_per_s(config: GanConfig, dataset: FontDataset, device: torch.device, scratch: Path) -> float:
    trainer = gentool_trainer(config, dataset, device, scratch)
    trainer.fit()
    return trainer.batches_per_epoch * config.train.batch_size / trainer.epoch_seconds


def flops_per_image(config: GanConfig, dataset: FontDataset, device: torch.device, scratch: Path) -> float:
    """Matmul and convolution FLOPs of one training step (forward and backward, D and G), per image."""
    trainer = gentool_trainer(config, dataset, device, scratch)
    index = torch.arange(config.train.batch_size, device=device)
    with autocast(trainer.precision, device):
        flops = counted_flops(lambda: trainer.train_step(index))
    return flops / config.train.batch_size


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=150, help="training steps per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating measurements of each path")
    parser.add_argument("--workers", type=int, default=2, help="DataLoader workers of the reference loop")
    parser.add_argument("--preset", default="vanilla")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--precision", action="append", choices=("fp32", "bf16"),
                        help="precision of gentool's path (repeatable; default: fp32 and bf16)")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    precisions = list(dict.fromkeys(args.precision or ["fp32", "bf16"]))
    configs = {name: resolve_gan_config(args.preset, flags={
        "train.epochs": 1, "train.max_steps_per_epoch": args.steps, "train.sample_epochs": [10**6],
        "evaluation.every": 0, "train.precision": name}) for name in precisions}
    config = configs[precisions[0]]
    device = resolve_device(args.device)
    dataset = load_font_dataset(config.fonts, args.data_dir)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    gentool_runs: dict[str, list[float]] = {name: [] for name in precisions}
    reference_runs: list[float] = []
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        started = time.perf_counter()
        count = write_pngs(dataset, scratch / "png")
        log(f"wrote {count} PNG files for the reference loader in {time.perf_counter() - started:.1f} s")
        loader = DataLoader(PngLetters(scratch / "png"), batch_size=config.train.batch_size, shuffle=True,
                            drop_last=True, num_workers=args.workers)
        for round_number in range(1, args.rounds + 1):
            for name in precisions:
                gentool_runs[name].append(gentool_images_per_s(configs[name], dataset, device, scratch))
            reference_runs.append(reference_images_per_s(config, loader, args.steps, device))
            log(f"round {round_number}/{args.rounds}: "
                + ", ".join(f"gentool {name} {runs[-1]:.0f} img/s" for name, runs in gentool_runs.items())
                + f", reference {reference_runs[-1]:.0f} img/s")
        flops = {name: flops_per_image(configs[name], dataset, device, scratch) for name in precisions}
    peaks = {name: matmul_peak(name, device) for name in precisions}
    reference = statistics.median(reference_runs)
    result = {
        "benchmark": "gan input pipeline", "preset": args.preset, "steps": args.steps, "rounds": args.rounds,
        "batch_size": config.train.batch_size, "reference_workers": args.workers, "device": str(device),
        "threads": torch.get_num_threads(), "reference_images_per_s": round(reference, 1),
        "all_reference": [round(v, 1) for v in reference_runs], "precisions": {},
        "environment": environment_info(device),
    }
    for name in precisions:
        rate = statistics.median(gentool_runs[name])
        achieved = rate * flops[name]
        result["precisions"][name] = {
            "images_per_s": round(rate, 1), "all": [round(v, 1) for v in gentool_runs[name]],
            "ratio_to_reference": round(rate / reference, 2), "gflop_per_image": round(flops[name] / 1e9, 4),
            "achieved_gflop_s": round(achieved / 1e9, 1), "peak_gflop_s": round(peaks[name] / 1e9, 1),
            "efficiency": round(achieved / peaks[name], 3)}
    if "fp32" in result["precisions"] and "bf16" in result["precisions"]:
        result["bf16_speedup"] = round(result["precisions"]["bf16"]["images_per_s"]
                                       / result["precisions"]["fp32"]["images_per_s"], 2)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print("\n".join(summary_lines(result, args)))
    return result


def summary_lines(result: dict, args: argparse.Namespace) -> list[str]:
    lines = [f"device {result['device']} ({result['threads']} threads), preset {args.preset}, {args.steps} steps x "
             f"{args.rounds} rounds, batch {result['batch_size']}",
             f"reference (PNG Dataset + DataLoader, fp32, {args.workers} workers): "
             f"{result['reference_images_per_s']:.0f} images/s",
             f"{'gentool (tensor on device)':<27} {'images/s':>9} {'x ref':>6} {'GFLOP/img':>10} {'GFLOP/s':>8} "
             f"{'peak':>7} {'of peak':>8}"]
    for name, row in result["precisions"].items():
        lines.append(f"  {name:<25} {row['images_per_s']:>9.0f} {row['ratio_to_reference']:>5.2f}x "
                     f"{row['gflop_per_image']:>10.4f} {row['achieved_gflop_s']:>8.1f} {row['peak_gflop_s']:>7.1f} "
                     f"{100 * row['efficiency']:>7.1f}%")
    if "bf16_speedup" in result:
        lines.append(f"bf16 over fp32: {result['bf16_speedup']:.2f}x")
    return lines


if __name__ == "__main__":
    main()
