"""Snowflake's fixed-position numeric format models (``TO_CHAR(<number>, '9,999.99')``) as DuckDB SQL.

This module owns the numeric side of ``TO_CHAR`` / ``TO_VARCHAR`` with a literal format (and its
inverse, ``TO_NUMBER`` / ``TO_DECIMAL`` reading text with one: ``from_text``): the format
model is parsed here, once, at translation time, and the result is one DuckDB expression that
does all per-row work in SQL (no Python UDF). ``translate._to_char_formats`` decides which
formats come here.

Semantics [DOC: sql-reference/sql-format-models, sql-reference/functions/to_char]:

* ``9`` is a digit position whose leading (integer part) or trailing (fraction) zeros print as
  blanks; ``0`` prints them. Zeros are kept from the leftmost integer ``0`` element and up to the
  rightmost fraction ``0`` element. An integer part of zero prints one ``0`` at the last integer
  position, unless ``B`` is given (then blanks). So ``'9.99'`` of 0.5 is ``' 0.5 '`` and
  ``'0.00'`` of 0.5 is ``' 0.50'``: the docs say fraction ``9`` positions blank trailing zeros.
* ``.`` / ``D`` is the decimal point (always ``.``); ``,`` / ``G`` is a group separator, printed
  as ``,`` when digits are printed on both sides of it, else as a blank. ``.`` and ``,`` are
  elements only right after ``0``/``9``/``X``; elsewhere they are literals, as are
  ``; : - = / ( )``, blanks and double-quoted text (``""`` is a quote). ``_`` prints nothing and
  ``FX`` does not affect printing.
* The value is rounded half away from zero to the format's fraction digits (DuckDB ``round``; a
  DOUBLE's binary value decides its own midpoints). A value that rounds to zero has no sign.
* Sign: without ``S``/``MI`` a decimal format reserves one leading position, where ``-`` (or a
  blank) goes just before the first printed character; ``$`` goes between the sign and the digits.
  A leading ``S`` takes that position with ``+``/``-``; a trailing ``S`` prints ``+``/``-`` after
  the number. ``MI`` prints ``-`` or a blank exactly where it stands (first or last).
* Overflow (more integer digits than positions, NaN, infinity): every digit position prints
  ``#``; the sign, ``$``, the decimal point and group separators (as ``,``) keep their places:
  ``'$99.0'`` of 3987 is ``' $##.#'`` as in the TO_CHAR doc example.
* ``FM`` before the number switches to compact mode: every blank the number's elements would
  print is dropped (``'FM999,999.999'`` of 1.2 is ``'1.2'``).
* ``X`` / ``x`` are hexadecimal digits (upper / lower case; a hex ``0`` takes the case of the next
  ``X``, or of the previous one when none follows) of the value rounded to an integer. Without
  ``S``/``MI`` there is no sign position and a negative value prints as n-digit two's complement
  (``'0XXX'`` of -12 is ``'FFF4'``); with one, the sign and the absolute value print.
* NULL gives NULL.

Choices where the docs are silent (each is tested in tests/core/test_number_formats.py):

* an overflow keeps the value's sign (``'99'`` of -123 is ``'-##'``);
* a negative value fits an n-digit hex format without a sign when it is at least ``-16**n / 2``
  (its top bit is set, as "all 1's in the most significant bits" describes); below, overflow;
* ``FM`` counts only before the number; ``FM`` or a literal in the middle of the number, more
  than one sign element, ``$`` or ``B`` after the first digit, a group separator after the
  decimal point or not followed by a digit, ``9`` mixed with ``X``, a hex fraction, or
  more than 38 decimal (31 hex) digits are refused as invalid formats;
* ``TM9`` prints as before (the value's default text, which is what ``TM9`` is for a NUMBER);
  ``TM``/``TME`` and the exponent elements ``EE``..``EEEEE`` are refused as not supported.

A format that cannot be read raises ``compilation_error`` 002000 / 22023 with "Invalid format
string" (Snowflake's code for this is not documented; 002000 is its generic compilation error).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sqlglot import exp

from ..errors import ProgrammingError, compilation_error
from .duck_templates import fill

_MAX_DECIMAL_DIGITS = 38  # DECIMAL(38, s) holds every value such a format can print
_MAX_HEX_DIGITS = 31  # 16**31 and its two's complement arithmetic fit DuckDB's HUGEINT
_SYMBOLS = set(";:-=/() ")
_VALUE = "__VALUE"  # the placeholder column (duck_templates.fill)


class _Invalid(Exception):
    """Why a format is not a readable numeric format model."""


class _Unsupported(_Invalid):
    """A documented numeric format element cdcsim does not print."""


class _Malformed(_Invalid):
    """Numeric elements only, with a digit, but in an arrangement that is not a valid model: meant
    as a number's format (no date format reads this way), so an error rather than ignored."""


