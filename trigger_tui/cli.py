"""The `trigger-tui` command line."""

from __future__ import annotations

import argparse
import sys

from trigger_tui import __version__


def _build_parser() -> argparse.ArgumentParser:
    from trigger_tui import commands, serve

    parser = argparse.ArgumentParser(
        prog="trigger-tui",
        description="A keyboard-driven terminal console for Trigger.dev, and headless commands "
        "over the same API client (`trigger-tui runs list --json | jq …`).",
        epilog=commands.EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"trigger-tui {__version__}")
    console = parser.add_argument_group("the console (when no command is given)")
    console.add_argument("--demo", action="store_true",
                         help="run against the built-in emulator with a simulated workload")
    console.add_argument("--wall", action="store_true",
                         help="the unattended wall monitor: big figures, alerts, read-only")
    console.add_argument("--dashboard", action="append", dest="dashboards", metavar="KEY",
                         help="with --wall: show this query dashboard as a page (repeatable)")
    console.add_argument("--profile", action="append",
                         help="the profile to use (config file); with --wall, repeat it to show "
                         "several")
    console.add_argument("--env", action="append",
                         help="environment: dev, stg, prod or preview; with --wall, repeat it to "
                         "show several side by side")
    console.add_argument("--read-only", action="store_true",
                         help="refuse every change; nothing mutating is sent")
    console.add_argument("--fresh", action="store_true",
                         help="start on the default view: ignore the pane, filters and sort "
                         "remembered from the last launch (what you change is remembered)")
    console.add_argument("--api-url", help="the API origin (default https://api.trigger.dev)")
    console.add_argument("--branch", help="preview branch (x-trigger-branch)")
    console.add_argument("--project-ref", help="project ref, proj_… (needed with a PAT)")
    console.add_argument("--theme", metavar="NAME",
                         help="color theme: dark (default), light, high-contrast, ansi (16 "
                         "colors), or a file of yours in <config folder>/themes/NAME.toml")
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser(
        "demo-server",
        help="serve the embedded Management API emulator on a real port",
        description="Serve the embedded Trigger.dev Management API emulator, with its simulated "
        "workload, on a real port (for the official SDK, curl, or another console).",
    )
    demo.add_argument("--host", default="127.0.0.1",
                      help="address to listen on (default 127.0.0.1: this machine only)")
    demo.add_argument("--port", type=int, default=8030,
                      help="port to listen on (default 8030)")
    demo.add_argument("--seed", type=int, default=7, help="world seed (same seed, same world)")
    demo.add_argument("--speed", type=float, default=1.0,
                      help="simulated seconds per real second (default 1)")
    demo.add_argument("--faults", default="",
                      help="inject faults, e.g. 5xx=0.2,429=0.1,latency=2s,drop=0.05,"
                      "malformed=0.05,html=0.05,truncated=0.05,missing=0.05,unknown=0.05")
    demo.add_argument("--rate-limit", default="750,250,10s", metavar="MAX,REFILL,INTERVAL",
                      help="API rate-limit token bucket per environment (default 750,250,10s)")
    commands.register(sub)
    serve.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        from trigger_tui import serve as web

        return web.run(args)
    if args.command == "demo-server":
        from trigger_tui.emulator.faults import Faults, FaultSpecError
        from trigger_tui.emulator.ratelimit import parse_budget
        from trigger_tui.emulator.server import serve as serve_emulator

        try:
            faults = Faults.parse(args.faults, seed=args.seed)
        except FaultSpecError as exc:
            parser.error(f"--faults: {exc}")
        if args.speed <= 0:
            parser.error("--speed must be greater than 0")
        try:
            budget = parse_budget(args.rate_limit)
        except ValueError as exc:
            parser.error(f"--rate-limit: {exc}")
        try:
            serve_emulator(args.host, args.port, seed=args.seed, speed=args.speed, faults=faults,
                  budget=budget)
        except KeyboardInterrupt:
            pass
        return 0
    if getattr(args, "handler", None) is not None:
        from trigger_tui import commands

        return commands.dispatch(args)
    # Imported here so the headless commands never load Textual.
    from trigger_tui.ui.launch import LaunchOptions, run_console

    try:
        options = LaunchOptions.from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    return run_console(options)


if __name__ == "__main__":
    sys.exit(main())
