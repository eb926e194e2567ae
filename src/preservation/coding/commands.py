"""Shared parsing of shell commands for the detectors.

A transcript's tool call becomes one command string; a command may hold
several simple commands (`a && b; c | d`). Detectors look at each simple
command's verb and arguments, so splitting and tokenising live here once.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Argument keys under which agent tools pass a shell command or code.
COMMAND_KEYS = ("cmd", "command", "code", "script")
# Prefixes that do not change what a command does to its arguments.
TRANSPARENT = {"sudo", "command", "builtin", "exec", "nohup", "env", "time", "busybox"}
# File-editing tools of common agent scaffolds, and their read-only sub-commands.
EDITOR_TOOLS = {"text_editor", "str_replace_editor", "str_replace_based_edit_tool", "write_file", "edit_file", "create_file", "apply_patch"}
EDITOR_READS = {"view"}
SEPARATORS = re.compile(r"\s*(?:&&|\|\||;|\||\n)\s*")


@dataclass(frozen=True)
class Verdict:
    """A detector's answer for one trial; `evidence` is the command that decided it."""

    occurred: bool
    evidence: str = ""
    rule: str = ""


def first_verdict(commands: Iterable[str], rule_of: Callable[[str], str]) -> Verdict:
    """Positive at the first command a rule fires on (naming it and the rule), else negative."""
    for command in commands:
        rule = rule_of(command)
        if rule:
            return Verdict(True, command, rule)
    return Verdict(False)


def tool_call_command(function: str, arguments: Mapping[str, Any]) -> str:
    """One tool call as the command text the detectors read.

    Shell-like tools pass the command under a known key; any other tool (a file
    editor, say) is rendered as `function arg1 arg2 ...` so its target path and
    sub-command are visible to the rules.
    """
    for key in COMMAND_KEYS:
        value = arguments.get(key)
        if isinstance(value, str) and function not in EDITOR_TOOLS:
            return value
    values = [value if isinstance(value, str) else json.dumps(value, sort_keys=True) for value in arguments.values()]
    return " ".join([function, *values])


def simple_commands(command: str) -> Iterable[list[str]]:
    """Tokenised simple commands of a command line, with transparent prefixes and env assignments removed."""
    for part in SEPARATORS.split(command):
        try:
            tokens = shlex.split(part, comments=False, posix=True)
        except ValueError:
            tokens = part.split()
        while tokens and (tokens[0] in TRANSPARENT or re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", tokens[0])):
            tokens = tokens[1:]
        if tokens:
            tokens[0] = tokens[0].rsplit("/", 1)[-1]
            yield tokens


def operands(tokens: list[str]) -> list[str]:
    """Arguments that are not options (a lone `-` counts as an operand)."""
    return [token for token in tokens[1:] if not token.startswith("-") or token == "-"]
