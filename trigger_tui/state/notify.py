"""Announcing a firing alert outside the screen: a desktop notification and a JSON webhook.

Each announcement runs as a task the `Notifier` owns and `aclose()` cancels, so a wall left on
for days never accumulates stuck sends; every send is bounded by a timeout. A failed send is
recorded as a Store notice (the screen says "webhook failed: …"), never raised: a broken
receiver must not stop the monitor. The webhook body is `Alert.to_json()`: what fired and where,
never a key.
"""

from __future__ import annotations

import asyncio
import shutil
from collections import deque
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from trigger_tui.state.alerts import Alert
    from trigger_tui.state.store import Store

DESKTOP_COMMAND = "notify-send"
DESKTOP_TIMEOUT_S = 5.0
MAX_LOG = 50


class Notifier:
    """Fire-and-forget sends with a bounded log of what happened (`sent`)."""

    def __init__(self, store: Store | None = None, *,
                 transport: httpx.AsyncBaseTransport | None = None,
                 desktop_command: str | None = DESKTOP_COMMAND,
                 clock: Callable[[], float] | None = None) -> None:
        self.store = store
        self._transport = transport
        self.desktop_command = desktop_command
        self.clock = clock
        self.sent: deque[tuple[str, str, str]] = deque(maxlen=MAX_LOG)  # (channel, rule, result)
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None

    def announce(self, alert: Alert, *, desktop: bool, webhook: str | None, timeout_s: float,
                 project: str | None) -> None:
        """Start the sends for one firing (no-op outside a running loop, e.g. plain tests)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if webhook:
            self._spawn(loop, self._post(webhook, alert, timeout_s, project))
        if desktop and self.desktop_command:
            self._spawn(loop, self._desktop(alert))

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self) -> None:
        """Wait for the sends in flight (tests; a clean exit)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._tasks.clear()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _spawn(self, loop: asyncio.AbstractEventLoop,
               work: Coroutine[Any, Any, None]) -> None:
        task = loop.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post(self, url: str, alert: Alert, timeout_s: float,
                    project: str | None) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(transport=self._transport, follow_redirects=False)
        try:
            # httpx's timeout bounds each read, not the whole exchange: a receiver that
            # trickles its answer would hold the send for ever without the outer bound.
            async with asyncio.timeout(timeout_s):
                response = await self._client.post(url, json=alert.to_json(project),
                                                   timeout=timeout_s)
        except (httpx.TimeoutException, TimeoutError):
            self._failed("webhook", alert, f"no answer within {timeout_s:g} s")
            return
        except httpx.HTTPError as exc:
            self._failed("webhook", alert, f"could not reach it ({type(exc).__name__})")
            return
        except Exception as exc:  # a broken receiver must not stop the monitor
            self._failed("webhook", alert, f"unexpected {type(exc).__name__}")
            return
        if response.status_code >= 300:
            self._failed("webhook", alert, f"it answered HTTP {response.status_code}")
            return
        self.sent.append(("webhook", alert.rule, "ok"))

    async def _desktop(self, alert: Alert) -> None:
        command = shutil.which(self.desktop_command or "")
        if command is None:
            self._failed("desktop", alert, f"{self.desktop_command} is not installed")
            return
        try:
            proc = await asyncio.create_subprocess_exec(
                command, "--app-name=trigger-tui", f"trigger-tui: {alert.rule}",
                f"[{alert.environment}] {alert.message}",
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        except OSError as exc:
            self._failed("desktop", alert, str(exc.strerror or exc))
            return
        try:
            await asyncio.wait_for(proc.wait(), DESKTOP_TIMEOUT_S)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            self._failed("desktop", alert, "the notification command hung")
            return
        if proc.returncode != 0:
            self._failed("desktop", alert, f"{self.desktop_command} exited with "
                         f"{proc.returncode}")
            return
        self.sent.append(("desktop", alert.rule, "ok"))

    def _failed(self, channel: str, alert: Alert, why: str) -> None:
        self.sent.append((channel, alert.rule, why))
        if self.store is not None:
            at = self.clock() if self.clock is not None else 0.0
            self.store.notice(f"Alert {alert.rule!r}: the {channel} notification failed: {why}",
                              level="warning", at=at)
