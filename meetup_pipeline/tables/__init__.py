"""Table declarations for the three warehouse layers: raw, staging and marts.

The code owns the DDL (see `warehouse.ddl`). Each table is declared with its write policy
(`warehouse.policy`: `WindowReplace`, `Merge` or `Rebuild`), checked against the table at
import; a column the DDL drops from an older warehouse is declared with `retire_columns`.
"""
