"""Benchmark: gentool's GAN training path against a plain course-style loop, same model, same step count.

    python -m gentool.bench.input_pipeline [--steps 150] [--rounds 3] [--workers 2] [--device auto] [--json]

gentool's path: the whole training split as one tensor on the device, indices shuffled there, batches sliced
(GanTrainer.fit, losses read back every few steps). The reference: the letters written out as PNG files, a
per-item Dataset that opens and decodes each PNG, a shuffling DataLoader with worker processes, batches copied
to the device, and the losses read with .item() every step, as the course code did. The two run alternately in
one process, `rounds` times each, so both see the same machine state; the median images/s of each is printed
with the ratio.
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

from gentool.datasets.font_faces import LETTERS
from gentool.datasets.fonts import FontDataset, load_font_dataset
from gentool.gan.config import GanConfig, resolve_gan_config
from gentool.gan.tasks import LetterTask, build_models
from gentool.gan.train import GanTrainer
from gentool.runtime.context import RunContext
from gentool.runtime.device import resolve_device
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


def gentool_images_per_s(config: GanConfig, dataset: FontDataset, device: torch.device, scratch: Path) -> float:
    run = RunDir.create(Path(tempfile.mkdtemp(dir=scratch)) / "run", "bench")
    task = LetterTask(config=config, dataset=dataset, evaluator=None, device=device)
    trainer = GanTrainer(config=config, task=task, run=run, ctx=RunContext.on(device))
    trainer.fit()
    return trainer.batches_per_epoch * config.train.batch_size / trainer.epoch_seconds


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=150, help="training steps per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating measurements of each path")
    parser.add_argument("--workers", type=int, default=2, help="DataLoader workers of the reference loop")
    parser.add_argument("--preset", default="vanilla")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    config = resolve_gan_config(args.preset, flags={"train.epochs": 1, "train.max_steps_per_epoch": args.steps,
                                                    "train.sample_epochs": [10**6], "evaluation.every": 0})
    device = resolve_device(args.device)
    dataset = load_font_dataset(config.data, args.data_dir)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    gentool_runs, reference_runs = [], []
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        started = time.perf_counter()
        count = write_pngs(dataset, scratch / "png")
        log(f"wrote {count} PNG files for the reference loader in {time.perf_counter() - started:.1f} s")
        loader = DataLoader(PngLetters(scratch / "png"), batch_size=config.train.batch_size, shuffle=True,
                            drop_last=True, num_workers=args.workers)
        for round_number in range(1, args.rounds + 1):
            gentool_runs.append(gentool_images_per_s(config, dataset, device, scratch))
            reference_runs.append(reference_images_per_s(config, loader, args.steps, device))
            log(f"round {round_number}/{args.rounds}: gentool {gentool_runs[-1]:.0f} img/s, "
                f"reference {reference_runs[-1]:.0f} img/s")
    result = {
        "benchmark": "gan input pipeline", "preset": args.preset, "steps": args.steps, "rounds": args.rounds,
        "batch_size": config.train.batch_size, "reference_workers": args.workers, "device": str(device),
        "gentool_images_per_s": round(statistics.median(gentool_runs), 1),
        "reference_images_per_s": round(statistics.median(reference_runs), 1),
        "all_gentool": [round(v, 1) for v in gentool_runs], "all_reference": [round(v, 1) for v in reference_runs],
        "environment": environment_info(device),
    }
    result["ratio"] = round(result["gentool_images_per_s"] / result["reference_images_per_s"], 2)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"device {device}, preset {args.preset}, {args.steps} steps x {args.rounds} rounds, batch "
              f"{config.train.batch_size}")
        print(f"gentool (tensor on device):          {result['gentool_images_per_s']:>8.0f} images/s")
        print(f"reference (PNG Dataset + DataLoader): {result['reference_images_per_s']:>8.0f} images/s "
              f"({args.workers} workers)")
        print(f"ratio: {result['ratio']:.2f}x")
    return result


if __name__ == "__main__":
    main()
