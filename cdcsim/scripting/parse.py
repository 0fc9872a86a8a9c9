"""Parsing a Snowflake Scripting block into statements the interpreter runs.

Owns the block's grammar [DOC: developer-guide/snowflake-scripting]: an optional DECLARE section
(variables, CURSOR FOR, RESULTSET, EXCEPTION), then ``BEGIN <statements> [EXCEPTION WHEN ...
THEN ...] END``. Compound statements (IF / ELSEIF / ELSE, CASE, FOR over a range or a cursor,
WHILE, REPEAT ... UNTIL, LOOP, nested blocks) hold statement lists; everything else is one
statement up to its ``;`` -- a scripting statement (LET, assignment, RETURN, BREAK, CONTINUE,
RAISE, OPEN / FETCH / CLOSE, NULL) or SQL the session runs. Expressions and SQL stay source text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import syntax_error

_WORD = re.compile(r"[A-Za-z_][\w$]*")


@dataclass(frozen=True)
class Tok:
    kind: str  # word | str | punct | semi
    text: str
    start: int
    end: int

    @property
    def up(self) -> str:
        return self.text.upper() if self.kind == "word" else ""


def tokenize(src: str) -> list[Tok]:
    """Words, strings (single-quoted, ``$$``-quoted, double-quoted identifiers) and punctuation,
    with comments skipped."""
    out: list[Tok] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c.isspace():
            i += 1
        elif src.startswith("--", i) or src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j + 1
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif src.startswith("$$", i):
            j = src.find("$$", i + 2)
            if j < 0:
                raise syntax_error("Unterminated $$ string in a scripting block.")
            out.append(Tok("str", src[i:j + 2], i, j + 2))
            i = j + 2
        elif c in "'\"":
            j = i + 1
            while j < n:
                if src[j] == "\\" and c == "'":
                    j += 2
                    continue
                if src[j] == c:
                    if j + 1 < n and src[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            if j >= n:
                raise syntax_error("Unterminated string in a scripting block.")
            out.append(Tok("str" if c == "'" else "word", src[i:j + 1], i, j + 1))
            i = j + 1
        elif c == ";":
            out.append(Tok("semi", c, i, i + 1))
            i += 1
        elif (m := _WORD.match(src, i)) is not None:
            out.append(Tok("word", m.group(), i, m.end()))
            i = m.end()
        elif c.isdigit():
            j = i
            while j < n and (src[j].isalnum() or src[j] == "."):
                j += 1
            out.append(Tok("word", src[i:j], i, j))
            i = j
        else:
            two = src[i:i + 2]
            width = 2 if two in ("::", ":=", "<=", ">=", "<>", "!=", "=>", "||", "<<", ">>") else 1
            out.append(Tok("punct", src[i:i + width], i, i + width))
            i += width
    return out


@dataclass
class Stmt:
    kind: str  # sql | let | assign | return | break | continue | raise | null | open | fetch | close
    text: str = ""  # the statement's source (sql), or its expression
    name: str = ""  # the variable / cursor / exception / label it names
    type: str = ""  # LET's declared type (RESULTSET and CURSOR matter)
    names: list[str] = field(default_factory=list)  # FETCH ... INTO targets


@dataclass
class Decl:
    name: str
    kind: str  # var | cursor | resultset | exception
    text: str = ""  # default expression, cursor query, or exception (code, message)


@dataclass
class Block:
    decls: list[Decl]
    body: list
    handlers: list[tuple[list[str], list]]  # (exception names, statements); OTHER catches all


@dataclass
class If:
    arms: list[tuple[str, list]]  # (condition, statements)
    otherwise: list | None


@dataclass
class Case:
    operand: str | None
    arms: list[tuple[str, list]]
    otherwise: list | None


@dataclass
class For:
    var: str
    body: list
    label: str | None
    source: str = ""  # cursor / resultset name (a FOR over its rows)
    start: str = ""
    stop: str = ""
    reverse: bool = False


@dataclass
class Loop:
    kind: str  # while | repeat | loop
    cond: str
    body: list
    label: str | None


_DECL = re.compile(r"^(?P<name>[A-Za-z_][\w$]*)\s+(?P<rest>.*)$", re.S)
_LET = re.compile(r"^LET\s+(?P<name>[A-Za-z_][\w$]*)\s*(?P<type>[^:=]*?)\s*(?::=|\bDEFAULT\b)\s*(?P<expr>.*)$",
                  re.S | re.I)
_LET_CURSOR = re.compile(r"^LET\s+(?P<name>[A-Za-z_][\w$]*)\s+CURSOR\s+FOR\s+(?P<q>.*)$", re.S | re.I)
_ASSIGN = re.compile(r"^(?P<name>[A-Za-z_][\w$]*)\s*:=\s*(?P<expr>.*)$", re.S)
_FETCH = re.compile(r"^FETCH\s+(?P<name>[A-Za-z_][\w$]*)\s+INTO\s+(?P<into>.*)$", re.S | re.I)
_END_WORDS = {"IF", "FOR", "WHILE", "LOOP", "REPEAT", "CASE"}


class Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.toks = tokenize(src)
        self.i = 0

    # -- helpers
    def peek(self, k: int = 0) -> Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def word(self, k: int = 0) -> str:
        t = self.peek(k)
        return t.up if t is not None else ""

    def expect(self, *words: str) -> None:
        for w in words:
            if self.word() != w:
                t = self.peek()
                raise syntax_error(f"Scripting block: expected {w}, found "
                                   f"{t.text if t is not None else 'the end of the block'!r}.")
            self.i += 1

    def skip_semi(self) -> None:
        if (t := self.peek()) is not None and t.kind == "semi":
            self.i += 1

    def text_until(self, stops: set[str], semi: bool = True) -> str:
        """Source text from here to the first stop word (or ``;``) outside parentheses."""
        depth, start = 0, self.i
        while (t := self.peek()) is not None:
            if t.kind == "punct" and t.text == "(":
                depth += 1
            elif t.kind == "punct" and t.text == ")":
                depth -= 1
            elif depth == 0 and (t.kind == "semi" and semi or t.up in stops):
                break
            self.i += 1
        if self.i == start:
            return ""
        return self.src[self.toks[start].start:self.toks[self.i - 1].end].strip()

    # -- grammar
    def block(self) -> Block:
        decls: list[Decl] = []
        if self.word() == "DECLARE":
            self.i += 1
            while self.word() != "BEGIN":
                if self.peek() is None:
                    raise syntax_error("Scripting block: DECLARE without BEGIN.")
                decls.append(self.decl(self.text_until(set())))
                self.skip_semi()
        self.expect("BEGIN")
        body = self.stmts({"END", "EXCEPTION"})
        handlers: list[tuple[list[str], list]] = []
        if self.word() == "EXCEPTION":
            self.i += 1
            while self.word() == "WHEN":
                self.i += 1
                names = [self.peek().up]  # type: ignore[union-attr]
                self.i += 1
                while self.word() == "OR":
                    names.append(self.word(1))
                    self.i += 2
                self.expect("THEN")
                handlers.append((names, self.stmts({"WHEN", "END"})))
        self.expect("END")
        if self.word() and self.peek().kind == "word" and self.word() not in _END_WORDS \
                and self.peek(1) is not None and self.peek(1).kind == "semi":  # type: ignore[union-attr]
            self.i += 1  # a label after END
        self.skip_semi()
        return Block(decls, body, handlers)

    def decl(self, text: str) -> Decl:
        m = _DECL.match(text)
        if not m:
            raise syntax_error(f"Scripting block: cannot read the declaration {text!r}.")
        name, rest = m.group("name").upper(), m.group("rest").strip()
        up = rest.upper()
        if up.startswith("CURSOR"):
            q = re.sub(r"^CURSOR\s+FOR\s+", "", rest, flags=re.I)
            return Decl(name, "cursor", q)
        if up.startswith("RESULTSET"):
            d = re.sub(r"^RESULTSET\s*(?:(?::=|DEFAULT)\s*)?", "", rest, flags=re.I)
            return Decl(name, "resultset", d)
        if up.startswith("EXCEPTION"):
            return Decl(name, "exception", rest[len("EXCEPTION"):].strip())
        d = re.split(r"\s*(?::=|\bDEFAULT\b)\s*", rest, maxsplit=1, flags=re.I)
        return Decl(name, "var", d[1] if len(d) > 1 else "")

    def stmts(self, stops: set[str]) -> list:
        out: list = []
        while (t := self.peek()) is not None and t.up not in stops:
            if t.kind == "semi":
                self.i += 1
                continue
            out.append(self.stmt())
        return out

    def label_after_end(self) -> str | None:
        t = self.peek()
        if t is not None and t.kind == "word" and t.up not in _END_WORDS:
            self.i += 1
            return t.up
        return None

    def stmt(self):  # noqa: C901, PLR0911, PLR0912 - one branch per statement kind
        w = self.word()
        label = None
        if (t := self.peek()) is not None and t.text == "<<":  # <<label>> before a loop
            label = self.word(1)
            self.i += 3
            w = self.word()
        if w == "BEGIN" and not (self.peek(1) is None or self.peek(1).kind == "semi"  # type: ignore[union-attr]
                                 or self.word(1) in ("TRANSACTION", "WORK", "NAME")):
            return self.block()
        if w == "DECLARE":
            return self.block()
        if w == "IF":
            self.i += 1
            arms = [(self.text_until({"THEN"}), None)]
            self.expect("THEN")
            arms[0] = (arms[0][0], self.stmts({"ELSEIF", "ELSE", "END"}))
            otherwise = None
            while self.word() == "ELSEIF":
                self.i += 1
                cond = self.text_until({"THEN"})
                self.expect("THEN")
                arms.append((cond, self.stmts({"ELSEIF", "ELSE", "END"})))
            if self.word() == "ELSE":
                self.i += 1
                otherwise = self.stmts({"END"})
            self.expect("END", "IF")
            self.skip_semi()
            return If(arms, otherwise)
        if w == "CASE":
            self.i += 1
            operand = None if self.word() == "WHEN" else self.text_until({"WHEN"})
            arms = []
            while self.word() == "WHEN":
                self.i += 1
                cond = self.text_until({"THEN"})
                self.expect("THEN")
                arms.append((cond, self.stmts({"WHEN", "ELSE", "END"})))
            otherwise = None
            if self.word() == "ELSE":
                self.i += 1
                otherwise = self.stmts({"END"})
            self.expect("END")
            if self.word() == "CASE":
                self.i += 1
            self.skip_semi()
            return Case(operand, arms, otherwise)
        if w == "FOR":
            self.i += 1
            var = self.word()
            self.i += 1
            self.expect("IN")
            reverse = self.word() == "REVERSE"
            if reverse:
                self.i += 1
            head = self.text_until({"DO", "LOOP"})
            closer = self.word()
            self.i += 1
            body = self.stmts({"END"})
            self.expect("END")
            if self.word() in ("FOR", "LOOP"):
                self.i += 1
            label = self.label_after_end() or label
            self.skip_semi()
            del closer
            parts = re.split(r"\s+TO\s+", head, maxsplit=1, flags=re.I)
            if len(parts) == 2:
                return For(var, body, label, start=parts[0], stop=parts[1], reverse=reverse)
            return For(var, body, label, source=head.upper())
        if w in ("WHILE", "LOOP", "REPEAT"):
            self.i += 1
            cond = ""
            if w == "WHILE":
                cond = self.text_until({"DO", "LOOP"})
                self.i += 1
            body = self.stmts({"END", "UNTIL"})
            if w == "REPEAT":
                self.expect("UNTIL")
                cond = self.text_until({"END"})
            self.expect("END")
            if self.word() in ("WHILE", "LOOP", "REPEAT"):
                self.i += 1
            label = self.label_after_end() or label
            self.skip_semi()
            return Loop(w.lower(), cond, body, label)
        text = self.text_until(set())
        self.skip_semi()
        return simple(text)


def simple(text: str) -> Stmt:
    """A statement without a body: what its first word makes it."""
    first = text.split(None, 1)[0].upper() if text else ""
    rest = text[len(first):].strip() if first else ""
    if first == "LET":
        if (m := _LET_CURSOR.match(text)) is not None:
            return Stmt("let", m.group("q"), m.group("name").upper(), "CURSOR")
        m = _LET.match(text)
        if m is None:
            raise syntax_error(f"Scripting block: cannot read {text!r}.")
        return Stmt("let", m.group("expr").strip(), m.group("name").upper(), m.group("type").strip().upper())
    if (m := _ASSIGN.match(text)) is not None:
        return Stmt("assign", m.group("expr").strip(), m.group("name").upper())
    if first == "RETURN":
        return Stmt("return", rest)
    if first in ("BREAK", "EXIT"):
        return Stmt("break", name=rest.upper())
    if first in ("CONTINUE", "ITERATE"):
        return Stmt("continue", name=rest.upper())
    if first == "RAISE":
        return Stmt("raise", name=rest.upper())
    if first == "NULL" and not rest:
        return Stmt("null")
    if first in ("OPEN", "CLOSE"):
        return Stmt(first.lower(), name=rest.split()[0].upper() if rest else "")
    if first == "FETCH" and (m := _FETCH.match(text)) is not None:
        return Stmt("fetch", name=m.group("name").upper(),
                    names=[n.strip().lstrip(":").upper() for n in m.group("into").split(",")])
    return Stmt("sql", text)


def parse_block(src: str) -> Block:
    """The block in ``src`` (``[DECLARE ...] BEGIN ... END``); anything after it is an error."""
    p = Parser(src)
    block = p.block()
    if p.peek() is not None:
        raise syntax_error(f"Scripting block: unexpected {p.peek().text!r} after END.")  # type: ignore[union-attr]
    return block
