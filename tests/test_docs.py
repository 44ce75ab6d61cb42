"""The docs stay true: screenshots are the snapshots, the configuration reference is the models,
its example loads, every headless command is documented, and no link points at nothing."""

from __future__ import annotations

import argparse
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from trigger_tui import config, config_reference

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _screenshots_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_screenshots", DOCS / "screenshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pages() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


def test_screenshots_are_the_snapshots() -> None:
    pairs: dict[Path, Path] = _screenshots_module().pairs()
    assert pairs
    wrong = []
    for dest, src in pairs.items():
        if not src.exists():
            wrong.append(f"{dest.name}: its snapshot {src.relative_to(ROOT)} is gone")
        elif not dest.exists() or dest.read_bytes() != src.read_bytes():
            wrong.append(f"{dest.name}: differs from {src.relative_to(ROOT)}")
    assert not wrong, "run `python docs/screenshots.py`:\n" + "\n".join(wrong)


def test_every_linked_file_exists() -> None:
    link = re.compile(r"\]\((?!https?://|#|mailto:)([^)#\s]+)(?:#[^)]*)?\)")
    missing = [f"{page.name} → {target}"
               for page in _pages()
               for target in link.findall(page.read_text(encoding="utf-8"))
               if not (page.parent / target).exists()]
    assert not missing, "broken links in docs/:\n" + "\n".join(missing)


def test_every_screenshot_file_is_shown_somewhere() -> None:
    text = "\n".join(page.read_text(encoding="utf-8") for page in _pages())
    unused = [p.name for p in sorted((DOCS / "screenshots").glob("*.svg"))
              if f"screenshots/{p.name}" not in text]
    assert not unused, f"screenshots no page shows (drop them from SHOTS): {unused}"


def test_configuration_reference_is_current() -> None:
    committed = (DOCS / "configuration.md").read_text(encoding="utf-8")
    assert committed == config_reference.render(), (
        "docs/configuration.md is stale: run "
        "`python -m trigger_tui.config_reference > docs/configuration.md`")


def test_configuration_example_loads(tmp_path: Path) -> None:
    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    block = re.search(r"## Annotated example\n\n```toml\n(.*?)```", page, re.S)
    assert block is not None
    path = tmp_path / "config.toml"
    path.write_text(block[1], encoding="utf-8")
    path.chmod(0o600)
    loaded = config.load(path)
    assert loaded.warnings == []
    settings = loaded.settings
    assert settings.default_profile == "acme"
    assert settings.profiles["acme"].environments["prod"].read_only is True
    assert [rule.when for rule in settings.alerts] == ["failure_rate", "queue_wait"]
    env = {"ACME_PROD_KEY": "tr_prod_" + "x" * 24}
    resolved = config.resolve(settings, config.Flags(), env)
    assert (resolved.environment.value, resolved.read_only.value) == ("prod", True)


def test_every_field_is_documented() -> None:
    undocumented = [f"{section.model.__name__}.{row[0]}"
                    for section in config_reference.SECTIONS
                    for row in config_reference.field_rows(section.model) if row[3] == "—"]
    assert not undocumented, ("settings without a description (add a docstring under the "
                              f"field or a Field description): {undocumented}")


def _subcommands() -> list[str]:
    from trigger_tui.cli import _build_parser

    def children(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                return dict(action.choices)
        return {}

    out = []
    for name, sub in children(_build_parser()).items():
        actions = children(sub)
        out += [f"{name} {action}" for action in actions] if actions else [name]
    return out


def test_every_headless_command_is_documented() -> None:
    page = (DOCS / "headless.md").read_text(encoding="utf-8")
    commands = _subcommands()
    assert "runs list" in commands and "config add-profile" in commands
    missing = [c for c in commands if f"trigger-tui {c}" not in page]
    assert not missing, f"docs/headless.md does not show: {missing}"


@pytest.mark.parametrize("page", ["getting-started.md", "panes.md", "triage.md", "headless.md",
                                  "configuration.md", "tmux-ssh.md", "wall.md", "architecture.md"])
def test_the_index_links_every_page(page: str) -> None:
    assert f"({page})" in (DOCS / "README.md").read_text(encoding="utf-8")


def test_the_configuration_reference_never_loads_textual() -> None:
    probe = ("import sys, trigger_tui.config_reference; "
             "print(any(m.split('.')[0] == 'textual' for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True,
                         text=True).stdout
    assert out.strip() == "False"


def _anchors(page: Path) -> set[str]:
    """Heading anchors as GitHub makes them: lower case, punctuation dropped, spaces → '-'."""
    headings = re.findall(r"^#{1,6} (.+)$", page.read_text(encoding="utf-8"), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_every_anchor_exists() -> None:
    link = re.compile(r"\]\((?!https?://)([^)#\s]*)#([^)\s]+)\)")
    broken = []
    for page in _pages():
        for target, anchor in link.findall(page.read_text(encoding="utf-8")):
            dest = page.parent / target if target else page
            if dest.suffix == ".md" and anchor not in _anchors(dest):
                broken.append(f"{page.name} → {target}#{anchor}")
    assert not broken, "links to headings that do not exist:\n" + "\n".join(broken)
