"""The console's state: one Store fed by pollers and actions, read by widgets. No Textual here."""
