"""SDK-shaped namespaces, attached to every TriggerClient."""

from __future__ import annotations

from typing import TYPE_CHECKING

from trigger_tui.api.resources.batches import Batches
from trigger_tui.api.resources.bulk import Bulk
from trigger_tui.api.resources.deployments import Deployments
from trigger_tui.api.resources.envvars import EnvVars
from trigger_tui.api.resources.error_groups import Errors
from trigger_tui.api.resources.query import Query
from trigger_tui.api.resources.queues import Queues
from trigger_tui.api.resources.runs import Runs
from trigger_tui.api.resources.schedules import Schedules
from trigger_tui.api.resources.tasks import BatchNotSealedError, Tasks
from trigger_tui.api.resources.tokens import Tokens

if TYPE_CHECKING:
    from trigger_tui.api.client import TriggerClient

__all__ = ["BatchNotSealedError", "Batches", "Bulk", "Deployments", "EnvVars", "Errors",
           "Query", "Queues", "Runs", "Schedules", "Tasks", "Tokens", "attach"]


def attach(client: TriggerClient) -> None:
    """Give the client its namespaces (client.runs, client.queues, …)."""
    client.runs = Runs(client)
    client.tasks = Tasks(client)
    client.batches = Batches(client)
    client.schedules = Schedules(client)
    client.envvars = EnvVars(client)
    client.queues = Queues(client)
    client.tokens = Tokens(client)
    client.query = Query(client)
    client.deployments = Deployments(client)
    client.bulk = Bulk(client)
    client.errors = Errors(client)
