"""The project's definitions with the client's own pacing lifted, for bench/memory.py.

Pointed at a local `meetup-sandbox serve` through MEETUP_API_URL, the client would pace
itself at Meetup's 500 points a minute (the server's limit is off, the client does not know
it); the benchmark measures memory, not rate-limit waits.
"""

from meetup_pipeline.definitions import make_definitions
from meetup_pipeline.defs.resources import meetup_resource_from_env
from meetup_pipeline.warehouse.resource import warehouse_from_env

defs = make_definitions(warehouse_from_env(), meetup_resource_from_env(points_per_minute=10**9))
