"""Session-wide test setup."""

from __future__ import annotations

import os
import time

# Times shown "in your zone" and the snapshots that contain them must not depend on the
# machine the suite runs on.
os.environ["TZ"] = "UTC"
time.tzset()
