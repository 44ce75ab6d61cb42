"""The README's headless examples really work against `--demo`, and its config file is valid.

The examples are read from README.md between the `headless-examples` markers, so the test
cannot drift from what the README shows.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

from trigger_tui.config import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def _examples() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- headless-examples:start -->(.*?)<!-- headless-examples:end -->",
                      text, re.S)
    assert block, "README.md lost its headless-examples markers"
    return [shlex.split(line)[1:] for line in block.group(1).splitlines()
            if line.startswith("trigger-tui ")]


def test_there_are_five_demo_examples() -> None:
    examples = _examples()
    assert len(examples) == 5
    assert all("--demo" in argv for argv in examples)


def test_the_readme_examples_exit_0(cli: Any) -> None:
    for argv in _examples():
        r = cli(*argv)
        assert r.code == 0, (argv, r.err)
        assert r.out.strip(), argv


def test_the_readme_config_file_is_valid() -> None:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", text, re.S)
    assert block
    settings = Settings.model_validate(tomllib.loads(block.group(1)))
    acme = settings.profiles["acme"]
    assert acme.environments["prod"].read_only is True and acme.poll is not None
