"""Table declarations for the three warehouse layers: raw, staging and marts.

The code owns the DDL (see `warehouse.ddl`). Conventions read by the IO manager:
`info["partition_column"]` is the column a partition window filters on (a local date:
an event's own, or a timestamptz instant); `info["write_mode"] = "merge"` with `natural_key`
and `version_column` makes a table an upserted dimension instead of a replaced window;
`info["write_mode"] = "rebuild"` replaces the whole table at every write (its SELECT reads
all of its inputs, whatever the run's window); `info["retired_columns"]` names columns the
DDL drops from an older warehouse.
"""
