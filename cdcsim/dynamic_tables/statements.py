"""Dynamic-table statements: CREATE / ALTER / DROP / SHOW / DESCRIBE DYNAMIC TABLE, and the guards.

Storage: a dynamic table is a real DuckDB table under its own name (user SELECTs need no
rewriting) with the hidden row-id column. Change capture on it starts when something reads it
(``CREATE STREAM ... ON [DYNAMIC] TABLE``, a downstream dynamic table): from then on readers see
its row-level changes like any table's; until then its refreshes write no change log. Write
guards make it read-only; read guards refuse to read it before its first refresh (002741, doc
D1/D15); SHOW TABLES lists it with is_dynamic = Y.

Choices where Snowflake is silent:
* [INFER] DML on a dynamic table fails with a compilation error naming the table (Snowflake's
  exact text is not documented); so do ALTER TABLE / CREATE OR REPLACE TABLE on it. DROP TABLE
  drops it, as the DROP DYNAMIC TABLE page says.
* [INFER] INITIALIZE = ON_SCHEDULE: the first refresh is due one target lag after creation.
* DESCRIBE DYNAMIC TABLE returns the DESCRIBE TABLE columns.
* Streams on a dynamic table work, created ``ON DYNAMIC TABLE`` (``ON TABLE`` is refused by
  streams.py, as on Snowflake).
* An explicit REFRESH_MODE = INCREMENTAL downstream of a FULL dynamic table is refused (002711,
  reason UPSTREAM_USES_FULL_REFRESH): Snowflake allows it only for upstream tables with a
  system-derived unique key or a frozen region, neither of which is emulated.
* ALTER ... REFRESH returns one status row; Snowflake's result shape is not documented.
* [INFER] CREATE TEMPORARY (TEMP, VOLATILE) DYNAMIC TABLE fails with a compilation error naming
  the table: doc D12 says "You can't create a temporary dynamic table", not with which error.
* [INFER] A query using what D5 marks "Not supported" for full refresh too (ANY_VALUE, functions
  relying on CURRENT_USER, SAMPLE / TABLESAMPLE) fails the CREATE in every REFRESH_MODE, with a
  compilation error naming the table and the construct (Snowflake's text is not documented).
* [INFER] A column list's declared types are the table's: the query's values are cast to them (Snowflake
  documents the column definitions, not what a type other than the query's does); comments are kept.
* Output columns that repeat a name (``SELECT id, id``, ``SELECT *`` over a join) fail the
  CREATE with Snowflake's CREATE TABLE AS error, 002025 "duplicate column name 'ID'"; a column
  list that names them apart is accepted.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from .. import changes
from ..commands import BOOLEAN, FIXED, TEXT, TIMESTAMP_NTZ, Result, command, name_taken
from ..engine import HOOKS
from ..errors import ProgrammingError, already_exists, compilation_error, duplicate_column, not_found
from ..names import META_SCHEMA, QNAME_RE, QName, like_to_regex, parse_parts, quote
from ..session import Session
from ..show import describe_columns
from ..sql.translate import duck_type
from ..streams import PAGING, page, scope_re, show_scope
from . import apply
from .catalog import DT, Source, record_graph, registry, save, update
from .catalog import suspend as suspend_cascade
from .lag import check_against_downstream, check_against_upstream, parse_lag
from .planning import _view_bases, analyse, translate_query
from .refresh import RefreshFailed, raise_for_manual, run_pipeline

M = META_SCHEMA
_STR = r"'(?:[^']|'')*'"
# parameters of event logging and collation, which cdcsim does not emulate: accepted by SET and
# UNSET (the monitoring page sets LOG_EVENT_LEVEL on a dynamic table), with no effect
_NO_EFFECT = ("LOG_LEVEL", "LOG_EVENT_LEVEL", "TRACE_LEVEL", "DEFAULT_DDL_COLLATION")
# a dynamic Iceberg table's storage options (see create_dynamic_table)
_ICEBERG_OPTIONS = ("EXTERNAL_VOLUME", "CATALOG", "BASE_LOCATION", "CATALOG_SYNC", "STORAGE_SERIALIZATION_POLICY")
_OPTION = re.compile(
    rf"\s*(?:(?P<k>TARGET_LAG|WAREHOUSE|REFRESH_MODE|INITIALIZE|SCHEDULER|COMMENT|INITIALIZATION_WAREHOUSE|"
    rf"DATA_RETENTION_TIME_IN_DAYS|MAX_DATA_EXTENSION_TIME_IN_DAYS|ROW_TIMESTAMP|{'|'.join(_NO_EFFECT)}|"
    rf"{'|'.join(_ICEBERG_OPTIONS)})\s*=\s*(?P<v>{_STR}|[\w$.\"]+)"
    rf"|(?P<cluster>CLUSTER\s+BY\s*\([^)]*\))|(?P<copy>COPY\s+GRANTS)|(?P<req>REQUIRE\s+USER))",
    re.IGNORECASE,
)
SHOW_COLUMNS = ["created_on", "name", "database_name", "schema_name", "cluster_by", "rows", "bytes", "owner",
                "target_lag", "scheduler", "refresh_mode", "refresh_mode_reason", "warehouse", "comment", "text",
                "automatic_clustering", "scheduling_state", "last_suspended_on", "is_clone", "is_replica",
                "is_iceberg", "data_timestamp", "owner_role_type", "immutable_where", "execute_as_user"]
_SHOW_TYPES = [TIMESTAMP_NTZ, TEXT, TEXT, TEXT, TEXT, FIXED, FIXED, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT, TEXT,
               TEXT, TEXT, TIMESTAMP_NTZ, BOOLEAN, BOOLEAN, BOOLEAN, TIMESTAMP_NTZ, TEXT, TEXT, TEXT]
NOT_INITIALIZED = ("Dynamic Table is not initialized. Please run a manual refresh or wait for a scheduled "
                   "refresh before querying.")


def _refuse_cycle(s: Session, qn: QName, inputs: list[str]) -> None:
    """CREATE OR REPLACE must not make the table its own upstream through other dynamic tables:
    the pipeline's refresh order would have no first table [DOC D3: a dynamic table graph is a DAG]."""
    tables = registry(s.engine).tables
    seen: set[str] = set()
    todo = list(inputs)
    while todo:
        fqn = todo.pop()
        if fqn in seen or fqn not in tables:
            continue
        seen.add(fqn)
        upstream = [src.fqn for src in tables[fqn].sources]
        if qn.fqn in upstream:
            raise compilation_error(f"Dynamic table '{qn.fqn}' cannot read '{fqn}': '{fqn}' reads "
                                    f"'{qn.fqn}', which would make a cycle.", 2_000, "42601")
        todo.extend(upstream)


def _unquote(v: str) -> str:
    return v[1:-1].replace("''", "'") if v.startswith("'") else v


