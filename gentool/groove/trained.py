"""A trained groove opened for use: its model on the command's device, its config, performers and run folder.
Every command that plays or measures a groove (`groove apply`, `groove measure`, `vae humanize --groove`) starts
here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gentool.config import did_you_mean
from gentool.errors import UsageError
from gentool.groove.config import GrooveConfig, read_saved_groove_config
from gentool.groove.model import GrooveNet
from gentool.groove.train import CHECKPOINT_KIND, build_model
from gentool.runtime.checkpoint import load_checkpoint
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir, pick_run


@dataclass(kw_only=True)
class TrainedGroove:
    model: GrooveNet  # eval mode, on the command's device
    config: GrooveConfig
    performers: list[str]
    run: RunDir

    def performer(self, name: str | None) -> int:
        """The index of a performer by name; None: the run's only performer."""
        if name is None:
            if len(self.performers) == 1:
                return 0
            raise UsageError(f"groove run '{self.run.path}' learned {len(self.performers)} performers "
                             f"({', '.join(self.performers)}); choose one with --performer")
        if name not in self.performers:
            raise UsageError(f"groove run '{self.run.path}' has no performer '{name}'"
                             f"{did_you_mean(name, self.performers)}; it learned {', '.join(self.performers)}")
        return self.performers.index(name)


def load_groove(path: str | Path, ctx: RunContext | None = None) -> tuple[GrooveNet, GrooveConfig, list[str]]:
    """A trained groove model (eval mode), its config and its performers from a checkpoint, on the device `ctx`
    decides (--device, else the checkpoint's config)."""
    state = load_checkpoint(path, CHECKPOINT_KIND, map_location="cpu")
    try:
        config = read_saved_groove_config(state["config"])
        performers = [str(name) for name in state["performers"]]
        model = build_model(config, len(performers), (ctx or RunContext.on("cpu")).decide_device(config.device))
        model.load_state_dict(state["model"])
    except (KeyError, RuntimeError, TypeError, ValueError) as err:
        raise UsageError(f"checkpoint '{path}' is damaged: it does not hold a groove model of its own config "
                         f"({str(err).splitlines()[0][:120]}); train again or pick another run") from None
    return model.eval(), config, performers


def open_trained(ctx: RunContext, run: Path | None) -> TrainedGroove:
    """--run DIR (default: the newest groove run under runs/), its last checkpoint."""
    chosen = pick_run(run, CHECKPOINT_KIND)
    model, config, performers = load_groove(chosen.last_checkpoint, ctx)
    return TrainedGroove(model=model, config=config, performers=performers, run=chosen)
