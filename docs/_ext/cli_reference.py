"""A Sphinx directive that documents the `svmodel` command line from its argparse parser.

    ```{svmodel-cli}
    ```

walks `svmodel.cli.build_parser()` and its sub-parsers, nested ones included (`svmodel tender
evaluate`, `svmodel ledger submit`, ...), and writes one section per command: its description,
its usage line, every argument with its help, choices and default, and its examples (the same
table, svmodel/commands/_examples.py, that `--help` shows). Nothing is typed by hand, so a new
command or option appears in the reference as soon as it is registered.

    ```{svmodel-exit-codes}
    ```

writes the exit-status table from `svmodel.errors.ExitCode` (code, name, meaning), the same
table `svmodel --help` prints.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from typing import Iterator

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective


@dataclass(frozen=True)
class Command:
    """One command of the CLI: its words after `svmodel` and its parser."""

    words: tuple[str, ...]
    parser: argparse.ArgumentParser
    help: str

    @property
    def name(self) -> str:
        return " ".join(("svmodel", *self.words))

    @property
    def anchor(self) -> str:
        return nodes.make_id("cli-" + "-".join(self.words or ("svmodel",)))


def _subparsers(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser, str]]:
    for action in parser._actions:  # argparse keeps sub-parsers only here
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield name, sub, helps.get(name, "")


def walk(parser: argparse.ArgumentParser, words: tuple[str, ...] = (), help: str = "") -> Iterator[Command]:
    """Every command reachable from `parser`, depth first, the parser itself first."""
    yield Command(words, parser, help)
    for name, sub, sub_help in _subparsers(parser):
        yield from walk(sub, (*words, name), sub_help)


def _argument_rows(parser: argparse.ArgumentParser) -> list[tuple[str, str]]:
    rows = []
    for action in parser._actions:
        if isinstance(action, (argparse._SubParsersAction, argparse._HelpAction)) \
                or action.help == argparse.SUPPRESS:
            continue
        if action.option_strings:
            metavar = ""
            if action.nargs != 0:
                metavar = " " + (action.metavar or action.dest.upper()) if not action.choices else \
                    " {" + ",".join(map(str, action.choices)) + "}"
            term = ", ".join(action.option_strings) + metavar
        else:
            term = action.metavar or action.dest
            if action.nargs in ("+", "*"):
                term += " ..."
        text = (action.help or "") % {"default": action.default, "prog": parser.prog} \
            if action.help and "%(" in action.help else (action.help or "")
        extras = []
        if action.choices and not action.option_strings:
            extras.append("one of: " + ", ".join(map(str, action.choices)))
        if action.required and action.option_strings:
            extras.append("required")
        if action.default not in (None, False, "", [], (), argparse.SUPPRESS) and action.nargs != 0:
            extras.append(f"default: {action.default}")
        if extras:
            text = f"{text} ({'; '.join(extras)})" if text else "; ".join(extras)
        rows.append((term, text))
    return rows


def _section(command: Command, document: nodes.document) -> nodes.section:
    section = nodes.section(ids=[command.anchor], names=[nodes.fully_normalize_name(command.name)])
    section += nodes.title(text=command.name)
    description = command.parser.description or command.help
    if description:
        section += nodes.paragraph(text=" ".join(description.split()))
    usage = command.parser.format_usage().strip()
    section += nodes.literal_block(usage, usage, language="text")
    from svmodel.commands._examples import EXAMPLES

    if EXAMPLES.get(command.words):
        text = "\n".join(EXAMPLES[command.words])
        section += nodes.paragraph(text="Examples:")
        section += nodes.literal_block(text, text, language="shell")
    rows = _argument_rows(command.parser)
    if rows:
        items = nodes.definition_list()
        for term, text in rows:
            item = nodes.definition_list_item()
            item += nodes.term("", "", nodes.literal(term, term))
            item += nodes.definition("", nodes.paragraph(text=text or "(no help text)"))
            items += item
        section += items
    subcommands = list(_subparsers(command.parser))
    if subcommands:
        listing = nodes.bullet_list()
        for name, _sub, sub_help in subcommands:
            child = Command((*command.words, name), _sub, sub_help)
            ref = nodes.reference("", "", nodes.literal(child.name, child.name), refid=child.anchor)
            para = nodes.paragraph("", "", ref)
            if sub_help:
                para += nodes.Text(f": {sub_help}")
            listing += nodes.list_item("", para)
        section += nodes.paragraph(text="Commands:")
        section += listing
    document.note_implicit_target(section, section)
    return section


class CliReference(SphinxDirective):
    """Insert one section per `svmodel` command (the directive takes no arguments)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from svmodel.cli import build_parser

        by_words: dict[tuple[str, ...], nodes.section] = {}
        for command in walk(build_parser()):
            section = _section(command, self.state.document)
            # A sub-command's section goes inside its parent's, so the page's contents nest.
            parent = by_words.get(command.words[:-1]) if command.words else None
            if parent is not None:
                parent.append(section)
            by_words[command.words] = section
        return [by_words[()]]

def exit_code_rows() -> list[tuple[str, str, str]]:
    """(status, name, meaning) for every svmodel.errors.ExitCode, in order."""
    from svmodel.errors import ExitCode

    return [(str(code.value), code.name, code.meaning) for code in ExitCode]


class ExitCodes(SphinxDirective):
    """Insert the exit-status table (the directive takes no arguments)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        table = nodes.table(classes=["exit-codes"])
        group = nodes.tgroup(cols=3)
        table += group
        for width in (8, 22, 70):
            group += nodes.colspec(colwidth=width)

        def row(cells: tuple[str, str, str], literal: bool = False) -> nodes.row:
            out = nodes.row()
            for i, cell in enumerate(cells):
                if literal and i < 2:
                    parts = [nodes.literal(cell, cell)]
                else:  # options as code, so `--debug` keeps its two hyphens
                    parts = [nodes.literal(p, p) if p.startswith("--") else nodes.Text(p)
                             for p in re.split(r"(--[\w-]+)", cell) if p]
                out += nodes.entry("", nodes.paragraph("", "", *parts))
            return out

        head = nodes.thead()
        head += row(("Status", "ExitCode", "Meaning"))
        group += head
        body = nodes.tbody()
        for cells in exit_code_rows():
            body += row(cells, literal=True)
        group += body
        return [table]


def setup(app: Sphinx) -> dict[str, object]:
    app.add_directive("svmodel-cli", CliReference)
    app.add_directive("svmodel-exit-codes", ExitCodes)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
