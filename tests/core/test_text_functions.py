"""Snowflake string functions on DuckDB (cdcsim/sql/text_functions.py): SOUNDEX and SOUNDEX_P123,
the Base64 and hex codecs, PARSE_URL and collations, against the documentation pages' examples,
NULL handling, errors, and small Python reference models."""

from __future__ import annotations

import base64
import json
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cdcsim

# --- SOUNDEX ---------------------------------------------------------------------------------------

_SOUNDEX_CODES = {c: d for d, letters in {"1": "BFPV", "2": "CGJKQSXZ", "3": "DT", "4": "L", "5": "MN",
                                          "6": "R"}.items() for c in letters}


def soundex_reference(text: str, p123: bool = False) -> str:
    """American Soundex as the National Archives states it, letter by letter: H and W are skipped
    (two letters of one code across them count once), a vowel or Y ends a run of one code, and the
    first letter's code is the start of the first run (not for SOUNDEX_P123)."""
    letters = [c for c in text.upper() if c in string.ascii_uppercase]
    if not letters:
        return ""
    digits: list[str] = []
    previous = None if p123 else _SOUNDEX_CODES.get(letters[0])
    for c in letters[1:]:
        if c in "HW":
            continue
        code = _SOUNDEX_CODES.get(c)
        if code is not None and code != previous:
            digits.append(code)
        previous = code
    return letters[0] + "".join(digits)[:3].ljust(3, "0")


def test_soundex_documented_examples(q):
    """SOUNDEX was unknown. The pages' examples: Pfister's first two letters share a code, which
    SOUNDEX codes once and SOUNDEX_P123 twice; Snowpark's Marsha / Marcia, Smith, Johnson; and the
    Soundex System's H / W rule (Ashcraft is A261, not A226) and vowel rule (Tymczak T522)."""
    assert q("SELECT SOUNDEX('Pfister'), SOUNDEX_P123('Pfister'), SOUNDEX('LLoyd'), SOUNDEX_P123('Lloyd')") == [
        ("P236", "P123", "L300", "L430")]
    assert q("SELECT SOUNDEX('Marsha'), SOUNDEX('Marcia'), SOUNDEX_P123('Smith'), SOUNDEX_P123('Johnson')") == [
        ("M620", "M620", "S530", "J525")]
    assert q("SELECT SOUNDEX('Ashcraft'), SOUNDEX('Ashcroft'), SOUNDEX('Tymczak'), SOUNDEX('Robert'), "
             "SOUNDEX('Rupert'), SOUNDEX('Lee'), SOUNDEX('Kuhne'), SOUNDEX('Ebelson')") == [
        ("A261", "A261", "T522", "R163", "R163", "L000", "K500", "E142")]
    # the letters of several words make one code; a NULL gives NULL, no letter at all ''
    assert q("SELECT SOUNDEX('I love rock and roll music.'), SOUNDEX('o''hara'), SOUNDEX(NULL), "
             "SOUNDEX_P123(NULL), SOUNDEX('+-*/')") == [("I416", "O600", None, None, "")]


def test_soundex_finds_related_rows(q):
    """The SOUNDEX page's join: 'Marsha' and 'Marcia' differ as strings but not as sounds."""
    q("CREATE TABLE sounding_board (v VARCHAR)")
    q("CREATE TABLE sounding_bored (v VARCHAR)")
    q("INSERT INTO sounding_board (v) VALUES ('Marsha')")
    q("INSERT INTO sounding_bored (v) VALUES ('Marcia')")
    assert q("SELECT * FROM sounding_board AS board, sounding_bored AS bored WHERE bored.v = board.v") == []
    assert q("SELECT * FROM sounding_board AS board, sounding_bored AS bored "
             "WHERE SOUNDEX(bored.v) = SOUNDEX(board.v)") == [("Marsha", "Marcia")]


@settings(max_examples=80, deadline=None)
@given(words=st.lists(st.text(alphabet=string.ascii_letters + "HWhwAEIOUY '-", max_size=14), min_size=1,
                      max_size=8))
def test_soundex_matches_the_reference_model(shared, words):
    values = ", ".join("(%s)" for _ in words)
    got = shared(f"SELECT column1, SOUNDEX(column1), SOUNDEX_P123(column1) FROM VALUES {values}", tuple(words))
    assert got == [(w, soundex_reference(w), soundex_reference(w, p123=True)) for w in words]


# --- Base64 and hex --------------------------------------------------------------------------------