def _parse_options(text: str) -> dict[str, str]:
    opts: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        if not text[pos:].strip():
            break
        m = _OPTION.match(text, pos)
        if not m:
            raise compilation_error(f"syntax error: unexpected '{text[pos:].strip()[:40]}'", 1003, "42000")
        if m.group("k"):
            opts[m.group("k").upper()] = m.group("v")
        pos = m.end()
    return opts


_COLUMN_DEF = re.compile(
    r'^(?:"(?P<q>(?:[^"]|"")*)"|(?P<n>[A-Za-z_][\w$]*))\s*(?P<type>.*?)'
    r"\s*(?:\b(?:WITH|MASKING|PROJECTION|TAG|CONTACT)\b.*?)?(?:\bCOMMENT\s+'(?P<c>(?:[^']|'')*)')?\s*$",
    re.IGNORECASE | re.DOTALL)


def _column_defs(text: str | None) -> list[tuple[str, str | None, str | None]] | None:
    """The column list's (name, declared type or None, comment or None), in order."""
    if not text:
        return None
    inner = text.strip()[1:-1]
    out, depth, cur, quote_ch = [], 0, "", ""
    for ch in inner + ",":
        if quote_ch:
            quote_ch = "" if ch == quote_ch else quote_ch  # ('' and "" re-enter at the next char)
        elif ch in "'\"":
            quote_ch = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0 and not quote_ch:
            part = cur.strip()
            m = _COLUMN_DEF.match(part)
            if not m:
                raise compilation_error(f"invalid column definition '{part}'", 1003, "42000")
            name = m.group("q").replace('""', '"') if m.group("q") is not None else m.group("n").upper()
            out.append((name, m.group("type").strip() or None,
                        m.group("c").replace("''", "'") if m.group("c") is not None else None))
            cur = ""
        else:
            cur += ch
    return out


# ------------------------------------------------------------------ CREATE
# CREATE DYNAMIC TABLE's own pattern has no TEMPORARY: without this one the statement would fall
# through to sqlglot, which drops the properties it does not know and makes an ordinary table.
@command(rf"CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:LOCAL|GLOBAL)\s+)?(?:TEMPORARY|TEMP|VOLATILE)\s+(?:TRANSIENT\s+)?"
         rf"DYNAMIC\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>{QNAME_RE}).*")
def create_temporary_dynamic_table(s: Session, m: re.Match[str], _p: object) -> Result:
    qn = s.qualify(parse_parts(m.group("name")))
    raise compilation_error(f"Dynamic table '{qn.name}' cannot be created as TEMPORARY: temporary dynamic "
                            "tables are not supported.", 2_000, "0A000")



def _scheduling(opts: dict[str, str], relaxed: bool) -> tuple[str | None, str | None, int | None]:
    """SCHEDULER and TARGET_LAG of a CREATE [OR ALTER] DYNAMIC TABLE, checked together: (scheduler,
    target lag text or DOWNSTREAM or None, lag in seconds or None)."""
    scheduler = opts.get("SCHEDULER", "").upper() or None
    if scheduler not in (None, "ENABLE", "DISABLE"):
        raise compilation_error(f"invalid value '{scheduler}' for SCHEDULER", 1008, "22023")
    lag_text = opts.get("TARGET_LAG")
    if scheduler == "DISABLE" and lag_text is not None:
        raise compilation_error("TARGET_LAG cannot be specified when SCHEDULER = DISABLE.", 2_000, "22023")
    if scheduler != "DISABLE" and lag_text is None:
        raise compilation_error("Missing option(s): [TARGET_LAG]", 1_006, "22023")
    if lag_text is None:
        return scheduler, None, None
    if _unquote(lag_text).upper() == "DOWNSTREAM":  # (quoted as well: the REQUIRE USER example)
        return scheduler, "DOWNSTREAM", None
    target_lag, lag_sec = parse_lag(_unquote(lag_text), relaxed)
    return scheduler, target_lag, lag_sec

@command(rf"CREATE\s+OR\s+ALTER\s+(?:TRANSIENT\s+)?DYNAMIC\s+(?:ICEBERG\s+)?TABLE\s+(?P<name>{QNAME_RE}).*")
def create_or_alter_dynamic_table(s: Session, m: re.Match[str], _p: object) -> Result:
    """CREATE OR ALTER DYNAMIC TABLE [DOC: sql-reference/sql/create-dynamic-table, "CREATE OR ALTER
    DYNAMIC TABLE"; user-guide/dynamic-tables/modify]: a missing table is created as CREATE DYNAMIC
    TABLE creates it (the tutorial's way); an existing one is altered into the definition without
    a refresh: TARGET_LAG, SCHEDULER, WAREHOUSE and COMMENT take the statement's values (a left-out
    COMMENT or SCHEDULER is unset), a REFRESH_MODE that keeps how it refreshes (AUTO, INCREMENTAL
    <-> ADAPTIVE) is recorded, and a table that already matches is left as it is.

    [INFER] A change Snowflake makes by reinitializing the table (another query, column list or
    FULL <-> incremental mode) fails with a compilation error naming it, as does turning a table
    TRANSIENT or not (documented as unsupported): cdcsim keeps no second definition of a table
    to reinitialize into at its next refresh. INITIALIZE only matters at creation and is ignored
    for an existing table."""
    text = _text(re.sub(r"^\s*CREATE\s+OR\s+ALTER\s+", "CREATE ", m.group(0), count=1, flags=re.IGNORECASE))
    qn = s.qualify(parse_parts(m.group("name")))
    reg = registry(s.engine)
    dt = reg.get(qn.fqn)
    if dt is None:
        return s.execute(text)
    new = re.match(_CREATE, text, re.IGNORECASE | re.DOTALL)
    if new is None or new.group("ine"):
        raise compilation_error(f"syntax error: unexpected '{text[:60]}'", 1003, "42000")
    old = re.match(_CREATE, dt.text, re.IGNORECASE | re.DOTALL)
    opts = _parse_options(new.group("opts") or "")
    if bool(new.group("transient")) != dt.transient or bool(new.group("iceberg")) != bool(old and old.group("iceberg")):
        raise compilation_error(f"CREATE OR ALTER DYNAMIC TABLE '{qn.name}' cannot change whether the table is "
                                "TRANSIENT or ICEBERG.", 2_000, "0A000")
    requested = opts.get("REFRESH_MODE", "AUTO").upper()
    if requested not in ("AUTO", "FULL", "INCREMENTAL", "ADAPTIVE"):
        raise compilation_error(f"REFRESH_MODE = {requested} is not supported by cdcsim (AUTO, FULL, INCREMENTAL, "
                                "ADAPTIVE).", 2_000, "0A000")
    changed = []
    if analyse(s, new.group("query")).query != dt.query:
        changed.append("query")
    if _column_defs(new.group("cols")) != _column_defs(old.group("cols") if old else None):
        changed.append("column list")
    if requested != "AUTO" and {"ADAPTIVE": "INCREMENTAL"}.get(requested, requested) != dt.refresh_mode:
        changed.append("refresh mode")
    if changed:
        raise compilation_error(
            f"CREATE OR ALTER DYNAMIC TABLE '{qn.name}' changes its {' and '.join(changed)}, which reinitializes "
            "the table: cdcsim does not support that; use CREATE OR REPLACE DYNAMIC TABLE.", 2_000, "0A000")
    scheduler, target_lag, lag_sec = _scheduling(opts, s.engine.relaxed)
    if "WAREHOUSE" not in opts:
        raise compilation_error("Missing option(s): [WAREHOUSE]", 1_006, "22023")
    if lag_sec is not None:
        check_against_upstream(reg, dt.fqn, lag_sec, reg.upstream(dt))
        check_against_downstream(reg, dt, lag_sec)
    wanted: dict[str, Any] = {
        "target_lag": target_lag, "lag_sec": lag_sec, "scheduler": scheduler,
        "warehouse": opts["WAREHOUSE"].strip('"').upper(),
        "comment": _unquote(opts["COMMENT"]) if "COMMENT" in opts else None,
        "requested_mode": dt.requested_mode if requested == "AUTO" else requested}
    values = {k: v for k, v in wanted.items() if getattr(dt, k) != v}
    if not values:
        return Result.status("Statement executed successfully.")
    trigger = ("ALTER_TARGET_LAG" if "target_lag" in values or "lag_sec" in values
               else "ALTER_WAREHOUSE" if "warehouse" in values else None)

    def run() -> None:
        update(s.duck, dt.fqn, **values)
        for k, v in values.items():
            setattr(dt, k, v)
        if trigger:
            record_graph(s.duck, reg, dt, s.now(), trigger)

    _in_own_txn(s, run)
    return Result.status("Statement executed successfully.")


