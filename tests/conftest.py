"""Session-wide test setup."""

from __future__ import annotations

import os
import time

import pytest

# Times shown "in your zone" and the snapshots that contain them must not depend on the
# machine the suite runs on.
os.environ["TZ"] = "UTC"
time.tzset()


@pytest.fixture(autouse=True)
def _private_state_folder(tmp_path_factory: pytest.TempPathFactory,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real state folder (remembered views, query history)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
