"""Running a Snowflake Scripting block: variables, control flow, cursors, exceptions.

Owns the interpreter [DOC: developer-guide/snowflake-scripting]. Each SQL statement runs through
the session as if sent on its own, so a block is not a transaction: its statements commit one by
one unless it opens one (BEGIN TRANSACTION ... COMMIT), as in Snowflake. A block that ends inside
a transaction it opened has it rolled back and fails.

* Variables (DECLARE, LET, ``:=``) hold Python values. In an expression (LET, IF, WHILE, RETURN,
  FOR bounds, CASE) a variable is named bare or as ``:name``; in a SQL statement as ``:name``
  (``:rec.col`` for a FOR record's column). A colon that follows a name directly is a VARIANT path
  (``payload:a``), not a variable. Expressions are evaluated by the session as ``SELECT <expr>``,
  so every function the engine knows works in them.
* ``SELECT ... INTO :a, :b`` (and ``CALL p(...) INTO :r``) sets variables from the first row. After each SQL statement
  SQLROWCOUNT, SQLFOUND and SQLNOTFOUND describe it.
* RESULTSET (``LET rs RESULTSET := (SELECT ...)``), ``RETURN TABLE(rs)``; CURSOR FOR a query,
  OPEN / FETCH ... INTO / CLOSE, and ``FOR rec IN cursor_or_resultset DO``; ``FOR i IN [REVERSE] a
  TO b DO``; WHILE, REPEAT ... UNTIL, LOOP with BREAK / CONTINUE (and labels); IF / ELSEIF / ELSE;
  CASE.
* Exceptions: ``DECLARE e EXCEPTION (-20001, 'message')``, RAISE e, RAISE (re-raise in a handler),
  ``EXCEPTION WHEN e | STATEMENT_ERROR | EXPRESSION_ERROR | OTHER THEN``; a handler sees SQLCODE,
  SQLERRM and SQLSTATE. An error no handler takes fails the block with its code and message.

[INFER] Choices where Snowflake is undocumented or cdcsim is simpler: a declared type is not
enforced on a variable (the value keeps the type its expression produced); a cursor reads its
query's rows when it is opened (or when FOR starts), all at once. A block (and an exception
handler, and a FOR loop for its loop variable) opens a scope; IF, CASE and the other loops do not,
so a LET in them declares the variable for the rest of the enclosing block.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from ..commands import Result
from ..errors import Error, ProgrammingError, compilation_error
from .parse import Block, Case, Decl, For, If, Loop, Stmt, parse_block, tokenize

if TYPE_CHECKING:
    from ..session import Session

MAX_DEPTH = 64  # nested CALLs


@dataclass
class ResultSet:
    columns: list[str]
    rows: list[tuple]
    result: Result


@dataclass
class Cursor:
    query: str
    rows: list[tuple] | None = None
    columns: list[str] = field(default_factory=list)
    at: int = 0


@dataclass
class UserException:
    code: int
    message: str


class ScriptError(ProgrammingError):
    """An error raised in a block: RAISE of a declared exception, or a statement's error."""

    def __init__(self, msg: str, errno: int | None, sqlstate: str | None, name: str = "") -> None:
        super().__init__(msg, errno, sqlstate)
        self.name = name  # the declared exception's name, or STATEMENT_ERROR / EXPRESSION_ERROR


class _Break(Exception):
    def __init__(self, label: str) -> None:
        self.label = label


class _Continue(_Break):
    pass


class _Return(Exception):
    def __init__(self, value: Any) -> None:
        self.value = value