@command(rf"UNDROP\s+DYNAMIC\s+TABLE\s+(?P<name>{QNAME_RE})")
def undrop_dynamic_table(s: Session, m: re.Match[str], _p: object) -> Result:
    """UNDROP DYNAMIC TABLE [DOC: user-guide/dynamic-tables/manage, "Restore a dropped dynamic
    table"]: a name that is taken fails as the page shows ("Dynamic table 'DT_ORDERS' already
    exists."). [INFER] cdcsim keeps no version of a dropped dynamic table, so any other UNDROP
    fails as one whose version was purged does."""
    qn = s.qualify(parse_parts(m.group("name")))
    if registry(s.engine).get(qn.fqn) is not None or s.relation_kind(qn) is not None:
        raise ProgrammingError(f"SQL compilation error:\nDynamic table '{qn.name}' already exists.", 2_002, "42710")
    raise compilation_error(f"Dynamic table {qn.name} did not exist or was purged. (cdcsim keeps no dropped "
                            "dynamic table: create it again.)", 2_003, "02000")


@command(rf"DROP\s+TABLE\s+(?P<ie>IF\s+EXISTS\s+)?(?P<name>{QNAME_RE})(?:\s+(?:CASCADE|RESTRICT))?")
def drop_table(s: Session, m: re.Match[str], params: Any) -> Result:
    """DROP TABLE drops a dynamic table as DROP DYNAMIC TABLE does [DOC:
    sql-reference/sql/drop-dynamic-table, usage notes and example]; any other table (a temporary
    one hiding a dynamic table included) takes the ordinary path."""
    qn = s.qualify(parse_parts(m.group("name")))
    tr = s.translate(s.statement)
    if tr.temporary or registry(s.engine).get(qn.fqn) is None:
        return s.run(tr, params)
    return drop_dynamic_table(s, m, params)


# Clustering [INFER]: as for ALTER TABLE (session_commands._clustering), local storage has no
# micro-partitions to order; the ALTER DYNAMIC TABLE forms are accepted on a dynamic table that
# exists and change nothing (CREATE's CLUSTER BY is accepted the same way).
@command(rf"ALTER\s+DYNAMIC\s+TABLE\s+(?P<ie>IF\s+EXISTS\s+)?(?P<name>{QNAME_RE})\s+"
         r"(?:CLUSTER\s+BY\s*\(.*\)|DROP\s+CLUSTERING\s+KEY|(?:SUSPEND|RESUME)\s+RECLUSTER)")
def alter_clustering(s: Session, m: re.Match[str], _p: object) -> Result:
    _names(s, m.group("name"), bool(m.group("ie")))
    return Result.status("Statement executed successfully.")


@command(rf"COMMENT\s+(?P<ie>IF\s+EXISTS\s+)?ON\s+DYNAMIC\s+TABLE\s+(?P<name>{QNAME_RE})\s+IS\s+"
         r"(?P<c>'(?:[^']|'')*')")
def comment_on_dynamic_table(s: Session, m: re.Match[str], _p: object) -> Result:
    """COMMENT ON DYNAMIC TABLE is ALTER DYNAMIC TABLE ... SET COMMENT."""
    ie = "IF EXISTS " if m.group("ie") else ""
    return s.execute(f"ALTER DYNAMIC TABLE {ie}{m.group('name')} SET COMMENT = {m.group('c')}")


_CREATE = (
    rf"CREATE\s+(?P<replace>OR\s+REPLACE\s+)?(?P<transient>TRANSIENT\s+)?DYNAMIC\s+(?P<iceberg>ICEBERG\s+)?TABLE\s+"
    rf"(?P<ine>IF\s+NOT\s+EXISTS\s+)?(?P<name>{QNAME_RE})\s*(?P<cols>\((?:[^()']|'(?:[^']|'')*'|\([^()]*\))*\))?"
    rf"(?P<opts>(?:\s*(?:\w+\s*=\s*(?:{_STR}|[\w$.\"]+)|CLUSTER\s+BY\s*\([^)]*\)|COPY\s+GRANTS|REQUIRE\s+USER))*)"
    r"\s*AS\s+(?P<query>.+)"
)


@command(rf"CREATE\s+(?P<replace>OR\s+REPLACE\s+)?(?P<transient>TRANSIENT\s+)?DYNAMIC\s+TABLE\s+"
         rf"(?P<ine>IF\s+NOT\s+EXISTS\s+)?(?P<name>{QNAME_RE})\s+CLONE\s+(?P<src>{QNAME_RE})"
         r"(?P<when>\s+(?:AT|BEFORE)\s*\(.*?\))?(?P<opts>(?:\s*(?:\w+\s*=\s*(?:'(?:[^']|'')*'|[\w$.\"]+)|COPY\s+GRANTS))*)")
