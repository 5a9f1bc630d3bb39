"""The `svmodel` command. Each subcommand lives in its own module under svmodel/commands/
and registers itself with `register(subparsers)`; this file only discovers and dispatches.

Every error a user can fix derives from `svmodel.errors.SvmodelError` and is printed on stderr
without a traceback; the exit statuses are `svmodel.errors.ExitCode` (0 ok, 1 invalid input,
2 usage, 3 internal error, 4 partial failure of a multi-file command, 130 interrupted), listed
in `svmodel --help` and docs/reference/cli.md. A mistyped command, option or choice gets a
suggestion (difflib, here and nowhere else). `--debug` shows tracebacks of internal errors.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import pkgutil
import sys
import textwrap
from typing import Iterable, Iterator, NoReturn, Sequence

from svmodel import __version__, commands
from svmodel.commands._examples import EXAMPLES
from svmodel.errors import ExitCode, InputFileError, SvmodelError
from svmodel.util.safety import terminal_text

def suggestion(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to `word` (difflib's ratio at least 0.6), or None."""
    close = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return close[0] if close else None


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Paragraphs wrapped to the terminal as usual; a paragraph with indented lines (examples,
    the exit-status table) printed as written, like RawDescriptionHelpFormatter."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        blocks = []
        for block in text.strip("\n").split("\n\n"):
            lines = block.splitlines()
            if any(line.startswith(" ") for line in lines):
                blocks.append("\n".join(indent + line for line in lines))
            else:
                blocks.append(textwrap.fill(" ".join(block.split()), width, initial_indent=indent,
                                            subsequent_indent=indent))
        return "\n\n".join(blocks)


class Parser(argparse.ArgumentParser):
    """argparse with suggestions for mistyped commands, choices and options, and the usage
    exit status (ExitCode.USAGE)."""

    def _check_value(self, action: argparse.Action, value: object) -> None:
        if action.choices is not None and value not in action.choices:
            choices = [str(c) for c in action.choices]
            message = f"invalid choice: {value!r} (choose from {', '.join(choices)})"
            close = suggestion(str(value), choices)
            if close:
                message += f"; did you mean `{close}`?"
            raise argparse.ArgumentError(action, message)

    def parse_args(self, args=None, namespace=None):  # noqa: ANN001, ANN201 (argparse's signature)
        words = list(sys.argv[1:] if args is None else args)
        for _, parser in walk(self):  # for error(): the words, to find typos in
            parser._words = words
        namespace, extras = self.parse_known_args(words, namespace)
        if extras:
            deepest = _chosen(self, namespace)
            deepest.error(f"unrecognized arguments: {' '.join(extras)}"
                          + self._hints(extras, [self, deepest]))
        return namespace

    @staticmethod
    def _hints(words: Iterable[str], parsers: Iterable[argparse.ArgumentParser]) -> str:
        """"; did you mean `--json`?" for option-like words close to an option of `parsers`."""
        options = [o for p in parsers for o in p._option_string_actions]
        pairs = []
        for word in words:
            if word.startswith("-") and word.split("=", 1)[0] not in options:
                close = suggestion(word.split("=", 1)[0], options)
                if close:
                    pairs.append((word, close))
        if not pairs:
            return ""
        if len(pairs) == 1:
            return f"; did you mean `{pairs[0][1]}`?"
        return "; did you mean " + ", ".join(f"`{close}` for {word}" for word, close in pairs) + "?"

    def error(self, message: str) -> NoReturn:
        if message.startswith("the following arguments are required"):  # perhaps a mistyped option
            message += self._hints(getattr(self, "_words", []), [self])
        self.print_usage(sys.stderr)
        self.exit(ExitCode.USAGE, f"{self.prog}: error: {terminal_text(message)}\n")


def subparsers(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """The direct sub-commands of `parser` (name, parser)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def _chosen(parser: argparse.ArgumentParser, namespace: argparse.Namespace) -> argparse.ArgumentParser:
    """The parser of the sub-command the command line chose (`svmodel tender evaluate`: its own)."""
    while True:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction) and \
                    getattr(namespace, action.dest, None) in action.choices:
                parser = action.choices[getattr(namespace, action.dest)]
                break
        else:
            return parser


def walk(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()
         ) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command below `parser` (the words after `svmodel`, its parser), parents first."""
    yield words, parser
    for name, sub in subparsers(parser):
        yield from walk(sub, (*words, name))


def exit_status_table(width: int = 79) -> str:
    """The exit statuses from svmodel.errors.ExitCode, each meaning wrapped under itself."""
    return "\n".join(textwrap.fill(code.meaning, width, initial_indent=f"  {code.value:>3}  ",
                                   subsequent_indent=" " * 7) for code in ExitCode)


def examples_text(lines: Sequence[str]) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="svmodel",
        description="Social value (SROI) calculations with sourced financial proxies.",
        epilog=f"{examples_text(EXAMPLES[()])}\n\nexit status:\n{exit_status_table()}\n\n"
               "`svmodel COMMAND --help` shows a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"svmodel {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"svmodel.commands.{info.name}")
        module.register(subs)
    for words, sub in walk(parser):
        sub.formatter_class = HelpFormatter
        if words and words in EXAMPLES and not sub.epilog:
            sub.epilog = examples_text(EXAMPLES[words])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `svmodel ARGV` and return its exit status (ExitCode). A command line argparse rejects,
    `--help` and `--version` raise SystemExit with their status, as argparse does (2 for usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except InputFileError as exc:
        for problem in exc.problems:
            print(f"error: {terminal_text(problem)}", file=sys.stderr)
        return ExitCode.INVALID_INPUT
    except SvmodelError as exc:
        print(f"error: {terminal_text(exc)}", file=sys.stderr)
        return ExitCode.INVALID_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return ExitCode.OK
    except Exception as exc:  # an internal error: say so plainly, traceback on request
        if args.debug:
            raise
        print(f"internal error: {type(exc).__name__}: {terminal_text(exc)}\n"
              "(run with --debug for the traceback, and please report it)", file=sys.stderr)
        return ExitCode.INTERNAL


if __name__ == "__main__":
    sys.exit(main())