class Scope:
    def __init__(self, parent: Scope | None = None, values: dict[str, Any] | None = None) -> None:
        self.parent = parent
        self.values: dict[str, Any] = dict(values or {})

    def find(self, name: str) -> Scope | None:
        s: Scope | None = self
        while s is not None:
            if name in s.values:
                return s
            s = s.parent
        return None

    def get(self, name: str) -> Any:
        s = self.find(name)
        if s is None:
            raise compilation_error(f"invalid identifier '{name}'", 904, "42000")
        return s.values[name]

    def has(self, name: str) -> bool:
        return self.find(name) is not None

    def set(self, name: str, value: Any) -> None:
        s = self.find(name)
        (s or self).values[name] = value


def literal(value: Any) -> exp.Expression:
    """A SQL literal for a variable's value."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, (int, Decimal)):
        return exp.Literal.number(str(value))
    if isinstance(value, float):
        return exp.Literal.number(repr(value))
    if isinstance(value, datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "TIMESTAMP")
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    if isinstance(value, time):
        return exp.cast(exp.Literal.string(value.isoformat()), "TIME")
    if isinstance(value, (dict, list)):
        return exp.func("PARSE_JSON", exp.Literal.string(json.dumps(value, default=str)))
    return exp.Literal.string(str(value))


def _literal_sql(value: Any) -> str:
    return literal(value).sql("snowflake")


_SIMPLE_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_SIMPLE_NAME = re.compile(r"^:?([A-Za-z_][\w$]*)$")
# integers only: SQL would give the same (NUMBER(38,0) arithmetic); anything else goes to SQL
_INT_ARITH = re.compile(r"^(?P<a>:?[A-Za-z_][\w$]*|-?\d+)\s*(?P<op>[-+*])\s*(?P<b>:?[A-Za-z_][\w$]*|\d+)$")
_UNKNOWN = re.compile(r'Referenced column "([^"]+)" was not found because the FROM clause is missing')
_IMMEDIATE_USING = re.compile(r"^\s*EXECUTE\s+IMMEDIATE\s+(?P<src>.+?)\s+USING\s*\((?P<binds>[^()]*)\)\s*;?\s*$",
                              re.I | re.S)
_INTO = re.compile(r"\bINTO\s+(:[A-Za-z_][\w$]*(?:\s*,\s*:[A-Za-z_][\w$]*)*)", re.I)


class Interpreter:
    def __init__(self, session: Session, depth: int = 0) -> None:
        self.s = session
        self.depth = depth
        self.stats = {"SQLROWCOUNT": None, "SQLFOUND": False, "SQLNOTFOUND": True}

    # ------------------------------------------------------------------ values
    def _bind_tree(self, tree: exp.Expression, scope: Scope) -> exp.Expression:
        top = tree

        def sub(node: exp.Expression) -> exp.Expression:
            if isinstance(node, exp.Placeholder) and node.name and scope.has(node.name.upper()):
                return literal(self._value(scope.get(node.name.upper())))
            if isinstance(node, exp.Dot) and isinstance(node.this, exp.Placeholder):
                rec = scope.get(node.this.name.upper()) if scope.has(node.this.name.upper()) else None
                if isinstance(rec, dict):
                    return literal(rec.get(node.expression.name.upper()))
            if isinstance(node, exp.Column) and node.table and not node.args.get("db"):
                rec = scope.get(node.table.upper()) if scope.has(node.table.upper()) else None
                if isinstance(rec, dict):
                    return literal(rec.get(node.name.upper()))
            if isinstance(node, exp.Column) and not node.table and isinstance(node.this, exp.Identifier) \
                    and not node.this.quoted and node.find_ancestor(exp.Select) is top:
                name = node.name.upper()
                if name in self.stats:
                    return literal(self.stats[name])
                if scope.has(name):
                    return literal(self._value(scope.get(name)))
            return node

        return tree.transform(sub, copy=False)

    @staticmethod
    def _value(v: Any) -> Any:
        if isinstance(v, (ResultSet, Cursor, UserException)):
            raise compilation_error("A RESULTSET, CURSOR or EXCEPTION cannot be used as a value.", 2000, "42601")
        return v

    def eval(self, text: str, scope: Scope) -> Any:
        """The value of expression ``text`` (a scripting expression: variables bare or ``:x``)."""
        t = text.strip()
        if _SIMPLE_NUMBER.match(t):
            return int(t) if "." not in t else Decimal(t)
        if (m := _SIMPLE_NAME.match(t)) is not None:
            name = m.group(1).upper()
            if name in self.stats:
                return self.stats[name]
            if scope.has(name):
                return self._value(scope.get(name))
        if (m := _INT_ARITH.match(t)) is not None:  # a loop's counter: i + 1 without a round trip to SQL
            a, b = (self._int_operand(m.group(k), scope) for k in ("a", "b"))
            if a is not None and b is not None:
                return a + b if m.group("op") == "+" else a - b if m.group("op") == "-" else a * b
        try:
            tree = sqlglot.parse_one(f"SELECT {t}", read="snowflake")
        except sqlglot.errors.ParseError as e:
            raise ScriptError(f"SQL compilation error:\nsyntax error in expression '{t}': {str(e).splitlines()[0]}",
                              1003, "42000", "EXPRESSION_ERROR") from None
        sql = self._bind_tree(tree, scope).sql("snowflake")
        try:
            r = self.s.execute(sql)
        except Error as e:
            m = _UNKNOWN.search(e.msg)
            if m is not None:  # a name that is neither a variable nor a column
                raise ScriptError(f"SQL compilation error:\ninvalid identifier '{m.group(1)}'", 904, "42000",
                                  "EXPRESSION_ERROR") from None
            raise ScriptError(e.msg, e.errno, e.sqlstate, "EXPRESSION_ERROR") from None
        return r.rows[0][0] if r.rows else None

    def _int_operand(self, text: str, scope: Scope) -> int | None:
        """An integer literal, or a variable holding an integer (not NULL, not a boolean)."""
        if text.lstrip("-").isdigit():
            return int(text)
        name = text.lstrip(":").upper()
        v = self.stats.get(name) if name in self.stats else scope.get(name) if scope.has(name) else None
        return v if isinstance(v, int) and not isinstance(v, bool) else None

    def truth(self, text: str, scope: Scope) -> bool:
        return self.eval(text, scope) is True

    def bind_sql(self, text: str, scope: Scope) -> str:
        """``text`` with each ``:name`` (and ``:rec.col``) variable replaced by its value."""
        out, pos = [], 0
        toks = tokenize(text)
        i = 0
        while i < len(toks):
            t = toks[i]
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            glued = t.start > 0 and not text[t.start - 1].isspace() and text[t.start - 1] not in "(,=<>+-*/|;"
            if t.kind == "punct" and t.text == ":" and nxt is not None and nxt.kind == "word" \
                    and nxt.start == t.end and not glued and scope.has(nxt.up):
                value = scope.get(nxt.up)
                end = nxt.end
                after = toks[i + 2] if i + 2 < len(toks) else None
                if isinstance(value, dict) and after is not None and after.text == "." and i + 3 < len(toks):
                    value = value.get(toks[i + 3].up)
                    end = toks[i + 3].end
                    i += 2
                out.append(text[pos:t.start] + _literal_sql(self._value(value)))
                pos = end
                i += 2
                continue
            i += 1
        out.append(text[pos:])
        return "".join(out)

    # ------------------------------------------------------------------ statements
    def run(self, block: Block, scope: Scope) -> Any:
        """Run ``block``; its RETURN value (None without one)."""
        try:
            self.block(block, scope)
        except _Return as r:
            return r.value
        except _Break as b:
            raise compilation_error(f"BREAK / CONTINUE outside a loop{' ' + b.label if b.label else ''}.",
                                    2000, "42601") from None
        return None

    def block(self, block: Block, parent: Scope) -> None:
        scope = Scope(parent)
        for d in block.decls:
            self.declare(d, scope)
        try:
            self.stmts(block.body, scope)
        except Error as e:
            # an error no handler takes leaves the block as it came (its class, code and message)
            if not self.handle(block, scope, e, e.name if isinstance(e, ScriptError) else "STATEMENT_ERROR"):
                raise

    def handle(self, block: Block, scope: Scope, err: Error, name: str) -> bool:
        for names, body in block.handlers:
            if "OTHER" in names or name in names:
                inner = Scope(scope, {"SQLCODE": err.errno, "SQLERRM": err.msg, "SQLSTATE": err.sqlstate,
                                      "__ERROR__": err})
                self.stmts(body, inner)
                return True
        return False

    def declare(self, d: Decl, scope: Scope) -> None:
        if d.kind == "cursor":
            scope.values[d.name] = Cursor(d.text)
        elif d.kind == "resultset":
            scope.values[d.name] = self.resultset(d.text, scope) if d.text else \
                ResultSet([], [], Result.table([], []))
        elif d.kind == "exception":
            m = re.match(r"^\(\s*(-?\d+)\s*,\s*'((?:[^']|'')*)'\s*\)$", d.text)
            code, msg = (int(m.group(1)), m.group(2).replace("''", "'")) if m else (-20000, d.name)
            scope.values[d.name] = UserException(code, msg)
        else:
            scope.values[d.name] = self.eval(d.text, scope) if d.text else None

    def resultset(self, query: str, scope: Scope) -> ResultSet:
        q = query.strip()
        while q.startswith("(") and q.endswith(")"):
            q = q[1:-1].strip()
        r = self.sql(q, scope)
        return ResultSet([d[0] for d in r.description or []], list(r.rows), r)

    def immediate_using(self, m: re.Match[str], scope: Scope) -> Result:
        """``EXECUTE IMMEDIATE <string | variable | expression> USING (v1, v2, ...)``
        [DOC: sql-reference/sql/execute-immediate]: the statement's ``?`` placeholders take the
        bind variables' values, in order. [INFER] The statement must be a single SQL statement: a
        block with binds fails (0A000)."""
        src = m.group("src").strip()
        from ..procedures import ONE_STRING, string_body

        if ONE_STRING.match(src):
            text = string_body(src)
        else:
            text = self.eval(src, scope)
            if not isinstance(text, str):
                raise compilation_error("EXECUTE IMMEDIATE needs a string: the statement to run.", 2000, "42601")
        text = text.strip().rstrip(";").strip()
        if re.match(r"^(DECLARE|BEGIN)\b", text, re.I) and not re.match(r"^BEGIN\s*(TRANSACTION|WORK|NAME|$)", text, re.I):
            raise compilation_error("EXECUTE IMMEDIATE ... USING binds values into a SQL statement; cdcsim does not "
                                    "bind them into a block.", 2000, "0A000")
        values = []
        for name in (n.strip() for n in m.group("binds").split(",")):
            key = name.lstrip(":").upper()
            if not re.fullmatch(r"[A-Z_][\w$]*", key) or not scope.has(key):
                raise compilation_error(f"invalid identifier '{name}': USING takes the names of variables.",
                                        904, "42000")
            values.append(self._value(scope.get(key)))
        return self.s.execute(text, values)

    def sql(self, text: str, scope: Scope) -> Result:
        into: list[str] = []
        first = text.split(None, 1)[0].upper() if text.strip() else ""
        if first == "EXECUTE" and (m := _IMMEDIATE_USING.match(text)) is not None:
            r = self.immediate_using(m, scope)
        else:
            if first in ("SELECT", "WITH", "CALL") and (m := _INTO.search(text)) is not None:
                into = [n.strip().lstrip(":").upper() for n in m.group(1).split(",")]
                text = text[:m.start()] + text[m.end():]
            r = self.s.execute(self.bind_sql(text, scope))
        _remember(self.s, r)
        desc = r.description or []
        if desc and str(desc[0][0]).startswith("number of rows"):
            n = sum(int(v or 0) for v in r.rows[0]) if r.rows else 0
        elif desc and desc[0][0] == "status":
            n = None
        else:
            n = len(r.rows)
        self.stats = {"SQLROWCOUNT": n, "SQLFOUND": bool(n), "SQLNOTFOUND": not n}
        if into:
            row = r.rows[0] if r.rows else (None,) * len(into)
            for name, v in zip(into, row, strict=False):
                scope.set(name, v)
        return r

    def stmts(self, stmts: list, scope: Scope) -> None:
        for st in stmts:
            self.stmt(st, scope)

    def stmt(self, st: Any, scope: Scope) -> None:  # noqa: C901, PLR0912 - one branch per kind
        if isinstance(st, Block):
            self.block(st, scope)
        elif isinstance(st, If):
            for cond, body in st.arms:
                if self.truth(cond, scope):
                    self.stmts(body, scope)
                    return
            if st.otherwise is not None:
                self.stmts(st.otherwise, scope)
        elif isinstance(st, Case):
            operand = self.eval(st.operand, scope) if st.operand is not None else None
            for cond, body in st.arms:
                hit = self.eval(cond, scope) == operand if st.operand is not None else self.truth(cond, scope)
                if hit:
                    self.stmts(body, scope)
                    return
            if st.otherwise is not None:
                self.stmts(st.otherwise, scope)
            else:
                raise ScriptError("Case not found.", -20000, "20000", "CASE_NOT_FOUND")
        elif isinstance(st, For):
            self.for_(st, scope)
        elif isinstance(st, Loop):
            self.loop(st, scope)
        else:
            self.simple(st, scope)

    def _iterate(self, body: list, scope: Scope, label: str | None) -> bool:
        """Run one iteration; False when BREAK ends the loop. A task run that timed out or was
        cancelled stops here (a loop that runs no SQL would never meet DuckDB's interrupt)."""
        stop = getattr(self.s, "script_stop", None)
        if stop is not None and stop():
            raise ProgrammingError("SQL execution canceled", 604, "57014")
        try:
            self.stmts(body, scope)
        except _Continue as c:
            if c.label and c.label != label:
                raise
        except _Break as b:
            if b.label and b.label != label:
                raise
            return False
        return True

    def for_(self, st: For, scope: Scope) -> None:
        if st.source:
            src = scope.get(st.source)
            if isinstance(src, Cursor):
                rs = self.resultset(src.query, scope)
            elif isinstance(src, ResultSet):
                rs = src
            else:
                raise compilation_error(f"FOR ... IN {st.source}: not a cursor or a RESULTSET.", 2000, "42601")
            for row in rs.rows:
                inner = Scope(scope, {st.var: {c.upper(): v for c, v in zip(rs.columns, row, strict=True)}})
                if not self._iterate(st.body, inner, st.label):
                    return
            return
        lo, hi = int(self.eval(st.start, scope)), int(self.eval(st.stop, scope))
        seq = range(hi, lo - 1, -1) if st.reverse else range(lo, hi + 1)
        for i in seq:
            if not self._iterate(st.body, Scope(scope, {st.var: i}), st.label):
                return

    def loop(self, st: Loop, scope: Scope) -> None:
        while True:
            if st.kind == "while" and not self.truth(st.cond, scope):
                return
            if not self._iterate(st.body, scope, st.label):
                return
            if st.kind == "repeat" and self.truth(st.cond, scope):
                return

    def simple(self, st: Stmt, scope: Scope) -> None:  # noqa: C901, PLR0912
        k = st.kind
        if k == "let":
            if st.type == "CURSOR":
                scope.values[st.name] = Cursor(st.text)
            elif st.type == "RESULTSET":
                scope.values[st.name] = self.resultset(st.text, scope)
            else:
                scope.values[st.name] = self.eval(st.text, scope)
        elif k == "assign":
            if isinstance(scope.get(st.name), ResultSet):  # a RESULTSET takes a query
                scope.set(st.name, self.resultset(st.text, scope))
            else:
                scope.set(st.name, self.eval(st.text, scope))
        elif k == "return":
            raise _Return(self.return_value(st.text, scope))
        elif k == "break":
            raise _Break(st.name)
        elif k == "continue":
            raise _Continue(st.name)
        elif k == "raise":
            if not st.name:
                err = scope.get("__ERROR__") if scope.has("__ERROR__") else None
                if err is None:
                    raise compilation_error("RAISE without an exception outside an exception handler.", 2000, "42601")
                raise err
            exc = scope.get(st.name)
            if not isinstance(exc, UserException):
                raise compilation_error(f"'{st.name}' is not an exception.", 2000, "42601")
            raise ScriptError(exc.message, exc.code, "P0001", st.name)
        elif k == "null":
            return
        elif k == "open":
            cur = scope.get(st.name)
            rs = self.resultset(cur.query, scope)
            cur.rows, cur.columns, cur.at = rs.rows, rs.columns, 0
        elif k == "fetch":
            cur = scope.get(st.name)
            if cur.rows is None:
                raise ScriptError(f"Cursor '{st.name}' is not open.", 2000, "24000", "STATEMENT_ERROR")
            row = cur.rows[cur.at] if cur.at < len(cur.rows) else (None,) * len(st.names)
            cur.at += 1
            for name, v in zip(st.names, row, strict=False):
                scope.set(name, v)
        elif k == "close":
            scope.get(st.name).rows = None
        else:
            self.sql(st.text, scope)

    def return_value(self, text: str, scope: Scope) -> Any:
        t = text.strip()
        if not t:
            return None
        m = re.match(r"^TABLE\s*\((?P<inner>.*)\)$", t, re.I | re.S)
        if m is not None:
            inner = m.group("inner").strip()
            if re.match(r"^(SELECT|WITH)\b", inner, re.I):
                return self.resultset(inner, scope)
            rs = scope.get(inner.upper())
            if not isinstance(rs, ResultSet):
                raise compilation_error(f"RETURN TABLE({inner}): not a RESULTSET.", 2000, "42601")
            return rs
        return self.eval(t, scope)


def _remember(session: Session, result: Result) -> None:
    """A block's SQL statement is a query of the session's own, as in Snowflake: LAST_QUERY_ID()
    names it and RESULT_SCAN reads its result (the documented ``rows_loaded := (SELECT $1 FROM
    TABLE(RESULT_SCAN(LAST_QUERY_ID())))`` after an INSERT [DOC: sql-reference/functions/
    system_set_return_value]). [INFER] An expression (LET, :=, IF) is not such a query."""
    from ..result_scan import remember

    remember(session, str(uuid.uuid4()), result)


@functools.lru_cache(maxsize=256)
def _parsed(src: str) -> Block:
    """A block's statements, parsed once per text (a task calls its procedure on every run; the
    interpreter never changes them)."""
    return parse_block(src)


def run_block(session: Session, src: str, args: dict[str, Any] | None = None, depth: int = 0) -> Any:
    """Parse and run the block ``src`` with ``args`` as variables; its RETURN value. A block that
    leaves a transaction it opened open has it rolled back and fails."""
    if depth > MAX_DEPTH:
        raise ProgrammingError(f"Stored procedure calls are nested more than {MAX_DEPTH} deep.", 2000, "54001")
    block = _parsed(src)
    was_in_txn = session.in_txn
    value = Interpreter(session, depth).run(block, Scope(None, {k.upper(): v for k, v in (args or {}).items()}))
    if session.in_txn and not was_in_txn:
        session.rollback()
        raise ProgrammingError("The block ended inside a transaction it opened (BEGIN TRANSACTION without COMMIT); "
                               "the transaction was rolled back.", 2000, "25000")
    return value
