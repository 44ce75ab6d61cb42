"""TRQL, the Trigger.dev query language, over the emulator's world (trql.md)."""
