"""Snowflake string functions DuckDB lacks or reads differently: SOUNDEX and SOUNDEX_P123, the
Base64 and hex codecs, PARSE_URL, and collations (``COLLATE``, ``COLLATION``, a column's
``COLLATE``). Every result is computed per row in DuckDB SQL.

SOUNDEX(s) [DOC: sql-reference/functions/soundex] is American Soundex as the page's "Soundex
System" (the National Archives' rules) has it: the first letter, then the codes 1-6 of the
consonants that follow (B F P V = 1, C G J K Q S X Z = 2, D T = 3, L = 4, M N = 5, R = 6), three
digits, padded with 0. Adjacent letters of one code count once, the first letter included
(``Pfister`` is P236); H and W do not separate two letters of one code (``Ashcraft`` is A261, not
A226), a vowel does (``Tymczak`` is T522). SOUNDEX_P123 [DOC: sql-reference/functions/soundex_p123]
codes the second letter even when it shares the first's code (``Pfister`` P123, ``Lloyd`` L430).
[INFER] Only the ASCII letters count and anything else is dropped first (``O'Hara`` is O600, a
blank between words neither separates nor joins); Y separates as a vowel; a string with no letter
gives ''. DuckDB has no soundex.

BASE64_ENCODE(x [, max_line_length [, alphabet]]) [DOC: sql-reference/functions/base64_encode]
encodes a BINARY's bytes, or a string's UTF-8 bytes (DuckDB's ``to_base64`` takes a BLOB only,
and sqlglot passed it a column as it was, so ``BASE64_ENCODE(name)`` failed to bind).
``max_line_length`` (default 0: one line) breaks the text every that many characters; ``alphabet``
gives up to three characters for index 62, index 63 and the padding (``'+/='`` by default, each
left out keeps its default). [INFER] Lines are broken with '\\n'; a length below 0 is one line too;
a NULL argument gives NULL. BASE64_DECODE_STRING / BASE64_DECODE_BINARY(s [, alphabet]) [DOC:
sql-reference/functions/base64_decode_string, base64_decode_binary] read such text back ([INFER]
its line breaks included) to a string (the bytes must be UTF-8) or a BINARY; invalid input fails
(DuckDB's conversion error, a DataError), and the TRY_ forms [DOC:
sql-reference/functions/try_base64_decode_string] give NULL instead. HEX_DECODE_STRING and
HEX_DECODE_BINARY [DOC: sql-reference/functions/hex_decode_string, try_hex_decode_string] take
either case of A-F; an odd number of digits fails ([INFER] in the words "not a legal hex-encoded
value"; DuckDB's unhex accepted it), and TRY_HEX_DECODE_STRING / _BINARY give NULL for it, as the
page's ``'127'`` shows.

PARSE_URL(url [, permissive]) [DOC: sql-reference/functions/parse_url] is an OBJECT (a JSON value
here) with the keys fragment, host, parameters, path, port, query and scheme: the scheme as
written, the host with any ``user:password@`` (``USER:PASS@EXAMPLE.INT``), the port as a string,
the path without its leading '/' ('' for ``https://www.snowflake.com/``), the query after '?' and
``parameters`` its ``name=value`` pairs as an object (NULL without a query); an absent part is
null. A NULL argument gives NULL. A URL without a scheme fails with "Error parsing URL: scheme not
specified", or with ``permissive`` 1 gives ``{"error": "scheme not specified"}``. [INFER] The
page's stored copy does not show the error's text: it is recalled, and the failure is a DataError
(100038) rather than Snowflake's own code; a URL with a scheme is never refused. A part the page
does not show: no '/' after the host gives a NULL path; a parameter without '=' is null; a name
given twice keeps its last value; values are not percent-decoded.

Collations [DOC: sql-reference/collation]: a specification is ``'<locale>[-<specifier>...]'``
(``'en-ci'``, ``'de-ai-ci'``, ``'utf8'``, ``''`` for none), in ``x COLLATE '<spec>'``,
``COLLATE(x, '<spec>')`` and a column's ``COLLATE '<spec>'`` in CREATE TABLE / ALTER TABLE ... ADD
COLUMN. DuckDB has the collations NOCASE and NOACCENT (and rejected Snowflake's quoted
specification: "Collation with name ci does not exist"), so:

* ``ci`` is NOCASE and ``ai`` NOACCENT (together NOCASE.NOACCENT); ``upper`` and ``lower``, which
  convert both sides to one case before comparing, are NOCASE too [INFER: the order of characters
  that sort between the upper- and lower-case letters, such as '_', may differ];
* ``cs``, ``as``, ``ps``, ``fl`` / ``fu`` and the locale are the default, code-point comparison
  (an explicit COLLATE of them overrides a column's collation, as Snowflake's does) [INFER: a
  locale's own ordering and the first-letter preference are not reproduced];
* ``pi`` (punctuation-insensitive) and ``trim`` / ``ltrim`` / ``rtrim`` have no DuckDB collation
  and fail with a compilation error that says so, rather than compare differently;
* anything else is an invalid specification [INFER: a compilation error in cdcsim's words; so is
  one specifier class given twice, such as ``ci-cs``].

COLLATION(x) [DOC: sql-reference/functions/collation] of ``x COLLATE '<spec>'`` is the
specification as written ([INFER] NULL for ``''``) and of an expression without a column NULL; cdcsim does not record a
column's collation (DESCRIBE and GET_DDL do not show it either), so COLLATION of an expression
over a column fails with a compilation error.
"""

