"""The wall monitor (`trigger-tui --wall`): big figures per environment, alerts, no keys needed."""
