"""Every option of every command, each declared once.

- A config option is declared by its config key, in the command's signature: with `flags = ConfigFlags(GanConfig)`,
  `batch_size: flags("train.batch_size") = None` is `--batch-size`, its help, value type, choices (shown as
  [a|b|c] and completed), range and default all read from the config field (gentool.config.option). Left out
  (None), the config keeps its value: preset < --config FILE < flags < --set key=value.
- Session options (--preset, --config, --set, --out, --resume, --device, --data-dir, --json, --quiet, --seed) are
  declared here once for every command.
- Every option says whether `--resume` takes it (`Role.on_resume`); `refuse_on_resume` turns the others away,
  so an option added to a run command is either a config key, accepted with --resume, or refused with it.

Only light modules are imported here and by the cli modules at import time (see gentool/config.py): the core a
command runs is imported inside the command, so `--help` and shell completion answer at once.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Callable, Literal, Optional

import typer

from gentool.config import settable_field
from gentool.errors import UsageError
from gentool.presets import available_presets
from gentool.runtime.device import DEVICE_CHOICES, DEVICE_HELP
from gentool.runtime.seeding import MAX_SEED


@dataclass(frozen=True)
class Role:
    """What an option means beyond its value: the config key it sets and whether --resume takes it."""

    key: str | None = None  # the dotted config key it sets (the flags layer); none: it shapes the command
    on_resume: bool = False  # accepted with --resume (a resumed run keeps its own config otherwise)
    convert: Callable[[Any], Any] | None = None  # CLI value -> config value


SESSION = Role(on_resume=True)  # how a command runs, never what it trains: --data-dir, --json, --quiet, --resume


def completer(values: tuple[str, ...]) -> Callable[[str], list[str]]:
    """Shell completion of a value from a fixed list."""

    def complete(incomplete: str) -> list[str]:
        return [value for value in values if value.startswith(incomplete)]

    return complete


def shown_choices(values: tuple[str, ...] | list[str], name: str, help: str) -> tuple[str, str]:
    """(metavar, help) of an option with choices: [a|b|c] where they fit in a help line, else <name> and the help
    names them."""
    if len("|".join(values)) <= 48:
        return f"[{'|'.join(values)}]", help
    text, bracket, extras = help.partition("  [")
    return f"<{name}>", f"{text} One of: {', '.join(values)}.{bracket}{extras}"


def choice_option(*names: str, help: str, choices: tuple[str, ...] | list[str], **settings: Any) -> Any:
    """A typer option whose choices are shown and completed. The value stays a string that the command (or the
    config) checks, so a wrong value gets gentool's message with a did-you-mean."""
    metavar, help = shown_choices(choices, names[0].lstrip("-"), help)
    return typer.Option(*names, help=help, metavar=metavar, autocompletion=completer(tuple(choices)), **settings)


def resolved_paths(paths: list[Path]) -> list[str]:
    """Folders as absolute paths, so a config.yaml still finds them when run from elsewhere."""
    return [str(Path(p).resolve()) for p in paths]


# ------------------------------------------------------------------------------------------ config options

def sentence(text: str) -> str:
    """A config help fragment ("images per batch") as the command line's help sentence ("Images per batch."); a
    first word that is a name (fp32, rwmh:, ring8) keeps its case."""
    text = text.strip()
    if not text:
        return text
    first = text.split(" ", 1)[0]
    if first.isalpha() and first.islower():
        text = text[0].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def number_range(meta: typing.Mapping) -> str | None:
    """The field's range as typer writes ranges (1<=x<=64), with > for an exclusive minimum."""
    low, high = meta.get("min"), meta.get("max")
    if low is None and high is None:
        return None
    left = "" if low is None else f"{low}{'<' if meta.get('min_exclusive') else '<='}"
    if high is None:
        return f"x{'>' if meta.get('min_exclusive') else '>='}{low}"
    return f"{left}x<={high}"


def shown_default(field: dataclasses.Field, names: str) -> str:
    """A field's own default as help shows it: the flag that is on for a bool, the items of a list."""
    value = field.default if field.default is not dataclasses.MISSING else field.default_factory()
    if isinstance(value, bool):
        on, _, off = names.partition("/")
        return on if value else off
    if isinstance(value, list):
        return ",".join(map(str, value)) or "none"
    return str(value)