from __future__ import annotations

import re

from sqlglot import exp

from ..errors import compilation_error
from .duck_templates import fill

_ENCODERS = (exp.Base64Encode,)
_BASE64_DECODERS = (exp.Base64DecodeString, exp.Base64DecodeBinary, exp.TryBase64DecodeString,
                    exp.TryBase64DecodeBinary)
# HEX_DECODE_BINARY parses as Unhex; sqlglot makes other Unhex nodes only while generating
_HEX_DECODERS = (exp.HexDecodeString, exp.TryHexDecodeString, exp.Unhex, exp.TryHexDecodeBinary)
_CALLS = (exp.Soundex, exp.SoundexP123, *_ENCODERS, *_BASE64_DECODERS, *_HEX_DECODERS, exp.ParseUrl)
NODES = (*_CALLS, exp.Collate, exp.Collation, exp.CollateColumnConstraint)  # a statement without one has nothing here

# --- SOUNDEX ---------------------------------------------------------------------------------------

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_GROUPS = {"1": "BFPV", "2": "CGJKQSXZ", "3": "DT", "4": "L", "5": "MN", "6": "R", "-": "HW"}
# a letter's code; vowels and Y are 0 (they separate), H and W '-' (removed before adjacent codes
# merge, so they do not separate)
_CODES = "".join(next((d for d, group in _GROUPS.items() if c in group), "0") for c in _LETTERS)
# The first letter keeps a code only to merge with the letters after it, and is then dropped.
# An H or W there gets '7', which merges with nothing; SOUNDEX_P123's first letter always does.
_FIRST_CODES = {exp.Soundex: _CODES.replace("-", "7"), exp.SoundexP123: "7" * len(_LETTERS)}


def _soundex_sql(first_codes: str) -> str:
    codes = (f"replace(translate(_sx[1], '{_LETTERS}', '{first_codes}') "
             f"|| translate(_sx[2:], '{_LETTERS}', '{_CODES}'), '-', '')")
    for digit in "123456":  # RE2 has no backreferences: one pass per code merges its runs
        codes = f"regexp_replace({codes}, '{digit}+', '{digit}', 'g')"
    return ("list_transform([upper(regexp_replace(CAST(__X AS VARCHAR), '[^A-Za-z]', '', 'g'))], lambda _sx: "
            "CASE WHEN _sx = '' THEN '' "
            f"ELSE _sx[1] || rpad(left(replace(({codes})[2:], '0', ''), 3), 3, '0') END)[1]")


_SOUNDEX = {kind: _soundex_sql(first) for kind, first in _FIRST_CODES.items()}

# --- Base64 and hex --------------------------------------------------------------------------------

_DEFAULT_ALPHABET = "+/="
# Each argument appears once in the SQL, in its place in the call: an argument used more than once
# is bound as a lambda's parameter (``list_transform([{...}], lambda _w: ...)[1]``), so it is
# computed once and a ``?`` parameter stays one placeholder, in its order.
_CHARS = f"left(_w.a || substr('{_DEFAULT_ALPHABET}', length(_w.a) + 1), 3)"  # the alphabet, defaults filled in
# typeof is folded when the statement is planned; both branches bind for any input type
_ENCODE = (
    "list_transform([{'x': __X, 'n': CAST(__N AS BIGINT), 'a': CAST(__A AS VARCHAR)}], lambda _w: "
    "list_transform([translate(to_base64(CASE WHEN typeof(_w.x) = 'BLOB' THEN CAST(_w.x AS BLOB) "
    f"ELSE encode(CAST(_w.x AS VARCHAR)) END), '{_DEFAULT_ALPHABET}', {_CHARS})], lambda _b: "
    "CASE WHEN _w.n > 0 THEN array_to_string(list_transform(range(0, length(_b), _w.n), "
    "lambda _i: _b[_i + 1:_i + _w.n]), chr(10)) WHEN _w.n <= 0 THEN _b END)[1])[1]")
