"""The Snowflake SQL front end: script splitting, parameters, parsing and translation to DuckDB."""
