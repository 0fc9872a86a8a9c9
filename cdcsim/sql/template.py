"""Literal templates: one sqlglot translation for statements that differ only in literal values.

An application issues the same INSERT / UPDATE / DELETE / SELECT many times with different
literals (``... VALUES ('B042', 3, 12.50)``, ``... WHERE id = 'B042'``). The translation cache is
keyed by statement text, so each of them would be parsed and generated again (~0.5-1.5 ms). This
module lifts the literals out of such a statement: the statement *shape* (its text with every
plain literal replaced by a sentinel string) is translated once, and each later statement of the
same shape is rendered by putting its own literals back into the translated SQL.

That is only correct where the translation does not depend on a literal's value, so a shape is
templated only when all of these hold:

* lexically, the text has no comments, backslashes or ``$$`` (so the scanner below sees exactly
  the string and number tokens sqlglot sees, and a lifted token is emitted unchanged by the DuckDB
  generator); only plain ``'...'`` strings (with ``''`` escapes) and decimal numbers are lifted;
* structurally, in the translated tree every sentinel is a literal in a position whose
  translation is value-independent: an element of a ``VALUES`` row, an operand of a comparison,
  ``IN`` list or ``BETWEEN`` whose other side is a column, or such a literal negated. Function
  arguments (format strings, date parts, ``SYSTEM$`` arguments), casts, intervals, array indexes
  (0- vs 1-based), ``LIMIT``, ``ORDER BY 1`` and select-list items (whose text names the column)
  are never lifted into a template;
* statement kinds: SELECT, INSERT, UPDATE, DELETE (no DDL, no MERGE: their handlers read the AST);
* each sentinel appears exactly once in the translated SQL, and rendering the statement that
  completed the template reproduces its own direct translation exactly.

A template is built the second time a shape is seen (a shape seen once costs nothing extra), and
it is keyed like any cached translation: by shape, current database and schema and catalog
version, so DDL and USE invalidate it as they invalidate cached translations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sqlglot import exp

from . import timestamp_literals
from .translate import Translated

# The sentinel names the literal's kind (s: string, n: number), so a shape never mixes the two.
_SENTINEL = "__CDCSIM_L{}{}__"
_SENTINEL_RE = re.compile(r"__CDCSIM_L(\d+)[sn]__", re.IGNORECASE)  # upper-cased in names too
_QUOTED_SENTINEL_RE = re.compile(r"'__CDCSIM_L(\d+)[sn]__'")
# Strings not glued to a word (X'..', N'..' are other literal kinds), double-quoted identifiers
# (skipped whole, they may contain quotes and digits) and decimal numbers not part of a word,
# a qualified name or a float/hex spelling.
_SCAN = re.compile(r"""(?<![\w$])'(?:[^']|'')*'(?!')|"(?:[^"]|"")*"|(?<![\w$.])\d+(?:\.\d+)?(?![\w$.])""")
_UNSAFE = ("\\", "--", "//", "/*", "$$")
TEMPLATE_KINDS = frozenset({"select", "insert", "update", "delete"})
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def lift(text: str) -> tuple[str, list[str]] | None:
    """(shape, literals): ``text`` with its plain literals replaced by sentinel strings, and the
    literals' source text in order; None when the text has none or cannot be scanned safely."""
    if any(u in text for u in _UNSAFE):
        return None
    literals: list[str] = []

    def sub(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok[0] == '"' or tok[0] == "'" and timestamp_literals.spaced_offset(tok[1:-1]):
            # a timestamp with a spaced offset is rewritten by translation (timestamp_literals):
            # it stays in the shape, so a template never renders it unrewritten
            return tok
        literals.append(tok)
        return "'" + _SENTINEL.format(len(literals) - 1, "s" if tok[0] == "'" else "n") + "'"

    shape = _SCAN.sub(sub, text)
    if not literals:
        return None
    rest = _SCAN.sub("", shape)
    if "'" in rest or '"' in rest:
        return None  # a quote the scanner did not pair, or a literal of another kind (X'..')
    return shape, literals


@dataclass
class Template:
    translated: Translated  # the shape's translation; ``sql`` is not used
    parts: list[str]  # translated SQL around the sentinels
    order: list[int]  # literal index of each gap between parts

    def render(self, literals: list[str]) -> Translated:
        out = [self.parts[0]]
        for idx, part in zip(self.order, self.parts[1:], strict=True):
            out.append(literals[idx])
            out.append(part)
        t = self.translated
        # ``ast`` is left out: it holds the sentinels, and only DDL and MERGE (never templated)
        # read it after translation.
        return replace(t, sql="".join(out), tokens=list(t.tokens), streams=list(t.streams),
                       relations=list(t.relations), ast=None)


def _value_independent(lit: exp.Literal) -> bool:
    node: exp.Expression = lit
    parent = node.parent
    if isinstance(parent, exp.Neg):
        node, parent = parent, parent.parent
    if isinstance(parent, exp.Tuple):
        return isinstance(parent.parent, exp.Values)
    if isinstance(parent, _COMPARISONS):
        other = parent.expression if parent.this is node else parent.this
        return isinstance(other, exp.Column)
    if isinstance(parent, exp.In):
        return node in parent.expressions and isinstance(parent.this, exp.Column)
    if isinstance(parent, exp.Between):
        return node is not parent.this and isinstance(parent.this, exp.Column)
    return False


def build(shape_tr: Translated, count: int) -> Template | None:
    """A template from the translation of a shape with ``count`` sentinels, or None when the
    shape's translation might depend on its literals' values."""
    if shape_tr.kind not in TEMPLATE_KINDS or shape_tr.is_ddl or shape_tr.ast is None:
        return None
    seen: set[int] = set()
    for lit in shape_tr.ast.find_all(exp.Literal):
        m = _SENTINEL_RE.fullmatch(lit.this) if lit.is_string else None
        if m is None:
            if _SENTINEL_RE.search(str(lit.this)):
                return None
            continue
        idx = int(m.group(1))
        if idx in seen or not _value_independent(lit):
            return None
        seen.add(idx)
    if seen != set(range(count)):
        return None
    meta = (shape_tr.tokens, shape_tr.streams, shape_tr.relations, shape_tr.target)
    if _SENTINEL_RE.search(repr(meta)):
        return None
    pieces = _QUOTED_SENTINEL_RE.split(shape_tr.sql)
    parts, order = pieces[0::2], [int(i) for i in pieces[1::2]]
    if sorted(order) != list(range(count)) or _SENTINEL_RE.search("".join(parts)):
        return None
    return Template(shape_tr, parts, order)


def same(a: Translated, b: Translated) -> bool:
    """Whether two translations execute identically (everything but the AST)."""
    return (a.kind, a.sql, a.tokens, a.streams, a.relations, a.target, a.is_write, a.is_ddl, a.uses_now) == \
        (b.kind, b.sql, b.tokens, b.streams, b.relations, b.target, b.is_write, b.is_ddl, b.uses_now)
