"""Errors that the CLI turns into a one-line message and an exit code (see shared design: exit codes)."""


class GentoolError(Exception):
    """Base class: the message names the problem and, where there is one, the fix."""

    exit_code = 1


class UsageError(GentoolError):
    """Bad usage or bad input: a config key, a value, a path, a file that is not what it should be. Exit 2."""

    exit_code = 2


class ConfigError(UsageError):
    """A config key or value is wrong; `key` is its dotted path."""

    def __init__(self, key: str, problem: str):
        self.key = key
        self.problem = problem
        super().__init__(f"config key '{key}': {problem}" if key else problem)


class RunFailure(GentoolError):
    """The run itself failed (for example a loss became NaN). Exit 1."""

    exit_code = 1
