"""The registry of stabilisation fixes: every fix module imported and registered by name (see base.py), and what
the config and the trainer ask of the fixes as a whole."""

from __future__ import annotations

from dataclasses import asdict

from gentool.config import build_config, did_you_mean
from gentool.gan.fixes import NAMES, architecture, feature_matching, information, penalties, self_conditioning, unrolled
from gentool.gan.fixes.base import FIXES, Critic, DiscriminatorLoss, Fix, StepContext, TrainingSetup, register_fix

__all__ = ["FIXES", "Critic", "DiscriminatorLoss", "Fix", "StepContext", "TrainingSetup", "register_fix",
           "check_fixes", "fix_problems", "build_fixes", "training_setup", "resolved_fix_options", "describe_fixes"]

# each fix module registers its fixes when it is imported
FIX_MODULES = (architecture, feature_matching, information, penalties, self_conditioning, unrolled)

if set(FIXES) != set(NAMES):
    raise ImportError(f"gentool.gan.fixes.NAMES lists {sorted(NAMES)} but the fix modules register {sorted(FIXES)}; "
                      f"name every registered fix in NAMES")


def check_fixes(names: list[str], options: dict) -> list[tuple[str, str]]:
    """Config problems with the fix list and its options, as (key, problem) pairs."""
    problems = []
    for index, name in enumerate(names):
        if name not in FIXES:
            problems.append((f"fixes[{index}]", f"unknown fix '{name}'{did_you_mean(name, FIXES)}; "
                                                f"available fixes: {', '.join(sorted(FIXES))}"))
        elif names.index(name) != index:
            problems.append((f"fixes[{index}]", f"fix '{name}' is listed twice"))
    for name in options:
        if name not in FIXES:
            problems.append((f"fix_options.{name}", f"unknown fix{did_you_mean(name, FIXES)}; "
                                                    f"available fixes: {', '.join(sorted(FIXES))}"))
    known = [name for name in names if name in FIXES]
    for index, name in enumerate(known):
        for other in known[index + 1:]:
            reason = FIXES[name].incompatible.get(other) or FIXES[other].incompatible.get(name)
            if reason:
                problems.append(("fixes", f"'{name}' and '{other}' cannot be combined: {reason}; drop one"))
    for index, replacing in enumerate(known):
        raw = options.get(replacing)
        reason = FIXES[replacing].replaces_generator_loss(raw if isinstance(raw, dict) else {})
        for name in known[:index] if reason else []:
            if FIXES[name].adds_generator_loss:
                problems.append(("fixes", f"'{name}' is listed before '{replacing}', {reason}, so {name}'s part would "
                                          f"be dropped; list {name} after {replacing}"))
    return problems


def fix_problems(config) -> list[tuple[str, str]]:
    """What the enabled fixes ask of the rest of a GAN config (a valid fix list and options), in their order."""
    return [problem for fix in build_fixes(config.fixes, config.fix_options) for problem in fix.check(config)]


def _build_options(name: str, options: dict):
    return build_config(FIXES[name].Options, options.get(name, {}), prefix=f"fix_options.{name}")


def build_fixes(names: list[str], options: dict) -> list[Fix]:
    return [FIXES[name](_build_options(name, options)) for name in names]


def training_setup(fixes: list[Fix]) -> TrainingSetup:
    """The models' and losses' shape once every fix has had its say, in order."""
    setup = TrainingSetup()
    for fix in fixes:
        fix.configure(setup)
    return setup


def resolved_fix_options(names: list[str], options: dict) -> dict:
    """Options of every enabled fix with defaults filled in, as written to the run's config.yaml.

    Options given for a fix that is not enabled are validated and kept too, so a typo never hides.
    """
    return {name: asdict(_build_options(name, options)) for name in [*names, *[n for n in options if n not in names]]}


def describe_fixes() -> list[dict]:
    def incompatible(name: str) -> list[str]:  # either side may declare the conflict
        return sorted(other for other, cls in FIXES.items() if other in FIXES[name].incompatible
                      or name in cls.incompatible)

    return [{"name": name, "summary": cls.summary, "options": asdict(cls.Options()),
             "incompatible": incompatible(name)} for name, cls in FIXES.items()]