_DECODE = ("list_transform([{{'x': CAST(__X AS VARCHAR), 'a': CAST(__A AS VARCHAR)}}], lambda _w: {value})[1]")
_BASE64 = f"from_base64(translate(replace(replace(_w.x, chr(10), ''), chr(13), ''), {_CHARS}, '{_DEFAULT_ALPHABET}'))"
_DECODED = {exp.Base64DecodeBinary: _BASE64, exp.Base64DecodeString: f"decode({_BASE64})",
            exp.TryBase64DecodeBinary: f"try({_BASE64})", exp.TryBase64DecodeString: f"try(decode({_BASE64}))"}
_HEX = ("list_transform([CAST(__X AS VARCHAR)], lambda _h: CASE WHEN length(_h) % 2 = 1 THEN {odd} "
        "ELSE {value} END)[1]")
_NOT_HEX = "CAST(error('The following string is not a legal hex-encoded value: ''' || _h || '''') AS {type})"


def _base64_encode(node: exp.Expression) -> exp.Expression:
    width, alphabet = node.args.get("max_line_length"), node.args.get("alphabet")
    return fill(_ENCODE, X=node.this, N=width if width is not None else exp.Literal.number(0),
                A=alphabet if alphabet is not None else exp.Literal.string(_DEFAULT_ALPHABET))


def _base64_decode(node: exp.Expression) -> exp.Expression:
    alphabet = node.args.get("alphabet")
    return fill(_DECODE.format(value=_DECODED[type(node)]), X=node.this,
                A=alphabet if alphabet is not None else exp.Literal.string(_DEFAULT_ALPHABET))


def _hex_decode(node: exp.Expression) -> exp.Expression:
    to_string = isinstance(node, (exp.HexDecodeString, exp.TryHexDecodeString))
    value = "decode(unhex(_h))" if to_string else "unhex(_h)"
    if isinstance(node, (exp.TryHexDecodeString, exp.TryHexDecodeBinary)):
        sql = _HEX.format(odd="NULL", value=f"try({value})")
    else:
        sql = _HEX.format(odd=_NOT_HEX.format(type="VARCHAR" if to_string else "BLOB"), value=value)
    return fill(sql, X=node.this)


# --- PARSE_URL -------------------------------------------------------------------------------------

# RFC 3986's split of a URI (its appendix B), with the scheme required: scheme, '//' + authority,
# path, '?' + query, '#' + fragment. A part that is absent matches ''; the separators kept in the
# groups tell an absent query or fragment from an empty one.
_URL_PATTERN = "(?s)^([A-Za-z][A-Za-z0-9+.-]*):(//[^/?#]*)?([^?#]*)([?][^#]*)?(#.*)?$"
_PARAMETERS = (
    # name=value pairs, the last of a name kept, sorted as an OBJECT's keys show
    "to_json(map_from_entries(list_sort(list_transform([list_reverse(list_transform("
    "list_filter(string_split(_u.q[2:], '&'), lambda _kv: _kv <> ''), "
    "lambda _kv: {'k': split_part(_kv, '=', 1), "
    "'v': CASE WHEN strpos(_kv, '=') > 0 THEN _kv[strpos(_kv, '=') + 1:] END}))], "
    "lambda _r: list_filter(_r, lambda _e, _i: list_position(list_transform(_r, lambda _x: _x.k), _e.k) = _i))[1])))")
_PARSE_URL = (
    "list_transform([{'u': CAST(__U AS VARCHAR), 'p': CAST(__P AS BIGINT)}], lambda _in: "
    f"list_transform([regexp_extract(_in.u, '{_URL_PATTERN}', ['s', 'a', 'p', 'q', 'f'])], "
    "lambda _u: CASE WHEN _u.s IS NULL OR _in.p IS NULL THEN NULL "
    "WHEN _u.s = '' THEN CASE WHEN _in.p <> 0 THEN json_object('error', 'scheme not specified') "
    "ELSE CAST(error('Error parsing URL: scheme not specified') AS JSON) END "
    "ELSE json_object("
    "'fragment', CASE WHEN _u.f <> '' THEN _u.f[2:] END, "
    "'host', CASE WHEN _u.a <> '' THEN regexp_replace(_u.a[3:], ':[0-9]*$', '') END, "
    f"'parameters', CASE WHEN length(_u.q) > 1 THEN {_PARAMETERS} END, "
    "'path', CASE WHEN _u.p = '' THEN NULL WHEN _u.p[1] = '/' THEN _u.p[2:] ELSE _u.p END, "
    "'port', CASE WHEN regexp_matches(_u.a, ':[0-9]+$') THEN regexp_extract(_u.a, ':([0-9]+)$', 1) END, "
    "'query', CASE WHEN _u.q <> '' THEN _u.q[2:] END, "
    "'scheme', _u.s) END)[1])[1]")