@dataclass(frozen=True)
class _Model:
    prefix: str  # literal text before the number
    suffix: str  # literal text after it
    compact: bool  # FM in effect at the number
    sign: str  # "slot" (default), "none" (hex default), "S<", "S>", "MI<", "MI>"
    dollar: bool
    blank_zero: bool  # B
    hex: bool
    int_cells: tuple[str, ...]  # "0", "9", "X", "x", "," (group) from left to right
    frac_cells: tuple[str, ...]  # "0", "9"
    point: bool


def _tokens(fmt: str) -> list[tuple[str, str]]:
    """(kind, text) pairs: kind is ``lit`` (text printed as is), ``fm``, or an element name."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(fmt)
    while i < n:
        c, up = fmt[i], fmt[i:].upper()
        prev = out[-1][0] if out else ""
        after_digit = prev in ("0", "9", "X")
        if c == '"':
            j, text = i + 1, []
            while True:
                if j >= n:
                    raise _Invalid("unterminated double-quoted literal")
                if fmt[j] == '"':
                    if fmt[j + 1:j + 2] == '"':
                        text.append('"')
                        j += 2
                        continue
                    break
                text.append(fmt[j])
                j += 1
            out.append(("lit", "".join(text)))
            i = j + 1
        elif up.startswith("TM"):
            raise _Invalid("text-minimal elements (TM, TM9, TME) cannot be mixed with other elements")
        elif up.startswith("EE"):
            raise _Unsupported("exponent elements (EE ... EEEEE) are not supported by cdcsim")
        elif up.startswith("FM"):
            out.append(("fm", ""))
            i += 2
        elif up.startswith("FX"):
            i += 2
        elif up.startswith("MI"):
            out.append(("MI", ""))
            i += 2
        elif c in "09":
            out.append((c, c))
            i += 1
        elif c in "Xx":
            out.append(("X", c))
            i += 1
        elif c == "." and after_digit or up[0] == "D":
            out.append(("D", ""))
            i += 1
        elif c == "," and after_digit or up[0] == "G":
            out.append(("G", ""))
            i += 1
        elif c == "$" or up[0] in "SB":
            out.append((up[0], ""))
            i += 1
        elif c == "_":
            i += 1
        elif c in _SYMBOLS or c in ".,":
            out.append(("lit", c))
            i += 1
        else:
            raise _Invalid(f"unexpected '{c}'")
    return out


@lru_cache(maxsize=256)
def _parse(fmt: str) -> _Model | str:
    """The model of ``fmt``, ``"TM9"`` for that format, or raises ``_Invalid``."""
    if re.fullmatch(r"\s*(FM)?TM9\s*", fmt, re.IGNORECASE):
        return "TM9"
    if re.fullmatch(r"\s*(FM)?(\$|S|MI|B)*TME?(S|MI)?\s*", fmt, re.IGNORECASE):
        raise _Unsupported("text-minimal formats TM and TME are not supported by cdcsim")
    toks = _tokens(fmt)
    num = [i for i, (k, _) in enumerate(toks) if k not in ("lit", "fm")]
    digits = [i for i, (k, _) in enumerate(toks) if k in ("0", "9", "X")]
    if not digits:
        raise _Invalid("no digit element (0, 9 or X)")
    first, last = num[0], num[-1]
    if any(k in ("lit", "fm") for k, _ in toks[first:last + 1]):
        raise _Malformed("literals and FM must come before or after the number, not inside it")
    compact = sum(k == "fm" for k, _ in toks[:first]) % 2 == 1
    prefix = "".join(t for k, t in toks[:first] if k == "lit")
    suffix = "".join(t for k, t in toks[last + 1:] if k == "lit")
    body = [(k, t) for k, t in toks[first:last + 1] if k != "lit"]
    d0 = next(i for i, (k, _) in enumerate(body) if k in ("0", "9", "X", "D"))
    d1 = max(i for i, (k, _) in enumerate(body) if k in ("0", "9", "X", "D", "G"))
    lead, mid, trail = body[:d0], body[d0:d1 + 1], body[d1 + 1:]
    if any(k not in ("$", "B", "S", "MI") for k, _ in lead) or any(k not in ("S", "MI") for k, _ in trail) \
            or any(k not in ("0", "9", "X", "D", "G") for k, _ in mid):
        raise _Malformed("$ and B go before the digits, S and MI before or after them")
    kinds = [k for k, _ in body]
    for once in ("$", "B", "D"):
        if kinds.count(once) > 1:
            raise _Malformed(f"'{once}' appears more than once")
    signs = [k for k, _ in lead + trail if k in ("S", "MI")]
    if len(signs) > 1:
        raise _Malformed("more than one sign element (S, MI)")
    is_hex = "X" in kinds
    if is_hex and ("9" in kinds or "D" in kinds or "$" in kinds):
        raise _Malformed("X cannot be combined with 9, a decimal point or $ (hexadecimal fractions are not supported)")
    point = "D" in kinds
    cut = kinds.index("D") - d0 if point else len(mid)
    int_part, frac_part = mid[:cut], mid[cut + 1:]
    if any(k == "G" for k, _ in frac_part):
        raise _Malformed("a group separator cannot follow the decimal point")
    for i, (k, _) in enumerate(int_part):
        if k == "G" and (i + 1 >= len(int_part) or int_part[i + 1][0] == "G"):
            raise _Malformed("a group separator must be followed by a digit")
    int_cells = tuple("," if k == "G" else (t if k == "X" else k) for k, t in int_part)
    frac_cells = tuple(k for k, _ in frac_part)
    n_digits = sum(c != "," for c in int_cells) + len(frac_cells)
    if n_digits > (_MAX_HEX_DIGITS if is_hex else _MAX_DECIMAL_DIGITS):
        raise _Malformed("too many digit positions")
    if signs:
        sign = signs[0] + ("<" if any(k == signs[0] for k, _ in lead) else ">")
    else:
        sign = "none" if is_hex else "slot"
    return _Model(prefix, suffix, compact, sign, "$" in kinds, "B" in kinds, is_hex, int_cells, frac_cells, point)


def invalid(fmt: str, reason: str) -> ProgrammingError:
    """Snowflake-style compilation error for a format TO_CHAR cannot apply to a number."""
    return compilation_error(f"Invalid format string '{fmt}' for a number: {reason}.", 2000, "22023")


def is_numeric_model(fmt: str) -> bool:
    """Whether ``fmt`` reads as a numeric format model: valid, not supported, or malformed (all of
    whose errors ``to_char`` raises); a date or binary format is not one."""
    try:
        _parse(fmt)
    except (_Unsupported, _Malformed):
        return True
    except _Invalid:
        return False
    return True


def looks_numeric(fmt: str) -> bool:
    """Whether ``fmt`` (not being a date format) was meant as a number's: it has a ``0`` or ``9``
    outside double-quoted text. Such a format that does not parse is an error, not ignored."""
    return re.search(r"[09]", re.sub(r'"(?:[^"]|"")*"', "", fmt)) is not None


def to_char(value: exp.Expression, fmt: str) -> exp.Expression:
    """The DuckDB expression printing ``value`` (any numeric expression) with the numeric format
    model ``fmt``; raises ``invalid`` for a format it cannot read."""
    try:
        model = _parse(fmt)
    except _Invalid as e:
        raise invalid(fmt, str(e)) from None
    if model == "TM9":
        return exp.cast(value.copy(), exp.DataType.build("TEXT"))
    assert isinstance(model, _Model)
    # the SQL text is cached per model, and its parse per text (duck_templates): parsing it is most
    # of a translation's cost
    return fill(_sql(model), VALUE=value)


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _hex_case(cells: tuple[str, ...]) -> list[str]:
    """Each integer cell's letter case function ("upper"/"lower"), "" for a group separator."""
    xs = [(i, c) for i, c in enumerate(cells) if c in "Xx"]
    out = []
    for i, c in enumerate(cells):
        if c == ",":
            out.append("")
            continue
        case = next((x for j, x in xs if j >= i), None) or next(x for j, x in reversed(xs) if j <= i)
        out.append("upper" if case == "X" else "lower")
    return out


