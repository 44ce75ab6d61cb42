"""Every resource module's routes, in matching order (specific paths before parameters)."""

from starlette.routing import Route

from trigger_tui.emulator.routes import (
    batches,
    bulk,
    deployments,
    envvars,
    errors,
    misc,
    query,
    queues,
    runs,
    schedules,
    tasks,
    waitpoints,
)

MODULES = (misc, batches, tasks, runs, schedules, envvars, queues, waitpoints, deployments, bulk,
           errors, query)

ALL_ROUTES: list[Route] = [r for m in MODULES for r in m.api.routes]
