"""The packaging tests' own judgement, which decides between skip and fail: an unreachable
registry must never pass for a broken package, and CI must really run the README's steps."""

from __future__ import annotations

from tests.packaging.support import network_sign
from tests.packaging.test_readme_commands import not_run_by, two_commands

OFFLINE = """\
WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after \
connection broken by 'NewConnectionError(...: Failed to establish a new connection: [Errno -3] \
Temporary failure in name resolution')': /simple/textual/
ERROR: Could not find a version that satisfies the requirement textual>=1.0 (from versions: none)
ERROR: No matching distribution found for textual>=1.0
"""
BROKEN = """\
  ValueError: Missing `tool.hatch.version` configuration
error: metadata-generation-failed
ERROR: No matching distribution found for textual>=99
"""

README = """\
## Two commands

Try it:

```sh
python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/trigger-tui --demo
```

Run the tests:

```sh
python3 -m venv .venv && .venv/bin/pip install -e '.[dev]' && .venv/bin/python -m pytest -n auto
```

## The console
"""

CI = """\
#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
.venv/bin/ruff check .
if [ "$(id -u)" = 0 ]; then SUDO=""
  { $SUDO apt-get update -qq \\
      && apt-get install -y -qq chromium; } >/dev/null 2>&1 || echo "no" >&2
fi
.venv/bin/python -m pytest -n auto
"""


def test_a_network_error_is_told_from_a_broken_package() -> None:
    assert "NewConnectionError" in (network_sign(OFFLINE) or "")
    assert network_sign(BROKEN) is None


def test_the_readme_commands_are_read_from_their_section() -> None:
    try_it, tests = two_commands(README)
    assert try_it.endswith("trigger-tui --demo")
    assert tests.endswith("pytest -n auto")


def test_ci_must_run_every_step_of_the_test_command_in_order() -> None:
    _, tests = two_commands(README)
    assert not_run_by(CI, tests) is None
    assert not_run_by(CI.replace(" -n auto", ""), tests) == ".venv/bin/python -m pytest -n auto"
    assert not_run_by(CI.replace("'.[dev]'", "."), tests) == ".venv/bin/pip install -e '.[dev]'"
    swapped = CI.replace("python3 -m venv .venv\n", "") + "python3 -m venv .venv\n"
    assert not_run_by(swapped, tests) == ".venv/bin/pip install -e '.[dev]'"  # after the venv
