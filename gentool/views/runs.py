"""What every run command (`gan train`, `vae train`, `mcmc sample`, ...) prints about the run it made or
continued."""

from __future__ import annotations


def outcome_lines(summary: dict, family_lines: list[str]) -> list[str]:
    """The run's folder, status, progress, wall time and device, then what its family says about it."""
    progress = (f"{summary['epochs_completed']}/{summary['epochs']} epochs, {summary['steps']} steps, "
                if "epochs" in summary else "")
    return [f"run: {summary['run']}",
            f"status: {summary['status']} ({progress}{summary['wall_time_s']:.1f} s, device {summary['device']})",
            *family_lines]


def interrupted_line(summary: dict, resume_command: str | None) -> str:
    """What an interrupted run keeps: a checkpoint to continue from with `resume_command`, or the result so far."""
    kept = (f"checkpoint saved; continue with: {resume_command} --resume {summary['run']}" if resume_command
            else "the run folder holds the result so far")
    return f"interrupted: {kept}"
