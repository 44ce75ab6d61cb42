"""`python -m trigger_tui`: the same entry point as the `trigger-tui` script.

`trigger-tui serve` runs the console it serves this way, so the served command works from a
checkout or a venv without the script being on PATH.
"""

from trigger_tui.cli import main

raise SystemExit(main())