def test_base64_encode_text_columns_and_binary(q):
    """BASE64_ENCODE of a string column failed to bind (DuckDB's to_base64 takes a BLOB only).
    The page's examples: 'Snowflake', and text with non-ASCII characters in lines of 32 with '$'
    for '+'; Snowpark's 'Data' shows the padding."""
    q("CREATE TABLE b64 (v VARCHAR, b BINARY)")
    q("INSERT INTO b64 SELECT 'Snowflake', TO_BINARY('616263', 'HEX')")
    q("INSERT INTO b64 VALUES ('Data', NULL), (NULL, NULL)")
    assert q("SELECT BASE64_ENCODE(v), BASE64_ENCODE(b) FROM b64") == [
        ("U25vd2ZsYWtl", "YWJj"), ("RGF0YQ==", None), (None, None)]
    assert q("SELECT BASE64_ENCODE('Snowflake ❄❄❄ Snowman ☃☃☃', 32, '$')") == [
        ("U25vd2ZsYWtlIOKdhOKdhOKdhCBTbm93\nbWFuIOKYg$KYg$KYgw==",)]
    # a whole line per max_line_length characters; 0 (the default) is one line; the padding
    # character is the alphabet's third
    assert q("SELECT BASE64_ENCODE(v, 4), BASE64_ENCODE(v, 0), BASE64_ENCODE(v, 0, '+/%') FROM b64 WHERE v = 'Data'") == [
        ("RGF0\nYQ==", "RGF0YQ==", "RGF0YQ%%")]


def test_base64_decode_and_its_try_forms(q):
    """TRY_BASE64_DECODE_STRING / _BINARY were unknown; the pages' examples and invalid input."""
    assert q("SELECT BASE64_DECODE_STRING('U25vd2ZsYWtl'), BASE64_DECODE_BINARY('U25vd2ZsYWtl')") == [
        ("Snowflake", b"Snowflake")]
    q("CREATE OR REPLACE TABLE base64_table (v VARCHAR, base64_string VARCHAR)")
    q("INSERT INTO base64_table (v) VALUES ('HELLO')")
    q("UPDATE base64_table SET base64_string = BASE64_ENCODE(v)")
    assert q("SELECT v, base64_string, BASE64_DECODE_STRING(base64_string) FROM base64_table") == [
        ("HELLO", "SEVMTE8=", "HELLO")]
    assert q("SELECT TRY_BASE64_DECODE_STRING('SEVMTE8='), TRY_BASE64_DECODE_STRING('invalid_base64'), "
             "TRY_BASE64_DECODE_STRING('SEVMTE8=', '$'), TRY_BASE64_DECODE_BINARY('YWJj'), "
             "TRY_BASE64_DECODE_BINARY('@@@@'), TRY_BASE64_DECODE_STRING(NULL)") == [
        ("HELLO", None, "HELLO", b"abc", None, None)]
    # the encoder's line breaks and alphabet read back
    assert q("SELECT BASE64_DECODE_STRING(BASE64_ENCODE('Snowflake ❄❄❄ Snowman ☃☃☃', 32, '$'), '$')") == [
        ("Snowflake ❄❄❄ Snowman ☃☃☃",)]
    with pytest.raises(cdcsim.DatabaseError, match="base64"):
        q("SELECT BASE64_DECODE_STRING('invalid_base64')")
    # bytes that are not UTF-8 are no string, but are a BINARY
    assert q("SELECT TRY_BASE64_DECODE_STRING('/w=='), BASE64_DECODE_BINARY('/w==')") == [(None, b"\xff")]
    with pytest.raises(cdcsim.DatabaseError, match="UTF8"):
        q("SELECT BASE64_DECODE_STRING('/w==')")


def test_hex_decode_and_its_try_forms(q):
    """TRY_HEX_DECODE_STRING was unknown, and an odd number of digits decoded (DuckDB's unhex
    accepts it). The pages' examples: either case of A-F, and '127' is no hex value."""
    assert q("SELECT HEX_DECODE_STRING('536E6F77666C616B65'), HEX_DECODE_STRING('536e6f77666c616b65')") == [
        ("Snowflake", "Snowflake")]
    q("CREATE TABLE binary_table (v VARCHAR, b BINARY)")
    q("INSERT INTO binary_table (v, b) SELECT 'HELLO', HEX_DECODE_BINARY(HEX_ENCODE('HELLO'))")
    assert q("SELECT v, b, HEX_DECODE_STRING(HEX_ENCODE(b)) FROM binary_table") == [("HELLO", b"HELLO", "HELLO")]
    q("CREATE TABLE hex (v VARCHAR, hex_string VARCHAR, garbage VARCHAR)")
    q("INSERT INTO hex (v, hex_string, garbage) SELECT 'AaBb', HEX_ENCODE('AaBb'), '127'")
    assert q("SELECT v, hex_string, TRY_HEX_DECODE_STRING(hex_string), TRY_HEX_DECODE_STRING(garbage) FROM hex") == [
        ("AaBb", "41614262", "AaBb", None)]
    assert q("SELECT TRY_HEX_DECODE_STRING('invalid_hex'), TRY_HEX_DECODE_STRING('FF'), TRY_HEX_DECODE_BINARY('FF'), "
             "TRY_HEX_DECODE_BINARY('127'), HEX_DECODE_STRING(NULL)") == [(None, None, b"\xff", None, None)]
    for call in ("HEX_DECODE_STRING('127')", "HEX_DECODE_BINARY('127')", "HEX_DECODE_STRING(garbage)"):
        with pytest.raises(cdcsim.DatabaseError, match="not a legal hex-encoded value: '127'"):
            q(f"SELECT {call} FROM hex")
    with pytest.raises(cdcsim.DatabaseError):
        q("SELECT HEX_DECODE_STRING('zz')")


