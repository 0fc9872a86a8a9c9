"""Snowflake's INFORMATION_SCHEMA views (TABLES, COLUMNS, SCHEMATA, VIEWS) for one database,
answered from DuckDB's catalog with Snowflake's column names and type names. The hidden row-id
column and cdcsim's own metadata never appear."""

from __future__ import annotations

from ..changes import RID
from ..names import META_SCHEMA

VIEWS = {"TABLES", "COLUMNS", "SCHEMATA", "VIEWS"}
_INTEGERS = "('BIGINT', 'INTEGER', 'SMALLINT', 'TINYINT', 'HUGEINT', 'UBIGINT', 'UINTEGER', 'USMALLINT', 'UTINYINT')"

_TYPE = f"""CASE WHEN data_type LIKE 'DECIMAL%' OR data_type IN {_INTEGERS} THEN 'NUMBER' WHEN data_type = 'VARCHAR' THEN 'TEXT'
    WHEN data_type = 'TIMESTAMP' THEN 'TIMESTAMP_NTZ' WHEN data_type = 'TIMESTAMP WITH TIME ZONE' THEN 'TIMESTAMP_LTZ'
    WHEN data_type IN ('DOUBLE', 'FLOAT') THEN 'FLOAT' WHEN data_type = 'JSON' THEN 'VARIANT'
    WHEN data_type = 'BLOB' THEN 'BINARY' ELSE data_type END"""


def view_sql(database: str, name: str) -> str:
    db = database.replace("'", "''")
    prefix = f"'{db}__'"
    schema = f"substr(schema_name, {len(database) + 3})"
    if name == "SCHEMATA":
        return (f"SELECT '{db}' AS \"CATALOG_NAME\", {schema} AS \"SCHEMA_NAME\", 'SYSADMIN' AS \"SCHEMA_OWNER\", "
                f"comment AS \"COMMENT\" FROM duckdb_schemas() WHERE starts_with(schema_name, {prefix})")
    if name == "TABLES":
        return (f"SELECT '{db}' AS \"TABLE_CATALOG\", {schema} AS \"TABLE_SCHEMA\", table_name AS \"TABLE_NAME\", "
                f"'BASE TABLE' AS \"TABLE_TYPE\", estimated_size AS \"ROW_COUNT\", comment AS \"COMMENT\" "
                f"FROM duckdb_tables() WHERE starts_with(schema_name, {prefix}) AND NOT temporary "
                f"UNION ALL SELECT '{db}', {schema}, view_name, 'VIEW', NULL, comment FROM duckdb_views() "
                f"WHERE starts_with(schema_name, {prefix}) AND NOT temporary")
    if name == "VIEWS":
        return (f"SELECT '{db}' AS \"TABLE_CATALOG\", {schema} AS \"TABLE_SCHEMA\", view_name AS \"TABLE_NAME\", "
                f"sql AS \"VIEW_DEFINITION\", comment AS \"COMMENT\" FROM duckdb_views() "
                f"WHERE starts_with(schema_name, {prefix}) AND NOT temporary")
    assert name == "COLUMNS"
    return (f"SELECT '{db}' AS \"TABLE_CATALOG\", {schema} AS \"TABLE_SCHEMA\", table_name AS \"TABLE_NAME\", "
            f"column_name AS \"COLUMN_NAME\", column_index AS \"ORDINAL_POSITION\", "
            f"CASE WHEN column_default LIKE '%cdcsim_now%' THEN 'CURRENT_TIMESTAMP()' ELSE column_default END "
            f"AS \"COLUMN_DEFAULT\", CASE WHEN is_nullable THEN 'YES' ELSE 'NO' END AS \"IS_NULLABLE\", "
            # an integer column is a NUMBER(38, 0), as DESCRIBE says (DuckDB counts an INTEGER's 32 bits)
            f"{_TYPE} AS \"DATA_TYPE\", CASE WHEN data_type IN {_INTEGERS} THEN 38 ELSE numeric_precision END "
            f"AS \"NUMERIC_PRECISION\", numeric_scale AS "
            f"\"NUMERIC_SCALE\", comment AS \"COMMENT\" FROM duckdb_columns() "
            f"WHERE starts_with(schema_name, {prefix}) AND column_name <> '{RID}' AND schema_name <> '{META_SCHEMA}'")
