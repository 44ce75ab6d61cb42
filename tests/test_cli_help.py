"""Help texts of the options this console documents: none left blank, one vocabulary for
environments (the slugs `config.normalise_environment` returns)."""

from __future__ import annotations

import argparse

import pytest

from trigger_tui import config
from trigger_tui.cli import _build_parser


def _option(path: list[str], flag: str) -> argparse.Action:
    parser = _build_parser()
    for name in path:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return next(a for a in parser._actions if flag in a.option_strings)


@pytest.mark.parametrize(("path", "flag"), [(["demo-server"], "--host"),
                                            (["demo-server"], "--port"),
                                            (["config", "add-profile"], "--theme"),
                                            (["config", "add-profile"], "--for-env")])
def test_the_option_says_what_it_does(path: list[str], flag: str) -> None:
    assert _option(path, flag).help


@pytest.mark.parametrize("path", [[], ["runs", "list"], ["config", "add-profile"]])
def test_env_help_names_the_slugs_the_console_accepts(path: list[str]) -> None:
    flag = "--for-env" if path == ["config", "add-profile"] else "--env"
    text = _option(path, flag).help or ""
    assert all(slug in text for slug in config.ENVIRONMENTS), text
    assert "staging" not in text
    assert all(config.normalise_environment(slug) == slug for slug in config.ENVIRONMENTS)


def _walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(command path, option) for every option of every command without a help text."""
    blank = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                blank += _walk(sub, (*path, name))
        elif action.option_strings and not action.help and action.help != argparse.SUPPRESS:
            blank.append((" ".join(path), action.option_strings[-1]))
    return blank


def test_every_option_of_every_command_has_a_help_text() -> None:
    assert _walk(_build_parser()) == []