def clone_dynamic_table(s: Session, m: re.Match[str], _p: object) -> Result:
    """CREATE DYNAMIC TABLE ... CLONE [DOC: sql-reference/sql/create-dynamic-table]: a new dynamic
    table with the source's definition (its query reads the same inputs), TARGET_LAG and WAREHOUSE
    as given or as the source's, and the source's scheduling state (a suspended source gives a
    suspended clone).

    [INFER] Snowflake's clone starts with the source's rows as they are, without copying them;
    cdcsim fills it with a refresh at its creation, so it holds what the source holds once the
    source is up to date (a stale source's clone is fresher than it). AT | BEFORE (Time Travel)
    fails (0A000)."""
    if m.group("when"):
        raise compilation_error("CREATE DYNAMIC TABLE ... CLONE ... AT | BEFORE is not supported by cdcsim: it "
                                "keeps no table history by time.", 2_000, "0A000")
    src = _names(s, m.group("src"), False)[0]
    opts = _parse_options(m.group("opts") or "")
    orig = re.match(_CREATE, src.text, re.IGNORECASE | re.DOTALL)
    cols = orig.group("cols") if orig is not None and orig.group("cols") else ""
    lag = opts.get("TARGET_LAG") or (None if src.target_lag is None else
                                     "DOWNSTREAM" if src.downstream_lag else f"'{src.target_lag}'")
    props = [f"TARGET_LAG = {lag}" if lag else "SCHEDULER = DISABLE",
             f"WAREHOUSE = {opts.get('WAREHOUSE') or src.warehouse}", f"REFRESH_MODE = {src.requested_mode}"]
    if src.comment:
        props.append("COMMENT = '" + src.comment.replace("'", "''") + "'")
    head = "CREATE " + ("OR REPLACE " if m.group("replace") else "") + ("TRANSIENT " if m.group("transient") else "")
    ine = "IF NOT EXISTS " if m.group("ine") else ""
    result = s.execute(f"{head}DYNAMIC TABLE {ine}{m.group('name')} {cols} {' '.join(props)} AS {src.query}")
    if src.scheduling_state == "SUSPENDED":
        s.execute(f"ALTER DYNAMIC TABLE {m.group('name')} SUSPEND")
    return result