@lru_cache(maxsize=256)
def _sql(m: _Model) -> str:
    """The expression's DuckDB SQL, over the placeholder column ``_VALUE``.

    Three nested lambdas bind per-row values once (the value may be a subquery or volatile):
    ``__nf_v`` the value; ``__nf_s`` its rounded text (``-`` sign, digits, ``.`` fraction) or
    ``#`` on overflow; ``__nf_d`` the digit string of exactly the format's positions (``#``s on
    overflow) and ``__nf_t`` the first printed integer position."""
    digit_cells = [c for c in m.int_cells if c != ","]
    n_int, n_frac = len(digit_cells), len(m.frac_cells)
    v = "__nf_v"
    if m.hex:
        w = f"TRY_CAST(round({v}, 0) AS HUGEINT)"
        if m.sign == "none":
            full = f"CAST('{16 ** n_int}' AS HUGEINT)"
            half = f"CAST('{16 ** n_int // 2}' AS HUGEINT)"
            text = (f"coalesce(hex(CASE WHEN {w} >= 0 THEN {w} WHEN {w} >= -{half} THEN {w} + {full} END), '#')")
        else:
            text = f"CASE WHEN round({v}, 0) < 0 THEN '-' ELSE '' END || coalesce(hex(abs({w})), '#')"
    else:
        text = (f"coalesce(CAST(TRY_CAST(round({v}, {n_frac}) AS DECIMAL(38, {n_frac})) AS VARCHAR), "
                f"CASE WHEN {v} < 0 THEN '-#' ELSE '#' END)")
    s = "__nf_s"
    neg = f"starts_with({s}, '-')"
    a = f"ltrim({s}, '-')"
    ip, fp = f"split_part({a}, '.', 1)", f"split_part({a}, '.', 2)"
    over = f"({a} = '#' OR length(ltrim({ip}, '0')) > {n_int})"
    digits = f"CASE WHEN {over} THEN {_q('#' * (n_int + n_frac))} ELSE lpad({ip}, {n_int}, '0') || {fp} END"
    z0 = next((i for i, c in enumerate(digit_cells) if c == "0"), n_int)
    keep = 0 if m.blank_zero else 1
    start = (f"CASE WHEN {over} THEN 0 ELSE "
             f"least(greatest({n_int} - greatest(length(ltrim({ip}, '0')), {keep}), 0), {z0}) END")
    z1 = max((i + 1 for i, c in enumerate(m.frac_cells) if c == "0"), default=0)
    frac_end = f"CASE WHEN {over} THEN {n_frac} ELSE greatest(length(rtrim({fp}, '0')), {z1}) END"

    d, t = "__nf_d", "__nf_t"
    # the integer digits with their group separators, then only from the first printed digit on
    pieces, groups, k = [], [], 0
    cases = _hex_case(m.int_cells) if m.hex else [""] * len(m.int_cells)
    for c, case in zip(m.int_cells, cases, strict=True):
        if c == ",":
            pieces.append("','")
            groups.append(k)
            continue
        k += 1
        piece = f"substr({d}, {k}, 1)"
        pieces.append(f"{case}({piece})" if case else piece)
    grouped = " || ".join(pieces) if pieces else "''"
    skipped = " + ".join([t] + [f"CAST({t} >= {g} AS INTEGER)" for g in groups])
    shown = f"substr({grouped}, 1 + {skipped})"

    plus = "''" if m.compact else "' '"
    lead_sign = {"slot": f"CASE WHEN {neg} THEN '-' ELSE '' END",
                 "S<": f"CASE WHEN {neg} THEN '-' ELSE '+' END"}.get(m.sign, "''")
    width = n_int + len(groups) + (m.sign in ("slot", "S<")) + m.dollar
    region = f"{lead_sign} || {_q('$' if m.dollar else '')} || {shown}"
    if not m.compact:
        region = f"lpad({region}, {width}, ' ')"
    parts = [_q(m.prefix)]
    if m.sign == "MI<":
        parts.append(f"CASE WHEN {neg} THEN '-' ELSE {plus} END")
    parts.append(region)
    if m.point:
        parts.append("'.'")
    if n_frac:
        frac = f"substr({d}, {n_int + 1}, {frac_end})"
        parts.append(frac if m.compact else f"rpad({frac}, {n_frac}, ' ')")
    if m.sign == "S>":
        parts.append(f"CASE WHEN {neg} THEN '-' ELSE '+' END")
    elif m.sign == "MI>":
        parts.append(f"CASE WHEN {neg} THEN '-' ELSE {plus} END")
    parts.append(_q(m.suffix))
    body = " || ".join(parts)
    inner = f"list_transform([{start}], lambda {t}: {body})[1]"
    per_text = f"list_transform([{digits}], lambda {d}: {inner})[1]"
    per_value = f"CASE WHEN {v} IS NULL THEN NULL ELSE list_transform([{text}], lambda {s}: {per_text})[1] END"
    return f"list_transform([{_VALUE}], lambda {v}: {per_value})[1]"