_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


@settings(max_examples=80, deadline=None)
@given(text=_TEXT, width=st.integers(0, 9))
def test_base64_round_trip_and_python_encoding(shared, text, width):
    """BASE64_ENCODE of a string is Python's base64 of its UTF-8 bytes, cut into lines of
    ``width`` (0: one line), and BASE64_DECODE_STRING reads any of them back."""
    (plain, wrapped, back, back_wrapped, binary), = shared(
        "SELECT BASE64_ENCODE(s), BASE64_ENCODE(s, %s), BASE64_DECODE_STRING(BASE64_ENCODE(s)), "
        "BASE64_DECODE_STRING(BASE64_ENCODE(s, %s)), BASE64_DECODE_BINARY(BASE64_ENCODE(s)) FROM (SELECT %s AS s)",
        (width, width, text))
    want = base64.b64encode(text.encode()).decode()
    assert plain == want
    assert wrapped == ("\n".join(want[i:i + width] for i in range(0, len(want), width)) if width else want)
    assert back == back_wrapped == text
    assert binary == text.encode()


# --- PARSE_URL -------------------------------------------------------------------------------------

def _object(text: str | None) -> dict | None:
    return None if text is None else json.loads(text)


def test_parse_url_documented_examples(q):
    """PARSE_URL was unknown. The page's table of sample URLs and its queries."""
    q("CREATE OR REPLACE TABLE parse_url_test (id INT, sample_url VARCHAR)")
    q("INSERT INTO parse_url_test VALUES (1, 'mailto:abc@xyz.com'), (2, 'https://www.snowflake.com/'), "
      "(3, 'http://USER:PASS@EXAMPLE.INT:4345/HELLO.PHP?USER=1'), (4, NULL)")
    got = [_object(v) for (v,) in q("SELECT PARSE_URL(sample_url) FROM parse_url_test ORDER BY id")]
    assert got == [
        {"fragment": None, "host": None, "parameters": None, "path": "abc@xyz.com", "port": None, "query": None,
         "scheme": "mailto"},
        {"fragment": None, "host": "www.snowflake.com", "parameters": None, "path": "", "port": None, "query": None,
         "scheme": "https"},
        {"fragment": None, "host": "USER:PASS@EXAMPLE.INT", "parameters": {"USER": "1"}, "path": "HELLO.PHP",
         "port": "4345", "query": "USER=1", "scheme": "http"},
        None]
    # an OBJECT shows its keys sorted
    assert list(got[2]) == sorted(got[2])
    # the mailto URL's host is a VARIANT null, the NULL URL's a SQL NULL
    assert q("SELECT PARSE_URL(sample_url):host FROM parse_url_test ORDER BY id") == [
        ("null",), ('"www.snowflake.com"',), ('"USER:PASS@EXAMPLE.INT"',), (None,)]
    assert q("SELECT id FROM parse_url_test WHERE PARSE_URL(sample_url):port = '4345'") == [(3,)]
    assert q("SELECT id FROM parse_url_test WHERE PARSE_URL(sample_url):host = 'www.snowflake.com'") == [(2,)]
    assert q("SELECT PARSE_URL('https://example.com/path?x=1'):host::string, "
             "PARSE_URL('https://example.com/path?x=1'):parameters:x::string") == [("example.com", "1")]


def test_parse_url_parts_and_invalid_urls(q):
    """A URL without a scheme fails, or with permissive 1 is an object with the error alone."""
    (obj,), = q("SELECT PARSE_URL('https://a.example/docs/page.html?x=1&flag&y=&x=2#top', 0)")
    assert _object(obj) == {"fragment": "top", "host": "a.example", "parameters": {"flag": None, "x": "2", "y": ""},
                            "path": "docs/page.html", "port": None, "query": "x=1&flag&y=&x=2", "scheme": "https"}
    assert q("SELECT PARSE_URL('example.int/hello.php?user=12#nofragment', 1)") == [
        ('{"error":"scheme not specified"}',)]
    for call in ("PARSE_URL('example.int/hello.php?user=12#nofragment', 0)", "PARSE_URL('example.int/hello.php')"):
        with pytest.raises(cdcsim.DatabaseError, match="Error parsing URL: scheme not specified"):
            q(f"SELECT {call}")
    assert q("SELECT PARSE_URL(NULL), PARSE_URL('https://a.example/', NULL), PARSE_URL(NULL, 1)") == [(None,) * 3]


