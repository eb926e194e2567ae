"""Commands from transcripts stored as JSON (messages with tool calls).

Covers the shapes agent logs use: OpenAI-style `tool_calls` with a
`function: {name, arguments}` (arguments possibly a JSON string), Inspect-style
`{function, arguments}`, and Anthropic-style `{"type": "tool_use", name, input}`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from preservation.coding.commands import tool_call_command


def commands_from_json(transcript: Any) -> list[str]:
    """Every tool call in a JSON transcript, in order, as command text."""
    return list(_walk(transcript))


def _walk(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, dict):
        call = _as_call(node)
        if call is not None:
            yield tool_call_command(*call)
            return
        for value in node.values():
            yield from _walk(value)


def _as_call(node: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    if node.get("type") == "tool_use" and isinstance(node.get("name"), str):
        return node["name"], _arguments(node.get("input"))
    function = node.get("function")
    if isinstance(function, dict) and isinstance(function.get("name"), str):
        return function["name"], _arguments(function.get("arguments"))
    if isinstance(function, str) and "arguments" in node:
        return function, _arguments(node["arguments"])
    return None


def _arguments(raw: Any) -> dict[str, Any]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            return {"cmd": raw}
    return raw if isinstance(raw, dict) else {}
