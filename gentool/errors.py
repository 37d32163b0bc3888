"""Errors that the CLI turns into a one-line message and an exit code (see shared design: exit codes)."""

import errno
from pathlib import Path


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


def describe_os_error(err: OSError) -> GentoolError:
    """An OSError on a path as a one-line problem with its fix. A path the user named that cannot be used is bad
    input (exit 2); a full disk is a run failure (exit 1); an OSError that names no path is not described here."""
    raw = err.filename2 if err.filename2 is not None else err.filename
    if raw is None:
        return RunFailure(f"unexpected failure: {type(err).__name__}: {err} (set GENTOOL_DEBUG=1 for the traceback)")
    path = Path(raw if isinstance(raw, str) else str(raw))
    if path.name.startswith(".") and path.name.endswith(".tmp"):  # an atomic write's temporary file: name its folder
        path = path.parent
    shown = str(path) if len(str(path)) <= 80 else f"{str(path)[:77]}..."
    problems = {
        errno.ENOSPC: f"no space left on the device while writing '{shown}'; free some space and run the command "
                      f"again (files already written are complete: every write is atomic)",
        errno.EACCES: f"permission denied for '{shown}'; choose a path you can write to, or change its permissions",
        errno.EPERM: f"permission denied for '{shown}'; choose a path you can write to, or change its permissions",
        errno.EROFS: f"'{shown}' is on a read-only file system; choose a path on a writable one",
        errno.EISDIR: f"'{shown}' is a folder, but a file is needed there; give a file path",
        errno.ENOTDIR: f"a file stands where a folder is needed in '{shown}'; choose another path",
        errno.EEXIST: f"'{shown}' already exists; choose another path",
        errno.ENAMETOOLONG: f"the name '{shown}' is too long for the file system; choose a shorter one",
        errno.ENOENT: f"'{shown}' does not exist; check the path",
    }
    message = problems.get(err.errno, f"'{shown}': {err.strerror}; check the path")
    return RunFailure(message) if err.errno == errno.ENOSPC else UsageError(message)
