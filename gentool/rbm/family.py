"""The RBM as a family of the shared run path (gentool.runtime.runs): its config, data (binarised letters and the
letter evaluator) and trainer, and what `rbm train` prints about a finished run."""

from __future__ import annotations

from pathlib import Path

from gentool.rbm.config import RbmConfig, rbm_config_dict, read_saved_rbm_config, resolve_rbm_config
from gentool.rbm.train import CHECKPOINT_KIND, BinaryLetters, RbmTrainer, load_binary_letters
from gentool.runtime.context import RunContext
from gentool.runtime.rundir import RunDir
from gentool.runtime.runs import Family, register_family


def make_trainer(config: RbmConfig, data: BinaryLetters, run: RunDir, ctx: RunContext) -> RbmTrainer:
    return RbmTrainer(config=config, data=data, run=run, ctx=ctx)


def run_name(config: RbmConfig, preset: str) -> str:
    return f"rbm-{preset}-{config.method_name.lower()}-h{config.model.hidden}"


def describe(config: RbmConfig, preset: str) -> str:
    return (f"preset {preset}, {config.method_name}, {config.model.hidden} hidden units, letters binarised by "
            f"{config.binarize}, seed {config.seed}")


def outcome_lines(summary: dict) -> list[str]:
    final = summary.get("final") or {}
    if not final:
        return []
    swaps = f"  swap rate {final['swap_rate']:.3f}" if "swap_rate" in final else ""
    lines = [f"last epoch ({summary['method']}): pseudo-likelihood {final['pseudo_likelihood']:.2f} nats per held-out "
             f"image  reconstruction error {final['recon_error']:.2f} (a poor guide){swaps}  "
             f"{final['images_per_s']:.0f} img/s"]
    if final.get("letters_covered") is not None:
        missing = "".join(final["missing"]) or "none"
        lines.append(f"Gibbs samples: {final['letters_covered']}/26 letters (missing: {missing}), recognisable "
                     f"{final['confident_share']:.3f}, entropy {final['entropy']}, letter FID "
                     f"{final['letter_fid']:.1f}; best epoch "
                     f"{summary['best']['epoch']}, collapse onset: {summary.get('collapse_onset_epoch') or 'none'}")
    if summary.get("samples"):
        lines.append(f"samples: {Path(summary['run']) / 'samples' / summary['samples'][-1]}")
    lines.append(f"likelihood: gentool rbm likelihood --run {summary['run']}")
    return lines + [f"figure: {figure}" for figure in summary.get("figures", [])]


RBM_FAMILY = register_family(Family(
    name=CHECKPOINT_KIND, default_preset="default", resolve_config=resolve_rbm_config,
    read_config=read_saved_rbm_config, config_dict=rbm_config_dict, load_data=load_binary_letters,
    make_trainer=make_trainer, run_name=run_name, describe=describe, outcome_lines=outcome_lines))