class ConfigFlags:
    """Command-line options made from the fields of a config class.

    A family whose runs have one config class per task (the VAE, MCMC) names them all, the shared base first: a
    key is read from the first class that has it (`dataset` from the base, whose choices name every task).
    `source` says where a left-out option's value comes from: "the preset's" for commands that build a config from
    a preset, "the run's" for commands that read a trained run's config, None for a config without presets (the
    field's own default is shown).
    """

    def __init__(self, *config_classes: type, source: str | None = "the preset's"):
        self.config_classes = config_classes
        self.source = source

    def field(self, key: str) -> tuple[dataclasses.Field, Any]:
        found = next(filter(None, (settable_field(cls, key) for cls in self.config_classes)), None)
        if found is None:
            names = " or ".join(cls.__name__ for cls in self.config_classes)
            raise TypeError(f"{names} has no config key '{key}'")
        return found

    def __call__(self, key: str, *names: str, short: str | None = None,
                 on_resume: bool = False, convert: Callable[[Any], Any] | None = None, metavar: str | None = None,
                 envvar: str | None = None, help: str | None = None, note: str = "") -> Any:
        """The annotation of a parameter that sets config `key`.

        `names` replace the option's name, by default the key's last part (train.batch_size: --batch-size); a bool
        is a flag with its negation (--conditional/--no-conditional) unless `names` gives them. `help` replaces
        the field's help where the key is a section that one number sets (free_bits); `note` adds what only the
        command line does.
        """
        field, tp = self.field(key)
        meta = field.metadata
        is_list = typing.get_origin(tp) is list
        item = typing.get_args(tp)[0] if is_list else tp
        choices = meta.get("choices") or meta.get("suggest")
        if typing.get_origin(item) is Literal:
            choices, item = typing.get_args(item), str
        long = "--" + key.split(".")[-1].replace("_", "-")
        if not names:
            names = (f"{long}/--no-{long[2:]}",) if item is bool else (long,)
        extras = [f"env var: {envvar}"] if envvar else []
        extras.append(f"default: {self.source} {key}" if self.source else
                      f"default: {shown_default(field, names[0])}")
        extras += ["repeatable"] if is_list else []
        extras += [number_range(meta)] if number_range(meta) else []
        said = " ".join(sentence(text) for text in (help or meta.get("help", ""), note) if text)
        text = f"{said}  [{'; '.join(extras)}]".strip()
        if choices:
            shown, text = shown_choices([str(choice) for choice in choices], names[0].split("/")[0][2:], text)
            metavar = metavar or shown
        elif is_list:
            metavar = metavar or f"<{item.__name__}>"
        settings: dict[str, Any] = {"help": text, "show_default": False, "metavar": metavar, "envvar": envvar,
                                    "show_envvar": False}
        if choices:
            settings["autocompletion"] = completer(tuple(str(choice) for choice in choices))
        declared = (*names, short) if short else names
        value_type = list[item] if is_list else item
        return Annotated[Optional[value_type], typer.Option(*declared, **settings),
                         Role(key, on_resume, convert)]


# ------------------------------------------------------------------------------------------- session options

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object with the results on stdout."), SESSION]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress or diagnostics on stderr."), SESSION]
DataDirOption = Annotated[Optional[Path], typer.Option(
    "--data-dir", envvar="GENTOOL_DATA_DIR", show_envvar=False,
    help="Where built datasets are cached.  [env var: GENTOOL_DATA_DIR; default: ./data]"), SESSION]
SetOption = Annotated[Optional[list[str]], typer.Option(
    "--set", metavar="KEY=VALUE",
    help="Override any config key, e.g. --set optim.lr=1e-4; wins over all.  [repeatable]"), Role()]
ConfigOption = Annotated[Optional[Path], typer.Option(
    "--config", "-c", help="YAML file with config keys (a run's config.yaml reproduces that run)."), Role()]
