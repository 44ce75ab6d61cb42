"""The packaging tests go first.

Each spends about half a minute in pip and a subprocess, independent of every other test.
Under xdist's default scheduling each worker is first given a run of consecutive tests and the
rest are handed to whichever worker is free; a long test near the end of the collection would
keep one worker busy alone after the others ran out of work. At the start, the other workers
take over the suite while these run.
"""

from __future__ import annotations

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    first = [item for item in items if item.get_closest_marker("packaging")]
    if first:
        rest = [item for item in items if not item.get_closest_marker("packaging")]
        items[:] = first + rest
