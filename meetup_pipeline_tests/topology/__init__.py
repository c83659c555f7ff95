"""The production topology (deploy/) run for real on one machine; see harness.py."""
