"""Dataclass configs built from layered YAML: preset < --config FILE < named flags < --set key=value.

Every config is a tree of dataclasses. `build_config` turns a plain dict into that tree and rejects what does not
fit, naming the dotted key, the allowed keys or values, and a did-you-mean. Field constraints live in the field's
metadata (`min`, `max`, `choices`), so the rules sit next to the defaults they guard; the command line builds its
flags from the same metadata (help, type, choices, range: gentool/cli/options.py).

Config modules (every `config.py`, and what they import) import no torch, numpy, matplotlib or scipy at module
level: the command line reads them to draw its help and complete its flags, and answers at once only while they
stay light. A check that needs a heavy module imports it inside the check.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import functools
import math
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union

import yaml

from gentool.errors import ConfigError, UsageError


def option(default: Any, *, min: float | None = None, max: float | None = None, min_exclusive: bool = False,
           choices: tuple | None = None, suggest: tuple | None = None, help: str = "") -> Any:
    """A dataclass field with a default, its validation rules and its help.

    `choices` are the only values allowed (a Literal type says the same). `suggest` names values that the command
    line shows and completes where the field's check decides what is allowed: a device also takes cuda:N, a fix
    name is checked by the fix registry.
    """
    meta = {"min": min, "max": max, "min_exclusive": min_exclusive, "choices": choices, "suggest": suggest,
            "help": help}
    if isinstance(default, (list, dict)):
        return dataclasses.field(default_factory=lambda: copy.deepcopy(default), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def did_you_mean(word: str, allowed: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(allowed), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


# ----------------------------------------------------------------------------------------------- YAML and overrides

def load_yaml_file(path: str | Path) -> dict:
    """Read a YAML mapping; a missing file, a syntax error or a non-mapping is a UsageError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"config file '{path}' does not exist; pass the path of a YAML file to --config")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        where = ""
        mark = getattr(err, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(err, "problem", None) or "invalid YAML"
        raise UsageError(f"config file '{path}' is not valid YAML{where}: {problem}; fix the file and try "
                         f"again") from None
    except UnicodeDecodeError:
        raise UsageError(f"config file '{path}' is not a text file; pass a YAML file to --config") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f"config file '{path}' must hold a mapping of keys (like 'train: {{epochs: 10}}'), "
                         f"not a {type(data).__name__}")
    return data


