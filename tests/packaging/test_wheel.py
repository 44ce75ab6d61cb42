"""The wheel and the sdist built from the work tree hold what the console needs at run time
(themes, styles, the entry point) and nothing of the work tree's own (tests, venvs, reports);
the wheel, installed alone in a fresh venv, starts the console.

`themes/` is read from disk, never from a list here: a theme added tomorrow is checked too.
"""

from __future__ import annotations

import configparser
import importlib.util
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from tests.packaging.support import (
    ROOT,
    assert_clean_exit,
    clean_env,
    install_step,
    quit_after_first_screen,
)
from trigger_tui import __version__

pytestmark = pytest.mark.packaging

# Never in a distribution: what tools and test runs leave in the work tree.
WORK_TREE_ONLY = {".venv", ".git", ".hypothesis", ".mypy_cache", ".ruff_cache", ".pytest_cache",
                  "__pycache__", "node_modules", "snapshot_report.html"}


def files_under(folder: Path) -> list[str]:
    """Every file below `folder`, as POSIX paths relative to it."""
    if not folder.is_dir():
        return []
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts)


def leftovers(names: list[str]) -> list[str]:
    return [n for n in names
            if WORK_TREE_ONLY & set(PurePosixPath(n).parts) or n.endswith((".pyc", ".pyo"))
            or "tests/artifacts/" in n or PurePosixPath(n).name.startswith("query-results.")]


def check_wheel(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        dist_info = f"trigger_tui-{__version__}.dist-info"
        entry_points = configparser.ConfigParser()
        entry_points.read_string(z.read(f"{dist_info}/entry_points.txt").decode())
    assert entry_points["console_scripts"]["trigger-tui"].strip() == "trigger_tui.cli:main"
    tops = {n.split("/", 1)[0] for n in names}
    assert tops == {"trigger_tui", dist_info}, f"unexpected top-level entries: {sorted(tops)}"
    found = leftovers(names)
    assert not found, f"{len(found)} work-tree leftovers in the wheel: {found[:10]}"

    shipped_themes = sorted(n.removeprefix("trigger_tui/themes/") for n in names
                            if n.startswith("trigger_tui/themes/"))
    assert shipped_themes == files_under(ROOT / "themes")
    styles = [f"trigger_tui/ui/styles/{s}" for s in files_under(ROOT / "trigger_tui/ui/styles")
              if s.endswith(".tcss")]
    assert styles, "no styles found in the work tree"
    modules = [f"trigger_tui/{m}" for m in files_under(ROOT / "trigger_tui")
               if m.endswith((".py", ".tcss", "py.typed"))]
    missing = sorted(set(styles + modules) - set(names))
    assert not missing, f"not in the wheel: {missing}"


def check_sdist(sdist: Path) -> None:
    prefix = f"trigger_tui-{__version__}/"
    with tarfile.open(sdist) as tar:
        names = [m.name.removeprefix(prefix) for m in tar.getmembers() if m.isfile()]
    required = {"pyproject.toml", "README.md", "PKG-INFO"}
    required |= {f"themes/{t}" for t in files_under(ROOT / "themes")}
    required |= {f"trigger_tui/ui/styles/{s}" for s in files_under(ROOT / "trigger_tui/ui/styles")}
    missing = sorted(required - set(names))
    assert not missing, f"not in the sdist: {missing}"
    found = leftovers(names)
    assert not found, f"{len(found)} work-tree leftovers in the sdist: {found[:10]}"


def test_the_wheel_installed_alone_starts_the_console(tmp_path: Path) -> None:
    if importlib.util.find_spec("build") is None:
        pytest.fail("`build` is missing: it is a dev dependency (pip install -e '.[dev]')")
    dist = tmp_path / "dist"
    install_step([sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(dist),
                  str(ROOT)], cwd=tmp_path, what="building the wheel and the sdist")
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    check_wheel(wheel)
    check_sdist(sdist)

    venv = tmp_path / "venv"
    install_step([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path,
                 what="creating a venv")
    install_step([str(venv / "bin/python"), "-m", "pip", "install", str(wheel)], cwd=tmp_path,
                 what="installing the wheel and its dependencies")

    elsewhere = tmp_path / "elsewhere"  # no work tree on the import path
    elsewhere.mkdir()

    def run(*argv: str) -> str:
        done = subprocess.run(argv, cwd=elsewhere, env=clean_env(), capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == 0, f"{argv}: exit {done.returncode}: {done.stderr[-2000:]}"
        return done.stdout.strip()

    python = str(venv / "bin/python")
    location = run(python, "-c", "import trigger_tui; print(trigger_tui.__file__)")
    assert Path(location).is_relative_to(venv), f"imported from {location}"
    assert run(str(venv / "bin/trigger-tui"), "--version") == f"trigger-tui {__version__}"
    assert run(python, "-m", "trigger_tui", "--version") == f"trigger-tui {__version__}"

    console = quit_after_first_screen([str(venv / "bin/trigger-tui"), "--demo"], cwd=elsewhere,
                                      home=tmp_path / "home")
    assert_clean_exit(console, "the installed trigger-tui --demo")
