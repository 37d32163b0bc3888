"""How gentool's groups and commands behave on top of typer: plain help drawn as the options declare it, typer's
own usage errors as one line, and --help and shell completion without pydantic's cost.

A cli module makes its group with `app = Commands()` and its commands with `@app.command("name")`; gentool/cli/app.py
names the group and says what it is for.
"""

from __future__ import annotations

import re
import sys
from typing import Any, Callable

import typer
from typer._click.exceptions import NoArgsIsHelpError
from typer.core import TyperCommand, TyperGroup

from gentool.cli.common import error_line


class AsTyped:
    """A value taken as typed: what a completion request needs of the options already on the line."""

    @staticmethod
    def coerce(value: Any, param: Any, ctx: Any) -> Any:
        return value


class AnswersAtOnce:
    """Typer checks every value through pydantic, even to answer a completion request, and pydantic's import and
    set-up cost more CPU than completing a word: a completion request (resilient parsing) takes values as typed."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        if ctx.resilient_parsing:
            for param in self.get_params(ctx):
                param._runtime_param = AsTyped
        return super().parse_args(ctx, args)


class GentoolGroup(AnswersAtOnce, TyperGroup):
    """A group of gentool commands: typer's own usage errors (an unknown option, a missing argument) are one
    `error:` line and exit 2, like gentool's."""

    def get_params(self, ctx: typer.Context) -> list:
        # a group's flag left out (--help on the way to a command's --help) reads False, not None: typer would
        # check None through pydantic, for the same CPU as a completion request
        params = super().get_params(ctx)
        for param in params:
            if getattr(param, "is_bool_flag", False) and param.default is None:
                param.default = False
        return params

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            outcome = super().main(*args, standalone_mode=False, **kwargs)
        except NoArgsIsHelpError as usage:  # `gentool gan` alone: the group's help, as `gentool gan --help`
            print(usage.format_message())
            sys.exit(usage.exit_code)
        except typer.TyperException as usage:
            context = getattr(usage, "ctx", None)
            where = f" (see '{context.command_path} --help')" if context is not None else ""
            error_line(f"{usage.format_message().rstrip('.')}{where}")
            sys.exit(usage.exit_code)
        except typer.Abort:
            error_line("aborted")
            sys.exit(1)
        sys.exit(outcome if isinstance(outcome, int) else 0)


class GentoolCommand(AnswersAtOnce, TyperCommand):
    """A gentool command: its help names a value as its option does, and ends each option's help with one bracket.
    Typer's plain help writes a number with a range as `<int range>` (the range is printed in the help already),
    a list argument as `<list[Path]>`, and its range in a bracket of its own after a default the help gives."""

    def format_options(self, ctx: typer.Context, formatter: Any) -> None:
        rows: dict[str, list[tuple[str, str]]] = {"argument": [], "option": []}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                name = re.sub(r" <(\w+) range>", r" <\1>", record[0])
                help = re.sub(r"\]  \[", "; ", record[1])
                rows[param.param_type_name].append((re.sub(r" <list\[\w+\]>", "...", name), help))
        for title, kind in (("Arguments", "argument"), ("Options", "option")):
            if rows[kind]:
                with formatter.section(title):
                    formatter.write_dl(rows[kind])


class Commands(typer.Typer):
    """A group of gentool commands (`gentool`, `gentool gan`, ...): plain help, as the options declare it (drawing
    it with rich costs more CPU than the rest of a `--help`), -h as --help, and the group alone prints its help."""

    def __init__(self, *, cls: type = GentoolGroup, add_completion: bool = False, **settings: Any):
        # a callback makes typer build a group even of one command (`gentool em fit`)
        settings.setdefault("callback", lambda: None)
        super().__init__(cls=cls, no_args_is_help=True, add_completion=add_completion, rich_markup_mode=None,
                         context_settings={"help_option_names": ["-h", "--help"]}, **settings)

    def command(self, name: str | None = None, *, cls: type | None = None, **settings: Any) -> Callable:
        return super().command(name, cls=cls or GentoolCommand, **settings)
