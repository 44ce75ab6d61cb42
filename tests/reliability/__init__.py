"""Reliability of the console and the wall: faults, hostile input, secrets, long runs."""
