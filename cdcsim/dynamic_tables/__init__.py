"""Dynamic tables: target lag, DOWNSTREAM, snapshot-consistent pipeline refresh, incremental refresh.

One concept per module:
* ``catalog``    — persisted metadata, the in-memory registry, the dependency graph;
* ``lag``        — TARGET_LAG parsing and the lag rules between tables;
* ``planning``   — a definition's inputs, its refresh mode (AUTO resolved once) and its cached plan;
* ``ivm``        — incremental planning: which query shapes, the delta SQL, the reason;
* ``apply``      — the SQL that applies one refresh of one table;
* ``refresh``    — pipeline runs at one data timestamp, atomically, with failure handling;
* ``schedule``   — the scheduler provider (time-based lags);
* ``statements`` — CREATE / ALTER / DROP / SHOW / DESCRIBE and the read/write guards;
* ``history``    — DYNAMIC_TABLE_REFRESH_HISTORY / DYNAMIC_TABLE_GRAPH_HISTORY;
* ``monitoring`` — DYNAMIC_TABLES(): lag metrics and the latest refresh's state.
"""

from . import catalog, history, monitoring, schedule, statements  # noqa: F401
