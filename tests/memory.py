"""Measuring what a long-running app holds, for the soak tests.

`retained_bytes` walks everything reachable from the given roots (the app, its session) and
stops at what is not the app's own memory: the emulated world that feeds it in tests and demos,
the event loop, and code. Deterministic and fast, where process-wide measures (RSS, tracemalloc
over the whole process) would count the emulated world's daily swings.
"""

from __future__ import annotations

import gc
import os
import sys
import types
from typing import Any

CODE = (type, types.ModuleType, types.FunctionType, types.MethodType, types.BuiltinFunctionType,
        types.FrameType, types.CodeType)


def retained_bytes(roots: list[Any], stop: list[Any]) -> int:
    """Bytes of the objects reachable from `roots`, not through `stop` or code objects."""
    gc.collect()
    seen = {id(o) for o in stop}
    stack = list(roots)
    total = 0
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, CODE):
            continue
        total += sys.getsizeof(obj)
        stack.extend(gc.get_referents(obj))
    return total


def timers(app: Any) -> int:
    """Textual timers alive on the app and every widget of its current screen."""
    nodes: list[Any] = [app, *app.screen.walk_children(with_self=True)]
    return sum(len(node._timers) for node in nodes)


def open_files() -> int:
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0