@command(_CREATE)
def create_dynamic_table(s: Session, m: re.Match[str], _p: object) -> Result:
    """[INFER] A dynamic Apache Iceberg table (``CREATE DYNAMIC ICEBERG TABLE``) is a dynamic table
    whose storage Snowflake writes as Iceberg files on an external volume. cdcsim keeps every
    table in DuckDB, so it is made as a dynamic table like any other: its storage options
    (EXTERNAL_VOLUME, CATALOG, BASE_LOCATION, ...) are accepted and have no effect, as WAREHOUSE
    has none, and GET_DDL gives the statement back as written. (Before, sqlglot made it an
    ordinary table, filled once.)

    REFRESH_MODE = ADAPTIVE [DOC: user-guide/dynamic-tables/refresh-modes] needs what INCREMENTAL
    needs (002711 otherwise) and refreshes incrementally; SHOW DYNAMIC TABLES reports ADAPTIVE.
    [INFER] Its reinitialization heuristics are not public and cdcsim's incremental refresh has no
    cost that would warrant one, so an ADAPTIVE table never reinitializes on its own.

    [INFER] When AUTO resolves to FULL the status is the plain "successfully created": the
    refresh-modes page says the result message gives the reason, troubleshoot-creation says AUTO
    falls back to FULL "without a warning"; the reason is SHOW DYNAMIC TABLES' refresh_mode_reason."""
    if m.group("replace") and m.group("ine"):
        raise compilation_error("OR REPLACE and IF NOT EXISTS are incompatible.", 2016)
    qn = s.qualify(parse_parts(m.group("name")))
    opts = _parse_options(m.group("opts") or "")
    if not m.group("iceberg"):
        for k in _ICEBERG_OPTIONS:
            if k in opts:
                raise compilation_error(f"invalid property '{k}' for 'DYNAMIC TABLE'", 2_029, "42601")
    reg = registry(s.engine)
    relaxed = s.engine.relaxed
    if s.in_txn:
        s.commit()
    existing = reg.get(qn.fqn)
    taken = name_taken(s, qn, "Dynamic table", existing is not None, bool(m.group("ine")), bool(m.group("replace")))
    if taken is not None:
        return taken

    scheduler, target_lag, lag_sec = _scheduling(opts, relaxed)
    if "WAREHOUSE" not in opts:
        raise compilation_error("Missing option(s): [WAREHOUSE]", 1_006, "22023")
    requested = opts.get("REFRESH_MODE", "AUTO").upper()
    if requested not in ("AUTO", "FULL", "INCREMENTAL", "ADAPTIVE"):
        raise compilation_error(f"REFRESH_MODE = {requested} is not supported by cdcsim (AUTO, FULL, INCREMENTAL, "
                                "ADAPTIVE).", 2_000, "0A000")
    initialize = opts.get("INITIALIZE", "ON_CREATE").upper()
    if initialize not in ("ON_CREATE", "ON_SCHEDULE"):
        raise compilation_error(f"invalid value '{initialize}' for INITIALIZE", 1008, "22023")
    comment = _unquote(opts["COMMENT"]) if "COMMENT" in opts else None

    analysis = analyse(s, m.group("query"))
    if any(q.fqn == qn.fqn for q, _ in analysis.inputs):
        raise compilation_error(f"Dynamic table '{qn.fqn}' cannot read itself.", 2_000, "42601")
    _refuse_cycle(s, qn, [q.fqn for q, _ in analysis.inputs])
    if analysis.unsupported is not None:
        raise compilation_error(
            f"Dynamic Table '{qn.name}' cannot be created: {analysis.unsupported} is not supported in dynamic "
            "tables, in any refresh mode.", 2_000, "0A000")
    if requested in ("INCREMENTAL", "ADAPTIVE") and analysis.reason is not None:
        raise ProgrammingError(
            f"SQL compilation error: Dynamic Table '{qn.name}' is defined with REFRESH_MODE = {requested}, but the "
            f"query is not supported for incremental refresh. Reason: {analysis.reason}", 2711, "0A000")
    if requested == "FULL":
        mode, reason = "FULL", "USER_SPECIFIED_FULL_REFRESH"
    elif analysis.reason is not None:
        mode, reason = "FULL", analysis.reason
    else:
        mode, reason = "INCREMENTAL", None
    upstream = [reg.tables[q.fqn] for q, k in analysis.inputs if k == "DYNAMIC_TABLE" and q.fqn in reg.tables]
    check_against_upstream(reg, qn.fqn, lag_sec, upstream)

    now = s.now()
    s.acquire_write()
    try:
        s.duck.execute("BEGIN TRANSACTION")
        try:
            if existing is not None:  # (otherwise the catalog is as the last DDL left it)
                _drop(s, existing)
                s.reload_catalog()
                reg.reload(s.duck)
            sources: list[Source] = []
            for q, kind in analysis.inputs:
                tid = changes.track(s.duck, q) if kind in ("TABLE", "DYNAMIC_TABLE") else None
                sources.append(Source(q.fqn, kind, tid, 0))
            for q in analysis.view_bases:
                if all(x.fqn != q.fqn for x in sources):
                    sources.append(Source(q.fqn, "BASE", changes.track(s.duck, q), 0))
            s.reload_catalog()
            sql, _ = translate_query(s, analysis.query)
            defs = _column_defs(m.group("cols"))
            names = None if defs is None else [d[0] for d in defs]
            # DuckDB would rename a repeated output name (ID, ID_1); Snowflake refuses the table.
            # The query's own names are read before the CREATE TABLE AS renames them.
            _refuse_duplicates(names if names is not None
                               else [r[0] for r in s.duck.execute(f"DESCRIBE {sql}").fetchall()])
            s.duck.execute(f"CREATE TABLE {qn.duck} AS SELECT * FROM ({sql}) AS _q LIMIT 0")
            cols = changes.user_columns(s.duck, qn)
            if names is not None:
                if len(names) != len(cols):
                    raise compilation_error(
                        f"The number of columns in the column list ({len(names)}) does not match the number of "
                        f"columns in the query ({len(cols)}).", 2_028, "42601")
                for c, (n, type_, note) in zip(cols, defs or [], strict=True):
                    if c.name != n:
                        s.duck.execute(f"ALTER TABLE {qn.duck} RENAME COLUMN {quote(c.name)} TO {quote(n)}")
                    if type_:  # [INFER] the query's values are cast to a declared type
                        s.duck.execute(f"ALTER TABLE {qn.duck} ALTER COLUMN {quote(n)} SET DATA TYPE "
                                       f"{duck_type(type_)}")
                    if note is not None:
                        s.duck.execute(f"COMMENT ON COLUMN {qn.duck}.{quote(n)} IS "
                                       f"'{note.replace(chr(39), chr(39) * 2)}'")
            s.duck.execute(f"ALTER TABLE {qn.duck} ADD COLUMN {changes.QRID} BIGINT "
                           f"DEFAULT nextval('{M}.rid_seq')")
            # not tracked: a reader (stream, downstream dynamic table) tracks it when it arrives, and
            # its change log's id is looked up in the catalog (``catalog.tracked``) where needed
            dt_id = int(s.duck.execute(f"SELECT nextval('{M}.obj_seq')").fetchone()[0])
            frontier = changes.current_stmt(s.duck)
            for src in sources:
                src.frontier = frontier
                if src.table_id is not None:
                    changes.set_hold(s.duck, src.table_id, "dt:" + qn.fqn, frontier)
            dt = DT(qn.fqn, qn, dt_id, _text(m.group(0)), analysis.query, target_lag, lag_sec, scheduler,
                    opts["WAREHOUSE"].strip('"').upper(), requested, mode, reason, initialize, comment,
                    bool(m.group("transient")), now, "RUNNING", None, None, None, False, None, 0,
                    sources)
            save(s.duck, dt)
            s.reload_catalog()
            reg.reload(s.duck)
            record_graph(s.duck, reg, reg.tables[qn.fqn], now, "CREATE_DYNAMIC_TABLE")
            # a DOWNSTREAM input now follows this table's lag: its graph row changes
            for up in reg.upstream(reg.tables[qn.fqn]):
                if up.downstream_lag:
                    record_graph(s.duck, reg, up, now, "NONE")
            if initialize == "ON_CREATE":
                outcomes = run_pipeline(s, [reg.tables[qn.fqn]], "CREATION", own_txn=False)
                mine = outcomes.get(qn.fqn)
                if existing is not None and mine is not None and mine.action in ("INCREMENTAL", "FULL"):
                    # [INFER] a replaced table's creation refresh is its reinitialization, as the
                    # troubleshoot-refreshes page shows (REINITIALIZE, CREATION)
                    mine.action = "REINITIALIZE"
                from .refresh import _record

                _record(s, reg, outcomes, "CREATION", now)
            s.duck.execute("COMMIT")
        except RefreshFailed as rf:
            s._safe_rollback()
            reg.plans.pop(qn.fqn, None)  # built for a table that does not exist after all
            raise rf.error from None
        except Exception:
            s._safe_rollback()
            reg.plans.pop(qn.fqn, None)
            raise
    finally:
        s.engine.lock.release(s, all_levels=True)
        s.reload_catalog()
        reg.reload(s.duck)
        from .refresh import _drop_temps

        _drop_temps(s)
    if s.engine.scheduler is not None:
        s.engine.scheduler.wake()
    msg = f"Dynamic table {qn.name} successfully created."
    return Result.status(msg)


def _refuse_duplicates(names: list[str]) -> None:
    """002025 for the first column name that repeats (names compare exactly, as Snowflake's
    resolved identifiers do: ``id`` and ``ID`` are one name, ``"id"`` another)."""
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise duplicate_column(n)
        seen.add(n)


def _text(stmt: str) -> str:
    return stmt.strip().rstrip(";").strip()


def _drop(s: Session, dt: DT) -> None:
    """Remove a dynamic table, its change log, its holds on inputs and its state (caller's txn)."""
    con = s.duck
    for src in dt.sources:
        if src.table_id is not None:
            changes.drop_hold(con, src.table_id, "dt:" + dt.fqn)
            changes.compact(con, src.table_id)
    log_id = s.engine.catalog.tracked.get(dt.fqn)  # tracked only once something read it
    if log_id is not None:
        changes.drop_triggers(con, dt.qname, log_id)
        changes.untrack(con, log_id)
    con.execute(f"DROP TABLE IF EXISTS {dt.qname.duck}")
    for t in apply.state_tables(con, dt.id):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    con.execute(f"DELETE FROM {M}.dynamic_tables WHERE fqn = ?", [dt.fqn])
    con.execute(f"DELETE FROM {M}.dt_sources WHERE dt_fqn = ?", [dt.fqn])
    con.execute(f"UPDATE {M}.dt_graph_history SET valid_to = ? WHERE qualified_name = ? AND valid_to IS NULL",
                [s.now(), dt.fqn])
    registry(s.engine).plans.pop(dt.fqn, None)