def deep_merge(base: dict, override: dict) -> dict:
    """Mappings merge key by key; anything else (lists included) is replaced whole."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def nested_from_dotted(key: str, value: Any) -> dict:
    out: dict = {}
    node = out
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return out


def parse_set_overrides(assignments: typing.Sequence[str]) -> dict:
    """`--set optim.lr=1e-4 --set model.z_dim=64` -> {'optim': {'lr': 1e-4}, 'model': {'z_dim': 64}}.

    Values are read as YAML, so lists (`[10, 30]`), booleans and null work; type checks happen in build_config.
    """
    merged: dict = {}
    for text in assignments:
        key, sep, raw = text.partition("=")
        key = key.strip()
        if not sep or not key or any(not part for part in key.split(".")):
            raise UsageError(f"--set '{text}' is not of the form key.sub=value (for example --set optim.lr=1e-4)")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        merged = deep_merge(merged, nested_from_dotted(key, value))
    return merged


# ------------------------------------------------------------------------------------------- dict -> dataclass tree

def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _describe(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if origin in (list, tuple):
        args = typing.get_args(tp)
        return f"a list of {_describe(args[0])}" if args else "a list"
    if origin in (Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(tp))
    if tp is type(None):
        return "null"
    if tp is float:
        return "a number"
    if tp is int:
        return "a whole number"
    if tp is bool:
        return "true or false"
    if tp is str:
        return "a string"
    if dataclasses.is_dataclass(tp):
        return "a mapping"
    return getattr(tp, "__name__", str(tp))


def _coerce(value: Any, tp: Any, key: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, key)
            except ConfigError:
                continue
        raise ConfigError(key, f"got {value!r}, expected {_describe(tp)}")
    if origin is Literal:
        allowed = typing.get_args(tp)
        if value in allowed:
            return value
        hint = did_you_mean(str(value), [str(a) for a in allowed])
        raise ConfigError(key, f"got {value!r}{hint}; allowed values: {', '.join(str(a) for a in allowed)}")
    if origin in (list, tuple):
        (item_tp,) = typing.get_args(tp)[:1] or (Any,)
        if item_tp is str and isinstance(value, str):  # --set drums.midi_dirs=DIR: one folder is a list of one
            value = [value]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(key, f"got {value!r}, expected {_describe(tp)} (for example [1, 2])")
        return [_coerce(item, item_tp, f"{key}[{i}]") for i, item in enumerate(value)]
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise ConfigError(key, f"got {value!r}, expected a mapping")
        return copy.deepcopy(value)
    if dataclasses.is_dataclass(tp):
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if number and getattr(tp, "ONE_NUMBER_SETS_ALL", False):
            value = {field.name: value for field in dataclasses.fields(tp)}
        return build_config(tp, value, prefix=key)
    if tp is Any:
        return value
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(key, f"got {value!r}, expected true or false")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(key, f"got {value!r}, expected a whole number")
    if tp is float:
        # YAML reads `1e-4` (no dot) as a string; people write it that way, so accept it.
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number = float(value)
        elif isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                raise ConfigError(key, f"got {value!r}, expected a number") from None
        else:
            raise ConfigError(key, f"got {value!r}, expected a number")
        if not math.isfinite(number):
            raise ConfigError(key, f"got {value!r}, expected a finite number")
        return number
    if tp is str:
        if isinstance(value, str):
            return value
        raise ConfigError(key, f"got {value!r}, expected a string")
    raise TypeError(f"unsupported config type {tp!r} for {key}")


def _check_range(value: Any, meta: typing.Mapping, key: str) -> None:
    items = value if isinstance(value, list) else [value]
    for item in items:
        if item is None or isinstance(item, bool) or not isinstance(item, (int, float, str)):
            continue
        choices = meta.get("choices")
        if choices is not None and item not in choices:
            hint = did_you_mean(str(item), [str(c) for c in choices])
            raise ConfigError(key, f"got {item!r}{hint}; allowed values: {', '.join(map(str, choices))}")
        if isinstance(item, str):
            continue
        low, high = meta.get("min"), meta.get("max")
        if low is not None:
            if meta.get("min_exclusive") and not item > low:
                raise ConfigError(key, f"got {item!r}, must be > {low}")
            if not meta.get("min_exclusive") and item < low:
                raise ConfigError(key, f"got {item!r}, must be >= {low}")
        if high is not None and item > high:
            raise ConfigError(key, f"got {item!r}, must be <= {high}")


# sections that run folders name otherwise (read through each family's saved-config reader, renamed_keys below):
# in what a user gives, such a key is refused with the name it has now
RENAMED_SECTIONS = {"data": ("fonts", "drums", "expressions"), "letters": ("fonts",)}


def build_config(cls: type, data: Any, prefix: str = "") -> Any:
    """Build dataclass `cls` from a mapping, validating every key; missing keys keep their defaults.

    A dataclass may define `check(self) -> list[tuple[str, str]]` for rules that span fields; it returns
    (relative key, problem) pairs. One whose fields are all numbers of one meaning (free nats per latent level) may
    set `ONE_NUMBER_SETS_ALL = True`: a single number in its place then sets every field.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(prefix, f"got {data!r}, expected a mapping of keys")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in data:
        if key not in fields:
            where = f" under '{prefix}'" if prefix else ""
            renamed = [new for new in RENAMED_SECTIONS.get(str(key), ()) if new in fields and not prefix]
            hint = (f" (the section is '{renamed[0]}' now; run folders that say '{key}' still open as they are)"
                    if renamed else did_you_mean(str(key), fields))
            raise ConfigError(_join(prefix, str(key)), f"unknown key{hint}; allowed keys{where}: {', '.join(fields)}")
    kwargs = {}
    for name, field in fields.items():
        if name not in data:
            continue
        key = _join(prefix, name)
        value = _coerce(data[name], hints[name], key)
        _check_range(value, field.metadata, key)
        kwargs[name] = value
    obj = cls(**kwargs)
    for rel_key, problem in getattr(obj, "check", lambda: [])():
        raise ConfigError(_join(prefix, rel_key), problem)
    return obj


def config_to_dict(config: Any) -> dict:
    return dataclasses.asdict(config)


def dump_yaml(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None)


def renamed_keys(data: dict, renames: dict[str, str]) -> dict:
    """A saved config (a run's config.yaml, a checkpoint's config) under today's key names: each `old: new` pair of
    dotted keys moves the value at `old` to `new`, in order. What users give (--config, --set) is read as it is."""
    data = copy.deepcopy(data)
    for old, new in renames.items():
        *parents, key = old.split(".")
        node = data
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and key in node:
            data = deep_merge(data, nested_from_dotted(new, node.pop(key)))
    return data


def known_keys(cls: type, data: dict) -> dict:
    """`data` less every key the dataclass tree `cls` has no field for."""
    hints = typing.get_type_hints(cls)
    kept = {}
    for field in dataclasses.fields(cls):
        if field.name in data:
            value, tp = data[field.name], hints[field.name]
            nested = dataclasses.is_dataclass(tp) and isinstance(value, dict)
            kept[field.name] = known_keys(tp, value) if nested else value
    return kept


# ------------------------------------------------------------------------------------------- a key from outside

@functools.lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def settable_field(cls: type, key: str) -> tuple[dataclasses.Field, Any] | None:
    """The field a dotted key names in the dataclass tree `cls`, and the type of the one value that sets it (what
    a command-line option takes); None where `cls` has no such key.

    A field that may be null is set by its value type (`int | None`: int); a section that one number sets whole
    (ONE_NUMBER_SETS_ALL, `free_bits: 0.5`) by a number, its first field standing for the type and range.
    """
    owner: Any = cls
    *sections, name = key.split(".")
    for section in sections:
        owner = _hints(owner).get(section) if dataclasses.is_dataclass(owner) else None
    fields = {field.name: field for field in dataclasses.fields(owner)} if dataclasses.is_dataclass(owner) else {}
    if name not in fields:
        return None
    tp = _hints(owner)[name]
    if typing.get_origin(tp) in (Union, types.UnionType):
        values = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        tp = values[0] if len(values) == 1 else tp
    if dataclasses.is_dataclass(tp) and getattr(tp, "ONE_NUMBER_SETS_ALL", False):
        return settable_field(tp, dataclasses.fields(tp)[0].name)
    return fields[name], tp