def from_text(value: exp.Expression, fmt: str, precision: int, scale: int, safe: bool) -> exp.Expression:
    """``TO_NUMBER(text, fmt, p, s)`` (and TO_DECIMAL, TO_NUMERIC, their TRY_ forms): the text read
    with the numeric format model ``fmt`` as a NUMBER(p, s) [DOC: sql-reference/functions/to_decimal].
    The model says which characters belong to the number's print and are not digits: ``$``, the
    group separators, blanks, its literal text, and where the sign stands (a trailing ``MI`` or
    ``S``). They are taken out and the rest is read as a number, rounded to ``s`` decimals; text
    that is not a number then fails with 100038 (TRY_: NULL). [INFER] The digit positions are not
    counted: more digits than the format has are read, not refused. A hexadecimal model is
    refused as not supported."""
    try:
        model = _parse(fmt)
    except _Invalid as e:
        raise invalid(fmt, str(e)) from None
    text = exp.func("trim", exp.cast(value.copy(), exp.DataType.build("VARCHAR")))
    if model == "TM9":
        # blanks inside the number are read past, as with any model ('- 0.1' is -0.1 [DOC:
        # functions/to_decimal])
        text = exp.func("regexp_replace", text, exp.Literal.string(r"\s"), exp.Literal.string(""),
                        exp.Literal.string("g"))
    else:
        assert isinstance(model, _Model)
        if model.hex:
            raise invalid(fmt, "reading hexadecimal text is not supported by cdcsim")
        strip = [re.escape(t) for t in (model.prefix.strip(), model.suffix.strip()) if t]
        if model.dollar:
            strip.append(re.escape("$"))
        if "," in model.int_cells:
            strip.append(",")
        strip.append(r"\s")
        text = exp.func("regexp_replace", text, exp.Literal.string("|".join(strip)), exp.Literal.string(""),
                        exp.Literal.string("g"))
        if model.sign in ("MI>", "S>"):
            # a sign after the digits goes before them
            text = exp.func("regexp_replace", text, exp.Literal.string(r"^(.*)([+-])$"), exp.Literal.string(r"\2\1"))
    to = exp.DataType.build(f"DECIMAL({precision}, {scale})")
    return exp.TryCast(this=text, to=to) if safe else exp.Cast(this=text, to=to)
