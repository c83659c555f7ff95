-- Runs once, when the postgres volume is first initialised: POSTGRES_DB (dagster) holds
-- Dagster's run/event/schedule storage; this second database holds the warehouse.
CREATE DATABASE meetup;
