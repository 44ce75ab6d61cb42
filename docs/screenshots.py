"""Copy the screenshots the docs show from the UI snapshot tests into docs/screenshots/.

Run `python docs/screenshots.py` after a snapshot changes. The snapshots are the source of
truth (the tests keep them current), so the pictures in the docs are the screens as they are;
`tests/test_docs.py` fails when a copy here differs from its snapshot.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "tests" / "ui" / "__snapshots__"
OUT = ROOT / "docs" / "screenshots"

THEMED = "test_theme_snapshots/test_every_screen_in_every_theme[dark-{}].svg"

# docs/screenshots/<name>.svg ← tests/ui/__snapshots__/<source>: the larger default-theme
# snapshot of each screen, else its 80x24 snapshot in the default (dark) theme.
SHOTS: dict[str, str] = {
    "welcome": "test_app_snapshots/test_welcome_screen.svg",
    "help": "test_app_snapshots/test_help_overlay.svg",
    "confirm": "test_app_snapshots/test_confirm_cancel_dialog.svg",
    "header-read-only": "test_app_snapshots/test_read_only_header.svg",
    "header-failing": "test_app_snapshots/test_failing_connection_header.svg",
    "header-stale": "test_app_snapshots/test_stale_connection_header.svg",
    "runs": "test_runs_snapshots/test_runs_pane_160x48.svg",
    "runs-filtered": "test_runs_snapshots/test_runs_pane_filtered_with_selection.svg",
    "run-overview": "test_detail_snapshots/test_snapshot_failed_run_detail[160x48].svg",
    "run-trace": "test_detail_snapshots/test_snapshot_trace_waterfall[160x48].svg",
    "schedules": "test_schedules_snapshots/test_schedules_pane_160x48.svg",
    "schedule-form": "test_schedules_snapshots/test_schedule_form_with_preview.svg",
    "tokens": "test_tokens_snapshots/test_tokens_pane[size1].svg",
    "token-complete": "test_tokens_snapshots/test_complete_dialog_with_invalid_json[size1].svg",
    "deployments": "test_deployments_snapshots/test_deployments_pane_160x48.svg",
    "deployment-detail": "test_deployments_snapshots/test_deployment_detail.svg",
    "errors": "test_errors_pane/test_errors_snapshot_160x48.svg",
    "envvars": "test_envvars_snapshots/test_envvars_pane_with_one_value_revealed[size1].svg",
    "envvars-import": "test_envvars_snapshots/test_envvars_import_preview[size1].svg",
    "envvars-diff": "test_envvars_snapshots/test_envvars_diff[size1].svg",
    "batch": "test_batches_pane/test_batch_snapshot_160x48.svg",
    "health": "test_health_pane/test_health_snapshot_160x48.svg",
    "query": "test_query_snapshots/test_console_with_results[size1].svg",
    "query-chart": "test_query_snapshots/test_console_with_a_chart[bar].svg",
    "query-error": "test_query_snapshots/test_console_with_an_error.svg",
    "dashboard": "test_query_snapshots/test_dashboard.svg",
    "trigger": "test_trigger_dialog/test_trigger_snapshot_160x48.svg",
    "wall": "test_wall_snapshots/test_three_environments[200x50].svg",
    "wall-alert": "test_wall_snapshots/test_firing_alert[200x50].svg",
    "wall-failing": "test_wall_snapshots/test_failing_connection[200x50].svg",
    "wall-dashboard": "test_wall_dashboard/test_dashboard_page_snapshot.svg",
    "queues": THEMED.format("queues"),
    "run-events": THEMED.format("detail-events"),
    "run-data": THEMED.format("detail-data"),
    "filters": THEMED.format("runs-filter"),
    "bulk": THEMED.format("bulk"),
    "alerts": THEMED.format("alerts"),
    "connection": THEMED.format("connection"),
    "jump": THEMED.format("prompt"),
}


def pairs() -> dict[Path, Path]:
    """docs/screenshots/<name>.svg → the snapshot it copies."""
    return {OUT / f"{name}.svg": SNAPSHOTS / source for name, source in SHOTS.items()}


def main() -> int:
    OUT.mkdir(exist_ok=True)
    missing = [src for src in pairs().values() if not src.exists()]
    if missing:
        for src in missing:
            print(f"screenshots: no snapshot {src.relative_to(ROOT)}", file=sys.stderr)
        return 1
    for dest, src in pairs().items():
        shutil.copyfile(src, dest)
    stale = sorted(set(OUT.glob("*.svg")) - set(pairs()))
    for path in stale:
        path.unlink()
    print(f"copied {len(SHOTS)} screenshots to {OUT.relative_to(ROOT)}"
          + (f", removed {len(stale)} no longer listed" if stale else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