# --- collations ------------------------------------------------------------------------------------

def test_collate_case_and_accent_insensitive(q):
    """``COLLATE 'en-ci'`` failed ("Collation with name ci does not exist"). ci ignores case, ai
    accents; upper / lower convert case before comparing (Snowpark's 'sp-upper' example); a
    locale alone, cs and as compare by code point."""
    assert q("SELECT 'abc' COLLATE 'en-ci' = 'ABC', COLLATE('abc', 'en-ci') = 'ABC', 'abc' COLLATE 'en' = 'ABC', "
             "'abc' COLLATE 'en-cs' = 'ABC', 'é' COLLATE 'fr-ai' = 'e', 'É' COLLATE 'fr-ai' = 'e', "
             "'É' COLLATE 'fr-ci-ai' = 'e', 'ñ' COLLATE 'sp-upper' = 'Ñ', 'ñ' = 'Ñ', "
             "'abc' COLLATE 'utf8' = 'ABC'") == [
        (True, True, False, False, True, False, True, True, False, False)]
    q("CREATE TABLE people (id INT, name STRING)")
    q("INSERT INTO people VALUES (1, 'anna'), (2, 'Bob'), (3, 'ANNA'), (4, 'bob')")
    assert q("SELECT id FROM people WHERE name COLLATE 'en-ci' = 'Anna' ORDER BY id") == [(1,), (3,)]
    assert q("SELECT name COLLATE 'en-ci' AS n, count(*) FROM people GROUP BY 1 ORDER BY n") == [
        ("anna", 2), ("Bob", 2)]


def test_a_column_declared_with_a_collation(q):
    """``name STRING COLLATE 'en-ci'`` failed to parse in DuckDB; the column now compares without
    case, in WHERE, IN and joins, and an explicit COLLATE 'en-cs' overrides it."""
    q("CREATE TABLE users (id INT, name STRING COLLATE 'en-ci', code STRING COLLATE 'en', "
      "city STRING COLLATE 'de-ci-ai' NOT NULL)")
    q("ALTER TABLE users ADD COLUMN nick STRING COLLATE 'en-ci'")
    q("INSERT INTO users VALUES (1, 'Alice', 'Ab', 'München', 'Al'), (2, 'bob', 'ab', 'Köln', 'B')")
    assert q("SELECT id FROM users WHERE name = 'ALICE'") == [(1,)]
    assert q("SELECT id FROM users WHERE name IN ('BOB') AND code = 'ab' AND city = 'KOLN' AND nick = 'b'") == [(2,)]
    assert q("SELECT count(*) FROM users WHERE name COLLATE 'en-cs' = 'ALICE'") == [(0,)]
    assert q("SELECT u.id FROM users u JOIN (SELECT 'alice' AS n) x ON u.name = x.n") == [(1,)]
    with pytest.raises(cdcsim.IntegrityError):
        q("INSERT INTO users (id, name) VALUES (3, 'c')")


def test_collation_function_and_invalid_specifications(q):
    """COLLATION of a COLLATE expression is its specification (Snowpark's 'sp-upper' example), of
    a value without one NULL; an unknown specifier, two of one kind, and the punctuation and
    space-trimming specifiers DuckDB cannot compare by fail at compilation."""
    assert q("SELECT COLLATION(COLLATE('ñ', 'sp-upper')), COLLATION('x' COLLATE 'en-ci'), COLLATION('x')") == [
        ("sp-upper", "en-ci", None)]
    q("CREATE TABLE t (s STRING)")
    cases = {
        "SELECT 'a' COLLATE 'en-xx'": "Invalid collation specification 'en-xx': unknown specifier 'xx'",
        "SELECT 'a' COLLATE 'en-ci-cs'": "'ci' and 'cs' both set the case",
        "CREATE TABLE bad (s STRING COLLATE 'english')": "unknown specifier 'english'",
        "SELECT 'a' COLLATE 'en-ci-rtrim' = 'a '": "'rtrim' .* is not supported by cdcsim",
        "SELECT 'a' COLLATE 'en-pi' = 'a'": "'pi' .* is not supported by cdcsim",
        "SELECT COLLATION(s) FROM t": "COLLATION of a column is not supported by cdcsim",
    }
    for sql, message in cases.items():
        with pytest.raises(cdcsim.ProgrammingError, match=message) as e:
            q(sql)
        assert "SQL compilation error" in str(e.value)
