"""The code location's definitions, one concern per module; found by `dg.load_from_defs_folder`
(`definitions.py`), never listed by hand."""
