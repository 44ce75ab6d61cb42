"""Numbers and times as an operator reads them, shared by the console and the headless commands
(it imports nothing of either, so both can use it)."""

from __future__ import annotations


def duration(ms: float | None) -> str:
    """`850ms`, `12.3s`, `4m05s`, `2h13m`: precise where it matters, short where it does not."""
    if ms is None or ms < 0:
        return "—"
    if ms < 1000:
        return f"{int(ms)}ms"
    s = ms / 1000
    if s < 60:
        return f"{s:.1f}s"
    m, sec = divmod(int(s), 60)
    if m < 60:
        return f"{m}m{sec:02d}s"
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m"


def count(n: int, word: str, many: str | None = None) -> str:
    """`1 batch`, `2 batches`, `1,204 runs`: a count a person reads without a "(s)"."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"