# ------------------------------------------------------------------ DROP
@command(rf"DROP\s+DYNAMIC\s+TABLE\s+(?P<ie>IF\s+EXISTS\s+)?(?P<name>{QNAME_RE})")
def drop_dynamic_table(s: Session, m: re.Match[str], _p: object) -> Result:
    qn = s.qualify(parse_parts(m.group("name")))
    reg = registry(s.engine)
    dt = reg.get(qn.fqn)
    if dt is None:
        if m.group("ie"):
            return Result.status(f"Drop statement executed successfully ({qn.name} already dropped).")
        raise not_found("Dynamic table", qn.fqn)
    _in_own_txn(s, lambda: _drop(s, dt))
    return Result.status(f"{qn.name} successfully dropped.")


def _drop_schemas(s: Session, schemas: list[tuple[str, str]]) -> Callable[[], None] | None:
    """DROP SCHEMA / DATABASE drops the dynamic tables in those schemas as DROP DYNAMIC TABLE
    does (a dynamic table elsewhere that reads one behaves as after that statement); the registry
    follows once the dropping transaction committed."""
    reg = registry(s.engine)
    dropped = set(schemas)
    doomed = [dt for dt in list(reg.tables.values()) if (dt.qname.database, dt.qname.schema) in dropped]
    if not doomed:
        return None
    for dt in doomed:
        _drop(s, dt)

    def reload() -> None:
        reg.reload(s.duck)
        if s.engine.scheduler is not None:
            s.engine.scheduler.wake()

    return reload


def _in_own_txn(s: Session, fn: Any) -> Any:
    reg = registry(s.engine)
    try:
        with s.metadata_txn():
            out = fn()
    finally:
        reg.reload(s.duck)
    if s.engine.scheduler is not None:
        s.engine.scheduler.wake()
    return out


# ------------------------------------------------------------------ ALTER
def _names(s: Session, text: str, if_exists: bool) -> list[DT]:
    reg = registry(s.engine)
    out: list[DT] = []
    seen: set[str] = set()
    for part in re.split(r"\s*,\s*", text.strip()):
        qn = s.qualify(parse_parts(part))
        if qn.fqn in seen:
            raise compilation_error(f"Duplicate dynamic table name '{qn.name}' in the list.", 2_000, "42601")
        seen.add(qn.fqn)
        dt = reg.get(qn.fqn)
        if dt is None:
            if if_exists:
                continue
            raise not_found("Dynamic table", qn.fqn)
        out.append(dt)
    return out


@command(rf"ALTER\s+DYNAMIC\s+TABLE\s+(?P<ie>IF\s+EXISTS\s+)?(?P<names>{QNAME_RE}(?:\s*,\s*{QNAME_RE})*)\s+"
         r"REFRESH(?:\s+COPY\s+SESSION)?")
def alter_refresh(s: Session, m: re.Match[str], _p: object) -> Result:
    if s.in_txn:
        raise ProgrammingError("Manual refresh of a dynamic table is not supported inside a multi-statement "
                               "transaction.", 2743, "25000")
    targets = _names(s, m.group("names"), bool(m.group("ie")))
    if not targets:
        return Result.status("Statement executed successfully.")
    outcomes = run_pipeline(s, targets, "MANUAL")
    raise_for_manual(outcomes, targets)
    return Result.status("Statement executed successfully.")


@command(rf"ALTER\s+DYNAMIC\s+TABLE\s+(?P<ie>IF\s+EXISTS\s+)?(?P<name>{QNAME_RE})\s+(?P<op>SUSPEND|RESUME)")
def alter_suspend_resume(s: Session, m: re.Match[str], _p: object) -> Result:
    dts = _names(s, m.group("name"), bool(m.group("ie")))
    if not dts:
        return Result.status("Statement executed successfully.")
    dt = dts[0]
    reg = registry(s.engine)
    now = s.now()
    suspend = m.group("op").upper() == "SUSPEND"

    def run() -> None:
        con = s.duck
        if suspend:
            if dt.scheduling_state == "SUSPENDED" and dt.suspend_reason == "USER_SUSPENDED":
                return
            suspend_cascade(con, reg, dt, "USER_SUSPENDED", "UPSTREAM_USER_SUSPENDED", now)
            return
        if dt.suspend_reason in ("UPSTREAM_USER_SUSPENDED", "UPSTREAM_SUSPENDED_DUE_TO_ERRORS") and any(
                u.scheduling_state == "SUSPENDED" for u in _all_upstream(reg, dt)):
            raise ProgrammingError(
                f"Dynamic table '{dt.fqn}' cannot be resumed because an upstream dynamic table is suspended. "
                "Resume the upstream dynamic table first.", 2_763, "55000")
        if dt.scheduling_state == "RUNNING":
            return
        update(con, dt.fqn, scheduling_state="RUNNING", suspend_reason=None, resumed_on=now, failures=0)
        dt.scheduling_state, dt.suspend_reason, dt.resumed_on = "RUNNING", None, now
        record_graph(con, reg, dt, now, "RESUME")
        # undo the cascade: consumers suspended because of an upstream come back when all their
        # upstream tables run; a consumer a user suspended stays suspended
        changed = True
        while changed:
            changed = False
            for d in reg.downstream_closure(dt):
                if d.scheduling_state == "SUSPENDED" and d.suspend_reason in (
                        "UPSTREAM_USER_SUSPENDED", "UPSTREAM_SUSPENDED_DUE_TO_ERRORS") and all(
                        u.scheduling_state == "RUNNING" for u in reg.upstream(d)):
                    update(con, d.fqn, scheduling_state="RUNNING", suspend_reason=None, resumed_on=now)
                    d.scheduling_state, d.suspend_reason, d.resumed_on = "RUNNING", None, now
                    record_graph(con, reg, d, now, "RESUME")
                    changed = True

    _in_own_txn(s, run)
    return Result.status("Statement executed successfully.")


def _all_upstream(reg: Any, dt: DT) -> list[DT]:
    out, todo, seen = [], list(reg.upstream(dt)), set()
    while todo:
        u = todo.pop()
        if u.fqn not in seen:
            seen.add(u.fqn)
            out.append(u)
            todo.extend(reg.upstream(u))
    return out


