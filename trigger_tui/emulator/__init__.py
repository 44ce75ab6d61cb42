"""An in-process emulator of the Trigger.dev Management API with a simulated workload.

It never imports the console's client or state: the two sides meet only over HTTP, so the
contract tests that run the client (or the official SDK) against it check something real.
"""
