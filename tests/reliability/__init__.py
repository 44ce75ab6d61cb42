"""Reliability: the console and the wall under faults, over simulated hours."""