@command(rf"ALTER\s+DYNAMIC\s+TABLE\s+(?P<ie>IF\s+EXISTS\s+)?(?P<name>{QNAME_RE})\s+SET\s+(?P<opts>.+)")
def alter_set(s: Session, m: re.Match[str], _p: object) -> Result:
    dts = _names(s, m.group("name"), bool(m.group("ie")))
    if not dts:
        return Result.status("Statement executed successfully.")
    dt = dts[0]
    reg = registry(s.engine)
    opts = _parse_options(re.sub(r"\s*,\s*", " ", m.group("opts")))
    for k in ("REFRESH_MODE", "INITIALIZE"):
        if k in opts:
            raise compilation_error(f"{k} cannot be altered; use CREATE OR REPLACE DYNAMIC TABLE.", 2_000, "0A000")
    values: dict[str, Any] = {}
    triggers = []
    if "TARGET_LAG" in opts:
        v = opts["TARGET_LAG"]
        if _unquote(v).upper() == "DOWNSTREAM":
            values.update(target_lag="DOWNSTREAM", lag_sec=None)
        else:
            lag, secs = parse_lag(_unquote(v), s.engine.relaxed)
            check_against_upstream(reg, dt.fqn, secs, reg.upstream(dt))
            check_against_downstream(reg, dt, secs)
            values.update(target_lag=lag, lag_sec=secs)
        if dt.scheduler == "DISABLE":
            values["scheduler"] = "ENABLE"  # setting a lag re-enables scheduling (doc D9)
        triggers.append("ALTER_TARGET_LAG")
    if "SCHEDULER" in opts:
        v = opts["SCHEDULER"].upper()
        if v not in ("ENABLE", "DISABLE"):
            raise compilation_error(f"invalid value '{v}' for SCHEDULER", 1008, "22023")
        values["scheduler"] = v
    if "WAREHOUSE" in opts:
        values["warehouse"] = opts["WAREHOUSE"].strip('"').upper()
        triggers.append("ALTER_WAREHOUSE")
    if "COMMENT" in opts:
        values["comment"] = _unquote(opts["COMMENT"])
    if not values:
        return Result.status("Statement executed successfully.")

    def run() -> None:
        update(s.duck, dt.fqn, **values)
        for k, v in values.items():
            setattr(dt, k, v)
        if triggers:
            record_graph(s.duck, reg, dt, s.now(), triggers[0])

    _in_own_txn(s, run)
    return Result.status("Statement executed successfully.")


@command(rf"ALTER\s+DYNAMIC\s+TABLE\s+(?P<ie>IF\s+EXISTS\s+)?(?P<name>{QNAME_RE})\s+UNSET\s+(?P<props>[\w\s,]+)")
def alter_unset(s: Session, m: re.Match[str], _p: object) -> Result:
    """UNSET COMMENT clears the comment; the other properties it may name (retention,
    INITIALIZATION_WAREHOUSE, logging levels) are accepted, as SET accepts them, with no effect."""
    dts = _names(s, m.group("name"), bool(m.group("ie")))
    props = [p.upper() for p in re.split(r"[\s,]+", m.group("props").strip()) if p]
    known = {"COMMENT", "DATA_RETENTION_TIME_IN_DAYS", "MAX_DATA_EXTENSION_TIME_IN_DAYS", "CONTACT",
             "INITIALIZATION_WAREHOUSE", "ROW_TIMESTAMP", *_NO_EFFECT}
    for p in props:
        if p not in known:
            raise compilation_error(f"invalid property '{p}' for 'DYNAMIC TABLE'", 2_029, "42601")
    if dts and "COMMENT" in props:
        dt = dts[0]

        def run() -> None:
            update(s.duck, dt.fqn, comment=None)
            dt.comment = None

        _in_own_txn(s, run)
    return Result.status("Statement executed successfully.")


@command(rf"ALTER\s+DYNAMIC\s+TABLE\s+(?P<ie>IF\s+EXISTS\s+)?(?P<name>{QNAME_RE})\s+RENAME\s+TO\s+(?P<new>{QNAME_RE})")
def alter_rename(s: Session, m: re.Match[str], _p: object) -> Result:
    dts = _names(s, m.group("name"), bool(m.group("ie")))
    if not dts:
        return Result.status("Statement executed successfully.")
    dt = dts[0]
    new = s.qualify(parse_parts(m.group("new")))
    if registry(s.engine).get(new.fqn) is not None or s.relation_kind(new) is not None:
        raise already_exists("Dynamic table", new.name)
    if new.duck_schema != dt.qname.duck_schema:
        raise compilation_error("cdcsim renames dynamic tables within their schema only.", 2_000, "0A000")

    def run() -> None:
        con = s.duck
        log_id = s.engine.catalog.tracked.get(dt.fqn)
        if log_id is not None:
            changes.drop_triggers(con, dt.qname, log_id)
        con.execute(f"ALTER TABLE {dt.qname.duck} RENAME TO {quote(new.name)}")
        if log_id is not None:
            changes.retrack(con, new, log_id)
        for t, col in ((f"{M}.dynamic_tables", "fqn"), (f"{M}.dt_sources", "dt_fqn"),
                       (f"{M}.dt_sources", "src_fqn"), (f"{M}.dt_graph_history", "qualified_name")):
            con.execute(f"UPDATE {t} SET {col} = ? WHERE {col} = ?", [new.fqn, dt.fqn])
        con.execute(f"UPDATE {M}.dynamic_tables SET name = ? WHERE fqn = ?", [new.name, new.fqn])
        con.execute(f"UPDATE {M}.dt_graph_history SET name = ? WHERE qualified_name = ?", [new.name, new.fqn])
        con.execute(f"UPDATE {M}.dt_refresh_history SET name = ?, qualified_name = ? WHERE qualified_name = ?",
                    [new.name, new.fqn, dt.fqn])
        con.execute(f"UPDATE {M}.log_holds SET holder = ? WHERE holder = ?", ["dt:" + new.fqn, "dt:" + dt.fqn])
        for st in s.engine.catalog.streams.values():
            if st.table_fqn == dt.fqn:
                con.execute(f"UPDATE {M}.streams SET table_fqn = ? WHERE fqn = ?", [new.fqn, st.fqn])
        registry(s.engine).plans.clear()

    _in_own_txn(s, run)
    return Result.status("Statement executed successfully.")


@command(rf"ALTER\s+DYNAMIC\s+TABLE\s+(?P<ie>IF\s+EXISTS\s+)?(?P<name>{QNAME_RE})\s+SWAP\s+WITH\s+"
         rf"(?P<other>{QNAME_RE})")
def alter_swap(s: Session, m: re.Match[str], _p: object) -> Result:
    """ALTER DYNAMIC TABLE a SWAP WITH b [DOC: sql-reference/sql/alter-dynamic-table]: the two
    dynamic tables exchange names, by three renames as ALTER TABLE ... SWAP WITH does
    (table_swap.py); streams follow their table, as they follow a rename.

    [INFER] A dynamic table another dynamic table reads cannot be swapped: that consumer names it
    in its query but follows it as an object, and after a swap the two would be different
    tables. Both must be in one schema, as for RENAME TO."""
    dts = _names(s, m.group("name"), bool(m.group("ie")))
    if not dts:
        return Result.status("Statement executed successfully.")
    a, b = dts[0], _names(s, m.group("other"), False)[0]
    reg = registry(s.engine)
    if a.fqn == b.fqn:
        raise compilation_error(f"Cannot swap dynamic table '{a.qname.name}' with itself.", 2_000, "42601")
    for d in (a, b):
        if reg.downstream(d):
            raise compilation_error(f"cdcsim cannot swap dynamic table '{d.fqn}': dynamic table "
                                    f"'{reg.downstream(d)[0].fqn}' reads it.", 2_000, "0A000")

    an, bn = a.qname.sql, b.qname.sql
    tmp = QName(a.qname.database, a.qname.schema, f"_CDCSIM_SWAP_{uuid.uuid4().hex[:8].upper()}").sql
    s.execute(f"ALTER DYNAMIC TABLE {an} RENAME TO {tmp}")
    try:
        s.execute(f"ALTER DYNAMIC TABLE {bn} RENAME TO {an}")
        try:
            s.execute(f"ALTER DYNAMIC TABLE {tmp} RENAME TO {bn}")
        except Exception:
            s.execute(f"ALTER DYNAMIC TABLE {an} RENAME TO {bn}")
            raise
    except Exception:
        s.execute(f"ALTER DYNAMIC TABLE {tmp} RENAME TO {an}")
        raise
    return Result.status("Statement executed successfully.")


