"""The README's two commands are true on a fresh clone.

A clone holds only what was committed, so a file the console needs but nobody added to git
fails here, not on a user's machine. The first command (install, then `trigger-tui --demo`) runs
as written, its console in a pseudo-terminal; the second (install the test tools, run the whole
suite) is checked to be what CI runs rather than run inside the suite it starts.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.packaging.support import (
    ROOT,
    assert_clean_exit,
    clean_env,
    install_step,
    quit_after_first_screen,
)

FENCE = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)


def two_commands(readme: str) -> tuple[str, str]:
    """The fenced commands of the README's "Two commands" section: try it, run the tests."""
    section = readme.split("## Two commands", 1)
    assert len(section) == 2, "the README has no '## Two commands' section"
    body = section[1].split("\n## ", 1)[0]
    blocks = [b.strip() for b in FENCE.findall(body)]
    assert len(blocks) == 2, f"'Two commands' holds {len(blocks)} sh blocks, not 2"
    for block in blocks:
        assert "\n" not in block, f"not one command: {block!r}"
    return blocks[0], blocks[1]


def steps(command: str) -> list[str]:
    return [s.strip() for s in command.split("&&")]


def normalized(argv: list[str]) -> list[str]:
    """One spelling per command: pip's launcher script is `python -m pip`, and verbosity flags
    change what is printed, not what is installed or run."""
    if argv and argv[0].endswith("/bin/pip"):
        argv = [argv[0].removesuffix("/bin/pip") + "/bin/python", "-m", "pip", *argv[1:]]
    return [a for a in argv if a not in ("-q", "--quiet")]


def script_commands(script: str) -> list[list[str]]:
    """The simple commands of a shell script, one per line (continuations joined); lines that
    are shell syntax rather than a command are of no interest here and skipped."""
    commands = []
    for line in script.replace("\\\n", " ").splitlines():
        try:
            argv = shlex.split(line, comments=True)
        except ValueError:
            continue
        if argv:
            commands.append(normalized(argv))
    return commands


def not_run_by(script: str, command: str) -> str | None:
    """The first step of `command` that `script` does not run, in order, or None."""
    ran = script_commands(script)
    at = 0
    for step in steps(command):
        argv = normalized(shlex.split(step))
        if argv not in ran[at:]:
            return step
        at = ran.index(argv, at) + 1
    return None


def test_the_test_command_is_what_ci_runs() -> None:
    _, test_command = two_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    missing = not_run_by((ROOT / ".ci/run").read_text(encoding="utf-8"), test_command)
    assert missing is None, f".ci/run does not run the README's {missing!r} (in this order)"


def git_checkout() -> bool:
    if shutil.which("git") is None:
        return False
    done = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--show-toplevel"],
                          capture_output=True, text=True, check=False)
    return done.returncode == 0 and Path(done.stdout.strip()).resolve() == ROOT


@pytest.mark.packaging
def test_try_it_works_in_a_fresh_clone(tmp_path: Path) -> None:
    if not git_checkout():
        pytest.skip(f"{ROOT} is not a git checkout (or git is missing): nothing to clone")
    try_it, _ = two_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    *install, console = steps(try_it)
    argv = shlex.split(console)
    assert Path(argv[0]).name == "trigger-tui" and "--demo" in argv, \
        f"the README's first command does not end by starting the demo: {console!r}"

    clone = tmp_path / "clone"
    done = subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], env=clean_env(),
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"git clone failed: {done.stderr}"
    install_step(["bash", "-c", " && ".join(install)], cwd=clone,
                 what=f"the README's {' && '.join(install)!r}")

    run = quit_after_first_screen(argv, cwd=clone, home=tmp_path / "home")
    assert_clean_exit(run, f"the README's {console!r} in a fresh clone")
