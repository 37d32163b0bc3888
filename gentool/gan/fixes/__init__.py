"""Stabilisation fixes for GAN training, each one self-contained and registered by name (see base.py and
registry.py).

NAMES lists the fixes without importing torch, so the command line can show and complete them at once and the sweep
grid can read fix sets; the registry refuses to load if a fix module registers a name that is not here.
"""

from gentool.errors import UsageError

NAMES = ("feature-matching", "infogan", "label-smoothing", "minibatch-discrimination", "pacgan", "r1",
         "self-conditioning", "spectral-norm", "unrolled", "wgan-gp")

VANILLA = "vanilla"  # the fix set of no fix, as `--fixes` and `--grid fixes=...` write it


def parse_fix_set(text: str) -> list[str]:
    """'vanilla' -> [], 'pacgan+r1' -> ['pacgan', 'r1']."""
    if text == VANILLA:
        return []
    names = [name.strip() for name in text.split("+")]
    if not all(names):  # "pacgan+", "+r1", "a++b" and "" would silently become another fix set
        raise UsageError(f"--fixes '{text}' has an empty fix name; write 'vanilla', one fix, or fixes joined by "
                         f"single '+' signs (e.g. pacgan+r1)")
    if VANILLA in names:
        raise UsageError(f"--fixes '{text}': '{VANILLA}' means no fix, so it stands alone; list the fixes to combine")
    for name in names:
        if name not in NAMES:
            raise UsageError(f"unknown fix '{name}' in --fixes '{text}'; available: {VANILLA}, "
                             f"{', '.join(sorted(NAMES))} (join several with +)")
    return names


def fix_set_name(fixes: list[str]) -> str:
    return "+".join(fixes) or VANILLA