DeviceOption = Annotated[Optional[str], choice_option(
    "--device", envvar="GENTOOL_DEVICE", show_envvar=False, choices=DEVICE_CHOICES,
    help=f"{sentence(DEVICE_HELP)}  [env var: GENTOOL_DEVICE; default: the config's device]"), SESSION]
ResumeOption = Annotated[Optional[Path], typer.Option(
    "--resume", help="Continue this run folder from its last checkpoint."), SESSION]
BestOption = Annotated[bool, typer.Option("--best", help="Use the run's best.pt instead of last.pt.")]
# runs without checkpoints accept --resume only to refuse it with the reason, so it stays out of their --help
NoResumeOption = Annotated[Optional[Path], typer.Option("--resume", hidden=True), SESSION]


def preset_option(group: str, default: str) -> Any:
    """--preset: one of the YAML files under gentool/presets/GROUP/."""
    return Annotated[Optional[str], choice_option("--preset", "-p", choices=available_presets(group),
                                                  help=f"Starting config.  [default: {default}]"), Role()]


def run_option(kind: str) -> Any:
    """--run of a command that reads a trained run (`kind`: "a GAN", "an RBM", ...)."""
    return Annotated[Optional[Path], typer.Option(
        "--run", help=f"{kind[0].upper()}{kind[1:]} run folder.  [default: the newest under runs/]")]


def out_option(help: str, default: str) -> Any:
    """--out: where a command writes; `default` says where it writes without it."""
    return Annotated[Optional[Path], typer.Option("--out", "-o", help=f"{help}  [default: {default}]"), Role()]


def seed_option(help: str) -> Any:
    """--seed of a command that draws random numbers but trains nothing (the same seed, the same output)."""
    return Annotated[int, typer.Option("--seed", min=0, max=MAX_SEED, help=help)]


def renamed(**old_to_new: str) -> dict:
    """context_settings that keep old option names working unlisted: renamed(target="dataset") reads `--target X`
    as `--dataset X`, so scripts written for the old name run unchanged."""
    return {"token_normalize_func": lambda name: old_to_new.get(name, name)}


# ------------------------------------------------------------------------------------- roles of a command's options

@dataclass(frozen=True)
class Parameter:
    option: str  # the option as the user types it: --batch-size
    role: Role
    default: Any

    def given(self, value: Any) -> bool:
        return value != self.default and value != []


@functools.lru_cache(maxsize=None)
def parameters(command: Callable) -> dict[str, Parameter]:
    """A command's parameters by name; one without a Role is refused with --resume."""
    found = {}
    for name, parameter in inspect.signature(command, eval_str=True).parameters.items():
        metadata = typing.get_args(parameter.annotation)[1:]
        info = next((m for m in metadata if isinstance(m, typer.models.ParameterInfo)), None)
        # in an Annotated declaration typer keeps the first name where a default would go
        names = [info.default, *(info.param_decls or ())] if info is not None else []
        declared = [name for name in names if isinstance(name, str) and name.startswith("--")]
        option_name = declared[0].split("/")[0] if declared else f"--{name.strip('_').replace('_', '-')}"
        role = next((m for m in metadata if isinstance(m, Role)), Role())
        found[name] = Parameter(option_name, role, parameter.default)
    return found


def config_overrides(command: Callable, values: dict[str, Any]) -> dict[str, Any]:
    """{dotted key: value} for every given option that sets a config key (the `flags` layer)."""
    layer: dict[str, Any] = {}
    for name, parameter in parameters(command).items():
        value = values.get(name)
        if parameter.role.key and parameter.given(value):
            layer[parameter.role.key] = parameter.role.convert(value) if parameter.role.convert else value
    return layer


def refuse_on_resume(command: Callable, values: dict[str, Any]) -> None:
    """--resume continues a run with its own config.yaml: options that would change it are refused."""
    options = parameters(command)
    clashing = [p.option for name, p in options.items() if not p.role.on_resume and p.given(values.get(name))]
    if clashing:
        allowed = ", ".join(p.option for p in options.values() if p.role.on_resume and p.option != "--resume")
        raise UsageError(f"--resume continues a run with its own config.yaml, so {', '.join(clashing)} cannot be "
                         f"given with it (only {allowed}); start a new run to change the config")
