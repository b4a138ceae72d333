"""Every `giuria` command (sub-commands of groups included) has a row in the README's command table, and no row
names a command that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

import click

from core.cli.main import cli

README = Path(__file__).resolve().parents[2] / "README.md"


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> set[str]:
    """The words a user types for each runnable command, e.g. "competition import"."""
    paths = set()
    context = click.Context(group)
    # Through list_commands/get_command: `score` and `assign` are loaded only when asked for.
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if isinstance(command, click.Group):
            paths |= command_paths(command, (*prefix, name))
        else:
            paths.add(" ".join((*prefix, name)))
    return paths


def readme_commands() -> set[str]:
    """The command of each row of the table under "The `giuria` command", without its arguments and options."""
    section = README.read_text(encoding="utf-8").split("## The `giuria` command", 1)[1].split("\n## ", 1)[0]
    commands = set()
    for cell in re.findall(r"^\| `giuria ([^`]+)` \|", section, flags=re.MULTILINE):
        words = []
        for word in cell.split():
            if not re.fullmatch(r"[a-z][a-z-]*", word):
                break  # an argument (FILE, SLUG, SCORES.csv) or an option ([--limit N])
            words.append(word)
        commands.add(" ".join(words))
    return commands


def test_the_walk_finds_sub_commands_of_groups():
    paths = command_paths(cli)
    assert {"migrate", "competition import", "competition export", "audit verify", "plugins"} <= paths
    assert "competition" not in paths


def test_every_command_is_in_the_readme_table_and_every_row_is_a_command():
    commands = command_paths(cli)
    documented = readme_commands()
    assert sorted(commands - documented) == []
    assert sorted(documented - commands) == []