def _parse_url(node: exp.ParseUrl) -> exp.Expression:
    permissive = node.args.get("permissive")
    return fill(_PARSE_URL, U=node.this, P=permissive if permissive is not None else exp.Literal.number(0))


# --- collations ------------------------------------------------------------------------------------

# specifier -> (its class, the DuckDB collation it needs: "" none, None not available)
_SPECIFIERS: dict[str, tuple[str, str | None]] = {
    "cs": ("case", ""), "ci": ("case", "NOCASE"),
    "as": ("accent", ""), "ai": ("accent", "NOACCENT"),
    "ps": ("punctuation", ""), "pi": ("punctuation", None),
    "fl": ("first letter", ""), "fu": ("first letter", ""),
    "upper": ("case conversion", "NOCASE"), "lower": ("case conversion", "NOCASE"),
    "trim": ("trimming", None), "ltrim": ("trimming", None), "rtrim": ("trimming", None),
}
_MISSING = {"punctuation": "ignores punctuation", "trimming": "ignores leading or trailing spaces"}
_LOCALE = re.compile(r"utf8|[a-z]{2,3}(_[a-z0-9]{2,8})*", re.IGNORECASE)
_BINARY = "binary"  # DuckDB's code-point collation, named to override a column's


def _duck_collation(spec: str) -> str:
    """The DuckDB collation for a Snowflake collation specification ("binary" for the default)."""
    seen: dict[str, str] = {}
    wanted: list[str] = []
    for i, token in enumerate(spec.split("-") if spec else []):
        low = token.lower()
        if low not in _SPECIFIERS:
            if i == 0 and _LOCALE.fullmatch(token):
                continue
            raise compilation_error(f"Invalid collation specification '{spec}': unknown specifier '{token}'.")
        kind, duck = _SPECIFIERS[low]
        if kind in seen:
            raise compilation_error(f"Invalid collation specification '{spec}': '{seen[kind]}' and '{token}' "
                                    f"both set the {kind}.")
        seen[kind] = token
        if duck is None:
            raise compilation_error(f"Collation specifier '{token}' (in '{spec}') is not supported by cdcsim: DuckDB "
                                    f"has no collation that {_MISSING[kind]}.", 2000, "0A000")
        if duck and duck not in wanted:
            wanted.append(duck)
    wanted.sort(key=["NOCASE", "NOACCENT"].index)
    return ".".join(wanted) or _BINARY


def _spec(node: exp.Expression) -> str:
    if not (isinstance(node, exp.Literal) and node.is_string):
        raise compilation_error("A collation specification must be a constant string, such as 'en-ci'.")
    return node.this


def _collations(tree: exp.Expression) -> None:
    for node in list(tree.find_all(exp.Collation)):
        arg = node.this
        if isinstance(arg, exp.Collate):
            spec = _spec(arg.expression)
            _duck_collation(spec)  # an invalid one fails here as in COLLATE
            node.replace(exp.Literal.string(spec) if spec else exp.cast(exp.Null(), "VARCHAR"))
        elif arg.find(exp.Column) is None:
            node.replace(exp.cast(exp.Null(), "VARCHAR"))
        else:
            raise compilation_error("COLLATION of a column is not supported by cdcsim: it does not record "
                                    "the collation a column was declared with.", 2000, "0A000")
    for node in list(tree.find_all(exp.Collate)):
        if isinstance(node.expression, exp.Literal):
            duck = _duck_collation(_spec(node.expression))
            name = exp.to_identifier(_BINARY, quoted=True) if duck == _BINARY else exp.var(duck)
            node.set("expression", name)
    for node in list(tree.find_all(exp.CollateColumnConstraint)):
        if isinstance(node.this, exp.Literal):
            duck = _duck_collation(_spec(node.this))
            if duck == _BINARY and isinstance(node.parent, exp.ColumnConstraint):
                node.parent.pop()  # a column compares by code point unless told otherwise
            else:
                node.set("this", exp.var(duck))


def rewrite(tree: exp.Expression) -> None:
    # inner calls first: an outer call's template copies its arguments
    for node in reversed(list(tree.find_all(*_CALLS))):
        if isinstance(node, (exp.Soundex, exp.SoundexP123)):
            node.replace(fill(_SOUNDEX[type(node)], X=node.this))
        elif isinstance(node, _ENCODERS):
            node.replace(_base64_encode(node))
        elif isinstance(node, _BASE64_DECODERS):
            node.replace(_base64_decode(node))
        elif isinstance(node, _HEX_DECODERS):
            node.replace(_hex_decode(node))
        elif isinstance(node, exp.ParseUrl):
            node.replace(_parse_url(node))
    _collations(tree)
