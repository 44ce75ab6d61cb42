"""`trigger-tui envvars list|get|set|unset|import FILE`.

Variables are addressed by project ref and environment (`--project-ref`/profile, `--env`).
Values of secret variables are never printed unless `--reveal` asks for them (the API itself
returns them redacted); a value to set can come from a file or stdin, keeping it out of the
shell history.
"""

from __future__ import annotations

from typing import Any

from trigger_tui.api.models.envvars import EnvVar
from trigger_tui.commands.context import Context, UsageError, command, group
from trigger_tui.commands.inputs import parse_dotenv, read_text
from trigger_tui.commands.output import col

HIDDEN = "(secret: --reveal to show)"
COLUMNS = (col("NAME", "name", 48), col("VALUE", "value", 60), col("SECRET", "is_secret"))


def _shown(var: EnvVar, reveal: bool) -> EnvVar:
    if var.is_secret and not reveal:
        return var.model_copy(update={"value": HIDDEN})
    return var


async def list_vars(ctx: Context) -> None:
    found = await ctx.client.envvars.list(ctx.project_ref(), ctx.environment)
    shown = [_shown(v, ctx.args.reveal) for v in sorted(found, key=lambda v: v.name)]
    if ctx.out.format == "json" and not ctx.args.reveal:
        ctx.out.json([_json(v) for v in shown])
        return
    ctx.out.items(shown, COLUMNS, empty="no environment variables")


def _json(var: EnvVar) -> dict[str, Any]:
    data = var.model_dump(mode="json", by_alias=True)
    if var.is_secret:
        data["value"] = None
    return data


async def get(ctx: Context) -> None:
    var = _shown(await ctx.client.envvars.retrieve(ctx.project_ref(), ctx.environment,
                                                   ctx.args.name), ctx.args.reveal)
    if ctx.out.format == "json" and not ctx.args.reveal:
        ctx.out.json(_json(var))
        return
    ctx.out.item(var, COLUMNS)


async def set_var(ctx: Context) -> None:
    a = ctx.args
    value = read_text(a.value, "VALUE")
    if a.value == "-" or a.value.startswith("@"):
        value = value.rstrip("\n")
    await ctx.client.envvars.create(ctx.project_ref(), ctx.environment, a.name, value,
                                    is_secret=a.secret)
    ctx.out.message(f"set {a.name} in {ctx.environment}" + (" (secret)" if a.secret else ""))
    ctx.out.done([{"id": a.name, "environment": ctx.environment, "isSecret": a.secret}])


async def unset(ctx: Context) -> None:
    await ctx.client.envvars.delete(ctx.project_ref(), ctx.environment, ctx.args.name)
    ctx.out.message(f"removed {ctx.args.name} from {ctx.environment}")
    ctx.out.done([{"id": ctx.args.name, "environment": ctx.environment, "deleted": True}])


async def import_file(ctx: Context) -> None:
    a = ctx.args
    source = "stdin" if a.file == "-" else a.file
    variables = parse_dotenv(read_text(a.file if a.file == "-" else "@" + a.file, "FILE"),
                             source)
    if not variables:
        raise UsageError(f"{source} defines no variables")
    await ctx.client.envvars.upload(ctx.project_ref(), ctx.environment, variables,
                                    override=a.override)
    ctx.out.message(f"imported {len(variables)} variables into {ctx.environment}")
    ctx.out.done([{"id": name, "environment": ctx.environment} for name in variables])


def register(sub: Any) -> None:
    actions = group(sub, "envvars", help="environment variables of a project's environment")
    p = command(actions, "list", list_vars, help="list variables (secret values hidden)")
    p.add_argument("--reveal", action="store_true", help="print secret values too")
    p = command(actions, "get", get, help="show one variable")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--reveal", action="store_true", help="print the value even if secret")
    p = command(actions, "set", set_var, help="create or overwrite a variable")
    p.add_argument("name", metavar="NAME")
    p.add_argument("value", metavar="VALUE", help="the value, @file, or - to read stdin")
    p.add_argument("--secret", action="store_true", help="store it as a secret (write-only)")
    p = command(actions, "unset", unset, help="delete a variable")
    p.add_argument("name", metavar="NAME")
    p = command(actions, "import", import_file, help="import variables from a .env file")
    p.add_argument("file", metavar="FILE", help="a .env file, or - to read stdin")
    p.add_argument("--override", action="store_true",
                   help="overwrite variables that already exist (otherwise that is an error)")
