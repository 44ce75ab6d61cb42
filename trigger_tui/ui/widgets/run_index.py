"""The runs table's sorted order, kept up to date from change notifications.

The table never copies run data: it keeps only this index, a sorted list of small keys
`(sort value, run id)` over the Store's own dict of rows. A poll that changes 1 % of 100k runs
costs 1 000 key comparisons, not a 100k-row sort: a status change does not move a run that is
sorted by creation time, so most notifications touch no key at all; a few moved keys are
re-inserted by bisection, and only a large change (a new filter, a new sort column) re-sorts,
where Timsort mostly merges the already sorted runs.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from trigger_tui.state.store import RunRow
from trigger_tui.ui.format import status_rank

SortValue = Callable[[RunRow], Any]

# Each column's sort value. Never None (keys must compare), one type per column.
SORT_VALUES: dict[str, SortValue] = {
    "status": lambda r: status_rank(r.status),
    "id": lambda r: r.id,
    "task": lambda r: r.task,
    "version": lambda r: r.version,
    "tags": lambda r: ",".join(r.tags),
    "created": lambda r: r.created_at,
    "duration": lambda r: r.duration_ms,
    "cost": lambda r: r.cost_usd,
    "queue": lambda r: r.queue,
    "machine": lambda r: r.machine,
}

# Above this many moved keys, filtering and re-sorting beats bisecting one by one (each list
# insertion is an O(n) memmove).
_BULK = 64


class RunIndex:
    """Row order for `rows` (the Store's dict, read live) by one column, either direction."""

    def __init__(self, rows: Mapping[str, RunRow], *, sort: str = "created",
                 descending: bool = True) -> None:
        if sort not in SORT_VALUES:
            raise ValueError(f"cannot sort by {sort!r}")
        self._rows = rows
        self.sort = sort
        self.descending = descending
        self._value = SORT_VALUES[sort]
        self._keys: list[tuple[Any, str]] = []
        self._key_of: dict[str, tuple[Any, str]] = {}
        self.rebuild()

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, run_id: object) -> bool:
        return run_id in self._key_of

    def rebuild(self) -> None:
        value = self._value
        self._key_of = {rid: (value(row), rid) for rid, row in self._rows.items()}
        self._keys = sorted(self._key_of.values())

    def set_sort(self, sort: str, descending: bool) -> None:
        """Re-sort only when the column changed; a direction flip just reads the list backwards."""
        if sort not in SORT_VALUES:
            raise ValueError(f"cannot sort by {sort!r}")
        self.descending = descending
        if sort != self.sort:
            self.sort = sort
            self._value = SORT_VALUES[sort]
            self.rebuild()

    def apply(self, changed: Iterable[str]) -> bool:
        """Follow a Store notification; True when the order or the membership changed."""
        value = self._value
        removed: list[tuple[Any, str]] = []
        added: list[tuple[Any, str]] = []
        key_of = self._key_of
        for rid in changed:
            row = self._rows.get(rid)
            old = key_of.get(rid)
            new = (value(row), rid) if row is not None else None
            if old == new:
                continue
            if old is not None:
                removed.append(old)
            if new is None:
                del key_of[rid]
            else:
                key_of[rid] = new
                added.append(new)
        if not removed and not added:
            return False
        keys = self._keys
        if len(removed) + len(added) > _BULK:
            if removed:
                gone = {k[1] for k in removed}
                keys = [k for k in keys if k[1] not in gone]
            keys.extend(added)
            keys.sort()
            self._keys = keys
        else:
            for k in removed:
                del keys[bisect_left(keys, k)]
            for k in added:
                insort(keys, k)
        return True

    def id_at(self, position: int) -> str:
        """The run shown at `position` (0 = first row on screen in the current direction)."""
        if self.descending:
            return self._keys[len(self._keys) - 1 - position][1]
        return self._keys[position][1]

    def ids(self, start: int, stop: int) -> list[str]:
        stop = min(stop, len(self._keys))
        return [self.id_at(i) for i in range(max(0, start), stop)]

    def position(self, run_id: str) -> int | None:
        key = self._key_of.get(run_id)
        if key is None:
            return None
        i = bisect_left(self._keys, key)
        return len(self._keys) - 1 - i if self.descending else i

    def all_ids(self) -> list[str]:
        ids = [k[1] for k in self._keys]
        if self.descending:
            ids.reverse()
        return ids