# ------------------------------------------------------------------ SHOW / DESCRIBE
def _lag_display(dt: DT) -> str | None:
    return None if dt.scheduler == "DISABLE" else dt.target_lag


def show_rows(s: Session, like: str | None, scope: tuple[str, str] | None) -> list[tuple]:
    reg = registry(s.engine)
    rx = like_to_regex(like) if like else None
    rows = []
    for dt in sorted(reg.tables.values(), key=lambda d: (d.qname.database, d.qname.schema, d.qname.name)):
        q = dt.qname
        if rx and not rx.match(q.name):
            continue
        if scope and (scope[0] != q.database or (scope[1] != "*" and scope[1] != q.schema)):
            continue
        n, size = s.duck.execute(
            "SELECT estimated_size, 0 FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
            [q.duck_schema, q.name]).fetchone() or (0, 0)
        if dt.initialized:
            n = s.duck.execute(f"SELECT count(*) FROM {q.duck}").fetchone()[0]
        # an ADAPTIVE table refreshes as an INCREMENTAL one; SHOW names the mode that was asked for
        mode = "ADAPTIVE" if dt.requested_mode == "ADAPTIVE" else dt.refresh_mode
        rows.append((dt.created_on, q.name, q.database, q.schema, "", int(n or 0), int(n or 0) * 64, "SYSADMIN",
                     _lag_display(dt), dt.scheduler, mode, dt.refresh_mode_reason, dt.warehouse,
                     dt.comment or "", dt.text, "OFF", dt.scheduling_state, dt.last_suspended_on, False, False,
                     False, dt.data_timestamp, "ROLE", None, None))
    return rows


# ``IN <schema_name>`` without the SCHEMA keyword is in the page's syntax [DOC D8]
@command(rf"SHOW\s+(?P<terse>TERSE\s+)?DYNAMIC\s+TABLES(?:\s+LIKE\s+'(?P<like>[^']*)')?{scope_re(bare=True)}{PAGING}")
def show_dynamic_tables(s: Session, m: re.Match[str], _p: object) -> Result:
    rows = page(show_rows(s, m.group("like"), show_scope(s, m)), m)
    if m.group("terse"):
        return Result.table(["created_on", "name", "kind", "database_name", "schema_name"],
                            [(r[0], r[1], "DYNAMIC TABLE", r[2], r[3]) for r in rows])
    return Result.table(SHOW_COLUMNS, rows, _SHOW_TYPES)


@command(rf"DESC(?:RIBE)?\s+DYNAMIC\s+TABLE\s+(?P<name>{QNAME_RE})")
def describe_dynamic_table(s: Session, m: re.Match[str], _p: object) -> Result:
    qn = s.qualify(parse_parts(m.group("name")))
    if registry(s.engine).get(qn.fqn) is None:
        raise not_found("Dynamic table", qn.fqn)
    return describe_columns(s, m.group("name"), "Dynamic table")


# ------------------------------------------------------------------ guards
def _read_guard(s: Session, qn: QName) -> None:
    """A query of an uninitialized dynamic table fails, directly or through a view (CREATE VIEW
    itself reads nothing, so the session does not guard it)."""
    tables = registry(s.engine).tables
    dt = tables.get(qn.fqn)
    if dt is not None:
        if not dt.initialized:
            raise ProgrammingError(NOT_INITIALIZED, 2741, "55000")
        return
    if all(d.initialized for d in tables.values()):
        return
    version = s.engine.catalog.version
    cache = s.engine.state.get("view_bases")
    if cache is None or cache[0] != version:
        cache = s.engine.state["view_bases"] = (version, {})
    bases = cache[1].get(qn.fqn)
    if bases is None:
        bases = cache[1][qn.fqn] = [b.fqn for b in _view_bases(s, qn, set())]
    if any(b in tables and not tables[b].initialized for b in bases):
        raise ProgrammingError(NOT_INITIALIZED, 2741, "55000")


def _write_guard(s: Session, qn: QName, kind: str) -> None:
    if kind == "stream":  # a dynamic table's change log is real: streams on it work, if it has one
        dt = registry(s.engine).tables.get(qn.fqn)
        if dt is not None and dt.refresh_mode == "FULL":
            raise compilation_error(
                f"Cannot create a stream on dynamic table '{qn.fqn}': its refresh mode is FULL. Streams are "
                "supported only on dynamic tables that refresh incrementally.")
        return
    if qn.fqn in registry(s.engine).tables:
        what = {"insert": "INSERT", "update": "UPDATE", "delete": "DELETE", "merge": "MERGE",
                "truncate": "TRUNCATE"}.get(kind, kind.upper())
        raise compilation_error(
            f"{what} is not supported on dynamic table '{qn.fqn}': dynamic tables are read-only"
            + (" (use ALTER/DROP DYNAMIC TABLE)." if kind in ("create", "drop", "alter") else "."), 2_031, "42601")


def _hidden(s: Session) -> set[tuple[str, str, str]]:
    return {(d.qname.database, d.qname.schema, d.qname.name) for d in registry(s.engine).tables.values()}


def _table_ddl(s: Session, phase: str, kind: str, qn: QName) -> None:
    """A DDL on an input invalidates the cached plans of the tables that read it."""
    if phase != "post":
        return
    reg = registry(s.engine)
    reg.columns.pop(qn.fqn, None)
    for dt in reg.tables.values():
        if any(src.fqn == qn.fqn for src in dt.sources):
            reg.plans.pop(dt.fqn, None)


def _install_state(engine: Any, _con: Any) -> None:
    engine.state["hidden_tables"] = _hidden


HOOKS.read_guards.append(_read_guard)
HOOKS.write_guards.append(_write_guard)
HOOKS.table_ddl.append(_table_ddl)
HOOKS.on_load.append(_install_state)
HOOKS.schema_drop.append(_drop_schemas)
