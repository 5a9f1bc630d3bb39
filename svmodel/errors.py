"""One exception hierarchy for everything a user can fix.

`SvmodelError` is the common base: the CLI prints any of them without a traceback (exit
status 1), and every view formats them alike. Input-file errors carry their problems as data
(`Problem`: file, line, field path, message), so a view can list, sort or place them beside a
control; nothing needs to parse a message.

    SvmodelError
    ├── InputFileError          an input file with problems (`.problems`)
    │   ├── ScenarioError       scenario files (YAML, or a Value Map workbook)
    │   ├── TenderError         tender specifications, bids, scores, delivery returns
    │   └── ReturnError         partners' ledger returns
    ├── ProxyLibraryError       a proxy library or pack that breaks the format
    ├── PriceYearError          a price year outside the deflator series
    ├── FrameworkError          an outcome framework file
    ├── DistributionError       an `uncertainty:` entry
    ├── StateError              explorer controls out of range
    ├── ResourceError           a shipped file or overriding folder missing
    └── UsageError              a bad command-line argument or unreadable path

References: papermill's structured `PapermillExecutionError` (errors as data, formatted by views).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class SvmodelError(Exception):
    """Base of every error svmodel raises for a problem the user can fix."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file: where (file, line, field path) and what."""

    file: str
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field_ = f" {self.path}:" if self.path else ""
        return f"{where}:{field_} {self.message}"


class InputFileError(SvmodelError, ValueError):
    """An input file that does not validate; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ScenarioError(InputFileError):
    """A scenario file (YAML or Value Map workbook) that does not validate."""


class TenderError(InputFileError):
    """A tender specification, bid, scores, commitments or delivery file that does not validate."""


class ReturnError(InputFileError):
    """A partner's ledger return (form, scenario, delivery or donation file) that does not validate."""


class ProxyLibraryError(SvmodelError, ValueError):
    """A proxy file that cannot be read, or a row that breaks the format.

    `file`, `line` (the CSV line where the row ends), `column` and `detail` locate the problem
    for callers that report it against the pack rather than the file that named the pack."""

    def __init__(self, message: str, file: str = "", line: int | None = None, column: str = "",
                 detail: str = ""):
        super().__init__(message)
        self.file, self.line, self.column, self.detail = file, line, column, detail or message


class PriceYearError(SvmodelError, ValueError):
    """A price year that cannot be parsed or lies outside the deflator series."""


class FrameworkError(SvmodelError, ValueError):
    """An outcome framework file that cannot be read or breaks its format."""


class DistributionError(SvmodelError, ValueError):
    """Invalid `uncertainty:` distributions; `problems` lists (path within the section, message)."""

    def __init__(self, problems: list[tuple[tuple[str | int, ...], str]]):
        self.problems = list(problems)
        super().__init__("; ".join(f"uncertainty{_show(path)}: {message}" for path, message in problems))


class StateError(SvmodelError, ValueError):
    """Explorer control values that cannot be evaluated; `problems` lists (field, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = list(problems)
        super().__init__("\n".join(f"{where}: {message}" for where, message in problems))


class ResourceError(SvmodelError):
    """A shipped file or an overriding folder that cannot be found."""


def _show(path: tuple[str | int, ...]) -> str:
    """The field path below `uncertainty`: ``["line.deadweight"].high``, ``.inputs``."""
    return "".join(f'["{p}"]' if isinstance(p, str) and "." in p else
                   (f"[{p}]" if isinstance(p, int) else f".{p}") for p in path)


class UsageError(SvmodelError):
    """A problem with the command line (bad argument, unreadable path); printed without traceback."""


class ExitCode(IntEnum):
    """The `svmodel` command's exit statuses, one meaning each (`svmodel --help` and
    docs/reference/cli.md list them from here)."""

    OK = 0
    INVALID_INPUT = 1      # an input file or value does not validate; nothing was written
    USAGE = 2              # the command line itself is wrong (argparse's convention)
    INTERNAL = 3           # a bug in svmodel: please report it (`--debug` shows the traceback)
    PARTIAL_FAILURE = 4    # a multi-file command completed some items; the failed ones are listed
    INTERRUPTED = 130      # Ctrl-C (128 + SIGINT)

    @property
    def meaning(self) -> str:
        """One line for the exit-status table (`svmodel --help`, docs/reference/cli.md)."""
        return _EXIT_MEANINGS[self]


_EXIT_MEANINGS = {
    ExitCode.OK: "success: every item was done (or was already up to date)",
    ExitCode.INVALID_INPUT: "invalid input: a file or value that does not validate, or a file that is "
                            "missing or unreadable; every problem is listed on stderr and nothing is "
                            "written for it",
    ExitCode.USAGE: "usage error: the command line cannot be parsed (unknown command or option, "
                    "missing or malformed argument); a likely typo gets a suggestion",
    ExitCode.INTERNAL: "internal error: a bug in svmodel, please report it (--debug shows the traceback)",
    ExitCode.PARTIAL_FAILURE: "partial failure: a command over several files (report, compare, tender "
                              "evaluate, tender monitor) finished some and not others; the failed "
                              "ones are listed on stderr",
    ExitCode.INTERRUPTED: "interrupted: Ctrl-C (or SIGTERM during svmodel report); workers stopped",
}
