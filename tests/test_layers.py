"""The layering rules of docs/architecture.md, checked in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
import {module}
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'trigger_tui'))))
"""


def _loaded(module: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(module=module)], check=True,
                         capture_output=True, text=True).stdout
    return list(json.loads(out))


@pytest.mark.parametrize("module", [
    "trigger_tui.emulator.app", "trigger_tui.emulator.server", "trigger_tui.cli",
    "trigger_tui.api", "trigger_tui.api.resources", "trigger_tui.api.trql",
    "trigger_tui.state.session", "trigger_tui.config", "trigger_tui.commands",
])
def test_core_modules_never_load_textual(module: str) -> None:
    assert not [m for m in _loaded(module) if m.split(".")[0] == "textual"]


def test_emulator_never_imports_the_client_or_the_state() -> None:
    loaded = _loaded("trigger_tui.emulator.app")
    assert not [m for m in loaded if m.startswith(("trigger_tui.api", "trigger_tui.state",
                                                   "trigger_tui.ui"))]


@pytest.mark.parametrize("module", ["trigger_tui.api", "trigger_tui.api.resources",
                                    "trigger_tui.config", "trigger_tui.keys"])
def test_lower_layers_never_import_upwards(module: str) -> None:
    loaded = _loaded(module)
    assert not [m for m in loaded if m.startswith(("trigger_tui.state", "trigger_tui.ui",
                                                   "trigger_tui.commands",
                                                   "trigger_tui.emulator"))]
