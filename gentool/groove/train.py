"""Groove training on the shared epoch loop (gentool.runtime.trainer): checkpoints that resume to the same weights,
Ctrl-C, the NaN guard and progress come with it. Every epoch records the held-out negative log-likelihood, timing
MAE (ms) and velocity MAE; best.pt keeps the lowest held-out negative log-likelihood. A finished run is measured
against the baselines on its held-out performances (gentool.groove.measure) into groove_measure.json.
"""

from __future__ import annotations

import torch

from gentool.evaluate import groove_metrics
from gentool.groove.config import GrooveConfig, groove_config_dict
from gentool.groove.data import BarTensors, GrooveData, batches_per_epoch
from gentool.groove.measure import measure_groove, save_measure
from gentool.groove.model import GrooveNet
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir
from gentool.runtime.seeding import set_seed
from gentool.runtime.trainer import EpochTrainer

CHECKPOINT_KIND = "groove"
SHOWN = ("loss", "val_nll", "val_timing_mae_ms", "val_velocity_mae")


def build_model(config: GrooveConfig, performers: int, device: torch.device) -> GrooveNet:
    return GrooveNet(performers, config.model.hidden, config.model.embedding).to(device)


class GrooveTrainer(EpochTrainer):
    kind = CHECKPOINT_KIND
    rate_name = "bars_per_s"
    nan_hint = "Lower optim.lr and train again"

    def __init__(self, *, config: GrooveConfig, data: GrooveData, run: RunDir, ctx: RunContext):
        super().__init__(run=run, ctx=ctx, examples=len(data.train), batch_size=config.train.batch_size,
                         epochs=config.train.epochs, batches_per_epoch=batches_per_epoch(config, len(data.train)),
                         checkpoint_every=config.train.checkpoint_every, fingerprint=data.fingerprint)
        self.config = config
        self.data = data
        self.train_bars = BarTensors.of(data.train, self.device)
        self.val_bars = BarTensors.of(data.val, self.device)
        set_seed(config.seed)
        self.model = build_model(config, len(data.performers), self.device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.optim.lr)
        self.best = {"epoch": None, "val_nll": None}

    def train_step(self, index: torch.Tensor) -> dict[str, torch.Tensor]:
        bars = self.train_bars.rows(index)
        loss = self.model(bars.hits, bars.performer, bars.bpm).nll(bars.velocity, bars.offset, bars.hits)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return {"loss": loss.detach()}

    def fit(self) -> str:
        return super().fit(SHOWN)

    @torch.no_grad()
    def after_epoch(self, record: dict) -> None:
        self.model.eval()
        bars, val = self.val_bars, self.data.val
        out = self.model(bars.hits, bars.performer, bars.bpm)
        velocity, offset = out.means()
        record.update({
            "val_nll": round(float(out.nll(bars.velocity, bars.offset, bars.hits)), 5),
            "val_timing_mae_ms": groove_metrics.timing_mae_ms(offset, val.offset, val.hits, val.bpm),
            "val_velocity_mae": groove_metrics.velocity_mae(velocity, val.velocity, val.hits)})
        self.model.train()

    def is_better(self, record: dict) -> bool:
        return self.best["val_nll"] is None or record["val_nll"] < self.best["val_nll"]

    def best_of(self, record: dict) -> dict:
        return {"epoch": self.epoch, "val_nll": record["val_nll"]}

    def model_state(self) -> dict:
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "performers": list(self.data.performers)}

    def load_model_state(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])

    def config_dict(self) -> dict:
        return groove_config_dict(self.config)

    def summary_extras(self, records: list[dict]) -> dict:
        return {"performers": list(self.data.performers),
                "dataset": {"fingerprint": self.data.fingerprint, "path": str(self.data.dataset.path),
                            "train_bars": len(self.data.train), "val_bars": len(self.data.val)}}

    def on_completed(self, summary: dict) -> None:
        self.model.eval()
        report = measure_groove(self.model, self.data, self.device, self.config.measure.seed)
        summary["measure"] = str(save_measure(self.run.path, report))
        summary["groove"] = report
