"""Reading what a person types: lists, JSON (inline, `@file` or `-` for stdin), durations,
`KEY=VALUE` filters and `.env` files. Every mistake is a `UsageError` naming the argument."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from trigger_tui.commands.context import UsageError

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


def split_list(values: Iterable[str] | None) -> list[str] | None:
    """Repeated flags and comma lists alike: `--tag a --tag b,c` → [a, b, c] (None if absent)."""
    if not values:
        return None
    out = [part.strip() for v in values for part in v.split(",") if part.strip()]
    return out or None


def statuses(values: Iterable[str] | None, *, upper: bool = True) -> list[str] | None:
    """`--status failed,timed out` as the API spells statuses: runs and tokens in UPPER_SNAKE,
    error groups in lower case. The API is case-sensitive; a person typing is not."""
    found = split_list(values)
    if found is None:
        return None
    snake = [s.replace(" ", "_") for s in found]
    return [s.upper() for s in snake] if upper else [s.lower() for s in snake]


def read_text(value: str, what: str) -> str:
    """`@path` reads a file, `-` reads stdin, anything else is the text itself."""
    if value == "-":
        return sys.stdin.read()
    if value.startswith("@"):
        path = Path(value[1:]).expanduser()
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{what}: cannot read {path}: {exc.strerror or exc}") from None
    return value


def read_json(value: str, what: str) -> Any:
    """JSON given inline, as `@file`, or `-` (stdin)."""
    text = read_text(value, what)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{what} is not valid JSON ({exc})") from None
    except RecursionError:  # the decoder recurses per level: `[[[[…` exhausts the stack
        raise UsageError(f"{what} is not valid JSON (nested too deeply)") from None


def duration_ms(value: str, what: str) -> int:
    """`90s`, `15m`, `2h`, `7d` → milliseconds."""
    m = _DURATION.match(value.strip())
    if not m:
        raise UsageError(f"{what}: {value!r} is not a duration such as 30s, 15m, 2h or 7d")
    return int(float(m[1]) * _UNIT_MS[m[2]])


def key_values(pairs: Iterable[str], what: str) -> dict[str, str]:
    """`--filter status=FAILED,CRASHED --filter task=x` → {"status": "FAILED,CRASHED", …}."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{what}: expected KEY=VALUE, got {pair!r}")
        out[key.strip().lower()] = value.strip()
    return out


# --------------------------------------------------------------------------- .env files
_ENV_LINE = re.compile(r"^\s*(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_.\-]*)\s*=\s*(?P<rest>.*)$")
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\", "$": "$"}


def parse_dotenv(text: str, source: str) -> dict[str, str]:
    """The variables of a `.env` file, as dotenv tools read them.

    `KEY=value`, `export KEY=value`, `#` comments (whole line, or after an unquoted value and a
    space), single quotes (literal), double quotes (with `\\n`-style escapes, may span lines).
    """
    lines = text.splitlines()
    out: dict[str, str] = {}
    i = 0
    while i < len(lines):
        line, number = lines[i], i + 1
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _ENV_LINE.match(line)
        if not m:
            raise UsageError(f"{source}, line {number}: expected KEY=VALUE, got {line.strip()!r}")
        rest = m["rest"]
        if rest.startswith(("'", '"')):
            quote_char = rest[0]
            body = rest[1:]
            while _closing(body, quote_char) < 0:
                if i >= len(lines):
                    raise UsageError(f"{source}, line {number}: unterminated {quote_char} quote")
                body += "\n" + lines[i]
                i += 1
            end = _closing(body, quote_char)
            value = body[:end]
            trailing = body[end + 1:].strip()
            if trailing and not trailing.startswith("#"):
                raise UsageError(f"{source}, line {number}: unexpected text after the quoted "
                                 f"value: {trailing!r}")
            if quote_char == '"':
                value = re.sub(r"\\(.)", lambda e: _ESCAPES.get(e[1], "\\" + e[1]), value)
        else:
            value = re.split(r"\s+#", rest, maxsplit=1)[0].strip()
        out[m["key"]] = value
    return out


def _closing(body: str, quote_char: str) -> int:
    """Index of the closing quote (a double quote may be backslash-escaped), or -1."""
    i = 0
    while i < len(body):
        if quote_char == '"' and body[i] == "\\":
            i += 2
            continue
        if body[i] == quote_char:
            return i
        i += 1
    return -1
