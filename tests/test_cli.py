"""The command line's own behaviour (the console and headless commands come later)."""

from __future__ import annotations

import pytest

from trigger_tui import __version__
from trigger_tui.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"trigger-tui {__version__}"


@pytest.mark.parametrize(("args", "words"), [
    (["demo-server", "--faults", "boom=1"], "unknown fault 'boom'"),
    (["demo-server", "--speed", "0"], "--speed must be greater than 0"),
    (["demo-server", "--port", "http"], "invalid int value"),
    (["demo-server", "--rate-limit", "lots"], "is not MAX,REFILL,INTERVAL"),
    (["demo-server", "--rate-limit", "10,0,10s"], "must be positive"),
])
def test_demo_server_rejects_bad_arguments_in_words(
    args: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    assert words in capsys.readouterr().err
