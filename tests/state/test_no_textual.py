"""The state layer is plain Python: importing it (in a fresh interpreter) loads no Textual,
and the session module loads the emulator only when a demo session is made."""

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


@pytest.mark.parametrize("module", ["trigger_tui.state", "trigger_tui.state.store",
                                    "trigger_tui.state.filters", "trigger_tui.state.pollers",
                                    "trigger_tui.state.actions", "trigger_tui.state.session"])
def test_state_modules_never_load_textual(module: str) -> None:
    loaded = _loaded(module)
    assert not [m for m in loaded if m.split(".")[0] == "textual"]
    assert not [m for m in loaded if m.startswith(("trigger_tui.ui", "trigger_tui.emulator"))]
