"""`trigger-tui config path|show|check|add-profile|use|remove-profile`: the settings file, offline.

`show` prints what a command would use and where each value came from (flag, environment
variable, profile, default), with every key masked. Writes go through `config.save` (mode 0600).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from pydantic import ValidationError

from trigger_tui import config
from trigger_tui.commands.context import EXIT_CODES_HELP as EXITS
from trigger_tui.commands.context import (
    UsageError,
    add_common,
    demo_resolved,
    guard,
    resolve_settings,
)
from trigger_tui.commands.output import Column, Output
from trigger_tui.config import Profile
from trigger_tui.keys import environment_of_key, mask


def _out(args: argparse.Namespace) -> Output:
    return Output(args.format)


def _display(name: str, value: Any) -> Any:
    if name == "key":
        return mask(value) if value else None
    if isinstance(value, config.PollIntervals):
        return ", ".join(f"{k}={v:g}" for k, v in value.model_dump().items())
    return value


def show(args: argparse.Namespace) -> int:
    out = _out(args)

    def body() -> int:
        path = config.config_path()
        resolved = demo_resolved(args) if args.demo else resolve_settings(args, out)
        profiles = sorted(config.load(path).settings.profiles) if not args.demo else []
        for note in resolved.notes:
            out.message(f"note: {note}")
        rows = [{"setting": n, "value": _display(n, v), "source": s}
                for n, v, s in resolved.rows()]
        if out.format == "json":
            out.json({"path": str(path), "profiles": profiles,
                      "settings": {r["setting"]: {"value": r["value"], "source": r["source"]}
                                   for r in rows},
                      "notes": list(resolved.notes)})
            return 0
        out.items(rows, [Column("SETTING", lambda r: r["setting"]),
                         Column("VALUE", lambda r: r["value"], 80),
                         Column("SOURCE", lambda r: r["source"], 80)])
        if out.format == "table":
            out.message(f"config file: {path}" + ("" if path.exists() else " (not created yet)"))
            out.message(f"profiles: {', '.join(profiles) or 'none'}")
        return 0

    return guard(body, out)


def path_cmd(args: argparse.Namespace) -> int:
    out = _out(args)
    path = config.config_path()
    if out.format == "json":
        out.json({"path": str(path), "exists": path.exists()})
    else:
        out.data(str(path))
    return 0


def check(args: argparse.Namespace) -> int:
    """Exit 1 when the config file has problems the console would warn about at start."""
    out = _out(args)

    def body() -> int:
        # The bindings live in the UI: Textual is loaded for this one command only.
        from trigger_tui.ui.keymap import check_keymap

        path = config.config_path()
        loaded = config.load(path)
        keymap = loaded.settings.keymap
        findings = [*loaded.warnings, *check_keymap(keymap).findings]
        findings += [f for f in check_keymap(keymap, wall=True).findings if f not in findings]
        if out.format == "json":
            out.json({"path": str(path), "ok": not findings, "findings": findings})
        else:
            for finding in findings:
                out.data(finding)
            if not findings:
                out.message(f"{path}: no problems found")
        return 2 if findings else 0  # as a broken config file: a usage problem

    return guard(body, out)


def _key_source(args: argparse.Namespace) -> dict[str, Any]:
    if args.key_env and args.key_stdin:
        raise UsageError("give --key-env or --key-stdin, not both")
    if args.key_env:
        return {"key_env": args.key_env, "key": None}
    if args.key_stdin:
        key = sys.stdin.readline().strip()
        if not key:
            raise UsageError("--key-stdin: nothing on stdin")
        return {"key": key, "key_env": None}
    return {}


def add_profile(args: argparse.Namespace) -> int:
    out = _out(args)

    def body() -> int:
        path = config.config_path()
        loaded = config.load(path)
        for warning in loaded.warnings:
            out.message(f"trigger-tui: warning: {warning}")
        settings = loaded.settings
        key = _key_source(args)
        target_env = config.normalise_environment(args.for_env) if args.for_env else None
        _check_key_env(key.get("key"), target_env)
        was_there = args.name in settings.profiles
        existing = settings.profiles.get(args.name, Profile())
        try:
            settings.profiles[args.name] = _merged(existing, args, key, target_env)
        except ValidationError as exc:
            raise UsageError(_first_error(exc)) from None
        if args.use or settings.default_profile is None:
            settings.default_profile = args.name
        config.save(settings, path)
        verb = "updated" if was_there else "added"
        out.message(f"{verb} profile {args.name!r} in {path}"
                    + (" (the default)" if settings.default_profile == args.name else ""))
        if "key" in key and key["key"]:
            out.message("the key is stored in the file (mode 0600); --key-env keeps it out")
        return 0

    return guard(body, out)


def _merged(existing: Profile, args: argparse.Namespace, key: dict[str, Any],
            target_env: str | None) -> Profile:
    """The profile with the fields given on the command line changed."""
    profile = existing.model_dump(exclude_none=True)
    fields = {"api_url": args.api_url, "project_ref": args.project_ref,
              "environment": args.env, "branch": args.branch, "theme": args.theme}
    profile.update({k: v for k, v in fields.items() if v is not None})
    target = profile.setdefault("environments", {}).setdefault(target_env, {}) \
        if target_env else profile
    target.update(key)
    if args.read_only:
        target["read_only"] = True
    return Profile.model_validate(profile)


def _check_key_env(key: str | None, target_env: str | None) -> None:
    if key and target_env:
        own = environment_of_key(key)
        if own and own != target_env:
            raise UsageError(f"that is a {own} key, not a {target_env} one")


def _first_error(exc: ValidationError) -> str:
    """The first problem, without the input (which may be a key)."""
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def use(args: argparse.Namespace) -> int:
    out = _out(args)

    def body() -> int:
        path = config.config_path()
        settings = config.load(path).settings
        if args.name not in settings.profiles:
            known = ", ".join(sorted(settings.profiles)) or "none yet"
            raise UsageError(f"no profile named {args.name!r} (profiles: {known})")
        settings.default_profile = args.name
        config.save(settings, path)
        out.message(f"default profile: {args.name}")
        return 0

    return guard(body, out)


def remove_profile(args: argparse.Namespace) -> int:
    out = _out(args)

    def body() -> int:
        path = config.config_path()
        settings = config.load(path).settings
        if args.name not in settings.profiles:
            raise UsageError(f"no profile named {args.name!r}")
        del settings.profiles[args.name]
        if settings.default_profile == args.name:
            settings.default_profile = None
        config.save(settings, path)
        out.message(f"removed profile {args.name!r}")
        return 0

    return guard(body, out)


def _local(actions: Any, name: str, handler: Any, help: str) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = actions.add_parser(
        name, help=help, description=help[:1].upper() + help[1:] + ".", epilog=EXITS,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common(p)
    p.set_defaults(handler=handler, local=True)
    return p


def register(sub: Any) -> None:
    where = os.path.join("$XDG_CONFIG_HOME", "trigger-tui", "config.toml")
    parser = sub.add_parser(
        "config", help="profiles and settings (keys, API URL, environments)",
        description=f"Profiles and settings, kept in {where} (~/.config when XDG_CONFIG_HOME "
        "is unset). Precedence: flags > environment variables (TRIGGER_SECRET_KEY, "
        "TRIGGER_ACCESS_TOKEN, TRIGGER_API_URL, TRIGGER_PREVIEW_BRANCH) > profile > defaults.",
        epilog=EXITS, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    _local(actions, "path", path_cmd, "print the config file's path")
    _local(actions, "show", show,
           "show the settings a command would use, where each came from (keys masked)")
    _local(actions, "check", check,
           "check the config file: unknown key map ids, impossible keys, keys that clash "
           "(exit 2 when any, as for a broken config file)")
    p = _local(actions, "add-profile", add_profile,
               "add a profile, or change one (--api-url, --project-ref, --env, --branch and "
               "--read-only set its fields)")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--key-env", metavar="VAR",
                   help="NAME of the environment variable holding the key (recommended)")
    p.add_argument("--key-stdin", action="store_true",
                   help="read the key from stdin and store it in the file (mode 0600)")
    p.add_argument("--for-env", metavar="ENV",
                   help="store the key and --read-only for this environment only (dev, stg, "
                   "prod or preview)")
    p.add_argument("--theme", metavar="NAME",
                   help="the profile's color theme: dark, light, high-contrast, ansi (16 "
                   "colors), or a file of yours in <config folder>/themes/NAME.toml")
    p.add_argument("--use", action="store_true", help="make it the default profile")
    p = _local(actions, "use", use, "make a profile the default")
    p.add_argument("name", metavar="NAME")
    p = _local(actions, "remove-profile", remove_profile, "delete a profile")
    p.add_argument("name", metavar="NAME")
