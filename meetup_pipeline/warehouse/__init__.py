"""The PostgreSQL warehouse: server discovery, DDL, and the partition-aware IO manager."""
