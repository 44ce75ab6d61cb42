"""trigger-tui: a terminal console for Trigger.dev."""

__version__ = "0.1.0"
