"""Loading the code location changes nothing process-wide (filters, loggers, test helpers)."""

import json
import subprocess
import sys

PROBE = """
import json, logging, warnings
before_warnings = list(warnings.filters)
before_httpx = list(logging.getLogger("httpx").filters)
before_root = list(logging.getLogger().filters)
import meetup_pipeline.definitions
import meetup_pipeline.meetup.ratelimit as ratelimit
import meetup_pipeline.defs.alerts.webhook
print(json.dumps({
    "warnings_added": [str(f) for f in warnings.filters if f not in before_warnings],
    "httpx_filters": len(logging.getLogger("httpx").filters) - len(before_httpx),
    "root_filters": len(logging.getLogger().filters) - len(before_root),
    "fake_clock_in_client": hasattr(ratelimit, "FakeClock"),
}))
"""


def test_importing_the_definitions_has_no_process_wide_side_effects() -> None:
    out = subprocess.run(
        [sys.executable, "-W", "default", "-c", PROBE],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    effects = json.loads(out.stdout.strip().splitlines()[-1])
    assert effects == {
        "warnings_added": [],
        "httpx_filters": 0,
        "root_filters": 0,
        "fake_clock_in_client": False,
    }
    # and the two Dagster notices we rely on are not printed while the definitions load
    assert "BetaWarning" not in out.stderr and "PreviewWarning" not in out.stderr
