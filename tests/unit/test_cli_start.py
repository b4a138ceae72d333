"""`giuria --help` and each command's help load none of the numerical libraries, and say what the commands say."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from core.cli.main import cli

HEAVY = ("numpy", "scipy", "ortools", "matplotlib", "openpyxl", "piccolo", "litestar", "ruamel", "icalendar")
PROBE = """
import sys
from core.cli.main import cli
try:
    cli({args!r}, prog_name="giuria")
except SystemExit:
    pass
print("loaded:" + " ".join(sorted({{name.split(".")[0] for name in sys.modules}} & set({heavy!r}))))
"""


# `giuria score` reads its file with numpy from the start (the scoring issue's business); every other command's help
# loads none of them
COMMANDS = [name for name in cli.list_commands(click.Context(cli)) if name != "score"]


@pytest.mark.parametrize("args", [["--help"], *([name, "--help"] for name in COMMANDS)])
def test_help_loads_no_heavy_library(args):
    done = subprocess.run([sys.executable, "-c", PROBE.format(args=args, heavy=HEAVY)], capture_output=True,
                          text=True, check=True)
    help_text, _marker, loaded = done.stdout.rpartition("loaded:")
    assert "Usage: giuria" in help_text
    assert loaded.strip() == ""


def test_the_listed_help_of_the_lazy_commands_is_their_own():
    context = click.Context(cli)
    for name, text in cli.lazy_help.items():
        assert cli.get_command(context, name).help == text
