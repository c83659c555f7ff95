"""meetup-pipeline: Meetup.com groups and events as Dagster assets in a PostgreSQL star schema."""

__version__ = "0.1.0"
