"""First run, no key anywhere: say where keys were looked for, offer the demo or a new profile.

Never a traceback: the operator chooses the demo (the built-in emulator, no account) or saves a
profile (a key, or the NAME of the environment variable holding it, in the config file with mode
0600), and the console connects without a restart.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from pydantic import ValidationError
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from trigger_tui import config
from trigger_tui.keys import DEFAULT_BASE_URL
from trigger_tui.ui.widgets.footer import ConsoleFooter

if TYPE_CHECKING:
    from trigger_tui.ui.app import TriggerApp, WelcomeInfo


class WelcomeScreen(Screen[None]):
    HELP_SCOPE = "Welcome"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "demo", "Try the demo", id="welcome.demo"),
        Binding("n", "new_profile", "New profile", id="welcome.profile"),
    ]

    DEFAULT_CSS = """
    WelcomeScreen { align: center middle; }
    WelcomeScreen > Vertical {
        width: 76; max-width: 96%; height: auto; border: round $primary;
        background: $surface; padding: 1 2;
    }
    WelcomeScreen #welcome-title { text-style: bold; color: $accent; margin-bottom: 1; }
    WelcomeScreen #welcome-where { color: $text-muted; margin-bottom: 1; }
    WelcomeScreen #welcome-buttons { height: auto; margin-top: 1; }
    WelcomeScreen Button { margin-right: 2; }
    """

    def __init__(self, info: WelcomeInfo) -> None:
        super().__init__()
        self.info = info

    def compose(self) -> ComposeResult:
        info = self.info
        where = ", ".join(f"${name}" for name in info.looked_in)
        profiles = (f"profiles {', '.join(info.profiles)}, none with a usable key"
                    if info.profiles else "no profiles yet")
        lines = [f"Looked for a key in {where} and in {info.config_path or 'the config file'} "
                 f"({profiles}).", *info.notes]
        with Vertical():
            yield Static(Text("Welcome to trigger-tui"), id="welcome-title")
            yield Static(Text("A keyboard console for Trigger.dev: live runs, traces, and "
                              "triage, over the Management API. No API key is configured "
                              "yet."))
            yield Static(Text("\n".join(lines)), id="welcome-where")
            yield Static(Text(
                "d  Try the demo: a simulated project with live runs; nothing leaves this "
                "machine.\n"
                "n  Create a profile: a project's secret key, or the name of the environment "
                "variable that holds it.\n"
                "q  Quit. Or set TRIGGER_SECRET_KEY=tr_prod_… and start trigger-tui again."))
            with Horizontal(id="welcome-buttons"):
                yield Button(Text("Try the demo (d)"), variant="primary", id="demo")
                yield Button(Text("New profile (n)"), id="profile")
                yield Button(Text("Quit (q)"), id="quit")
        yield ConsoleFooter()

    def on_mount(self) -> None:
        self.query_one("#demo", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "demo":
            self.action_demo()
        elif event.button.id == "profile":
            self.action_new_profile()
        else:
            self.app.exit(0)

    @property
    def trigger_app(self) -> TriggerApp:
        return cast("TriggerApp", self.app)

    def action_demo(self) -> None:
        connector = self.trigger_app.connector
        if connector is None:
            self.notify("The demo is not available here", severity="error")
            return
        session, label = connector.demo()
        self.call_later(self.trigger_app.attach_session, session, label)

    @work(exclusive=True)
    async def action_new_profile(self) -> None:
        path = Path(self.info.config_path) if self.info.config_path else config.config_path()
        name = await self.app.push_screen_wait(ProfileScreen(path))
        if not name:
            return
        connector = self.trigger_app.connector
        if connector is None:
            return
        try:
            session, label = connector.profile(name)
        except (config.ConfigError, ValueError) as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        await self.trigger_app.attach_session(session, label)


class ProfileScreen(ModalScreen[str | None]):
    """A new profile, saved to the config file (mode 0600); answers its name."""

    HELP_SCOPE = "New profile"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="profile.save"),
        Binding("escape", "cancel", "Cancel", id="profile.cancel"),
    ]

    DEFAULT_CSS = """
    ProfileScreen { align: center middle; }
    ProfileScreen > Vertical {
        width: 80; max-width: 100%; height: 100%; max-height: 40; border: round $primary;
        background: $surface; padding: 0 1;
    }
    ProfileScreen VerticalScroll { height: 1fr; }
    ProfileScreen Label { margin-top: 1; color: $text-muted; width: 100%; }
    ProfileScreen #profile-error { color: $error; height: auto; }
    ProfileScreen #profile-buttons { height: auto; }
    ProfileScreen Button { margin-right: 2; }
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical():
            with VerticalScroll():
                yield Label(f"Profile name (saved in {self.path}, mode 0600)")
                yield Input("default", id="p-name")
                yield Label("Key variable: the NAME of an environment variable that holds the "
                            "key (preferred: the key stays out of the file)")
                yield Input(placeholder="TRIGGER_PROD_KEY", id="p-key-env")
                yield Label("…or the key itself (tr_prod_…, tr_stg_…, tr_dev_…)")
                yield Input(placeholder="tr_prod_…", password=True, id="p-key")
                yield Label("API URL (Trigger.dev Cloud unless self-hosted)")
                yield Input(DEFAULT_BASE_URL, id="p-url")
                yield Label("Project ref (proj_…; optional)")
                yield Input(placeholder="proj_…", id="p-project")
                yield Label("Environment when the key does not say (a PAT)")
                yield Select([(e, e) for e in config.ENVIRONMENTS], value="prod",
                             allow_blank=False, id="p-env")
                yield Checkbox("Read-only: never send a change from this profile", id="p-ro")
            yield Static(id="profile-error")
            with Horizontal(id="profile-buttons"):
                yield Button(Text("Save and connect (ctrl+s)"), variant="primary", id="save")
                yield Button(Text("Cancel (esc)"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#p-key-env", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def _value(self, widget_id: str) -> str | None:
        return self.query_one(f"#{widget_id}", Input).value.strip() or None

    def action_save(self) -> None:
        name = self._value("p-name") or "default"
        try:
            profile = config.Profile(
                key=self._value("p-key"), key_env=self._value("p-key-env"),
                api_url=self._value("p-url"), project_ref=self._value("p-project"),
                environment=str(self.query_one("#p-env", Select).value),
                read_only=self.query_one("#p-ro", Checkbox).value or None)
            if not profile.key and not profile.key_env:
                raise ValueError("give the key, or the name of the variable that holds it")
            loaded = config.load(self.path)
            settings = loaded.settings
            profiles = {**settings.profiles, name: profile}
            settings = config.Settings(default_profile=settings.default_profile or name,
                                       profiles=profiles)
            config.save(settings, self.path)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            message = str(first["msg"]).removeprefix("Value error, ")
            self._error(f"{where}: {message}" if where else message)
            return
        except (config.ConfigError, ValueError, OSError) as exc:
            self._error(str(exc))
            return
        self.dismiss(name)

    def _error(self, message: str) -> None:
        self.query_one("#profile-error", Static).update(Text(message))

    def action_cancel(self) -> None:
        self.dismiss(None)
