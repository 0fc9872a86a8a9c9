"""A BINARY as text (cdcsim/sql/binary_text.py): TO_VARCHAR / TO_CHAR / ::VARCHAR write the bytes in
HEX (upper case) by default, or in the format asked for (HEX, BASE64, UTF-8); other types are
converted as before. Checked against the documentation's examples and Python's codecs."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cdcsim


def test_default_format_is_upper_case_hex(q):
    """BINARY_OUTPUT_FORMAT's default, HEX: every form of the conversion (it gave 'ABC')."""
    assert q("SELECT TO_VARCHAR(TO_BINARY('414243', 'HEX')), TO_CHAR(TO_BINARY('414243', 'HEX')), "
             "TO_BINARY('414243', 'HEX')::VARCHAR, CAST(TO_BINARY('414243', 'HEX') AS STRING), "
             "TRY_CAST(TO_BINARY('414243', 'HEX') AS TEXT), TO_VARCHAR(TO_BINARY('abcdef', 'HEX'))") == [
        ("414243", "414243", "414243", "414243", "414243", "ABCDEF")]


def test_formats_on_a_binary_column(q):
    q("CREATE TABLE b (id INT, x BINARY)")
    q("INSERT INTO b SELECT 1, TO_BINARY('00FF41', 'HEX') UNION ALL SELECT 2, TO_BINARY('SNOW', 'UTF-8') "
      "UNION ALL SELECT 3, NULL")
    assert q("SELECT id, x::VARCHAR, TO_VARCHAR(x), TO_CHAR(x, 'hex'), TO_VARCHAR(x, 'BASE64'), TO_CHAR(x, 'base64') "
             "FROM b ORDER BY id") == [
        (1, "00FF41", "00FF41", "00FF41", "AP9B", "AP9B"),
        (2, "534E4F57", "534E4F57", "534E4F57", "U05PVw==", "U05PVw=="),
        (3, None, None, None, None, None)]
    assert q("SELECT TO_VARCHAR(x, 'UTF-8'), TO_CHAR(x, 'utf8') FROM b WHERE id = 2") == [("SNOW", "SNOW")]


def test_documented_examples(q):
    """[DOC: user-guide/binary-examples] hex <-> base64 through BINARY; [DOC: to_binary] back to text."""
    q("CREATE TABLE hex_strings (c1 VARCHAR)")
    q("INSERT INTO hex_strings VALUES ('df32ede209ed5a4e3c25'), ('AB4F3C421B'), ('9324df2ecc54')")
    assert q("SELECT c1, TO_CHAR(TO_BINARY(c1, 'hex'), 'base64') FROM hex_strings ORDER BY c1") == [
        ("9324df2ecc54", "kyTfLsxU"), ("AB4F3C421B", "q088Qhs="), ("df32ede209ed5a4e3c25", "3zLt4gntWk48JQ==")]
    q("CREATE TABLE base64_strings (c1 VARCHAR)")
    q("INSERT INTO base64_strings VALUES ('3zLt4gntWk48JQ=='), ('q088Qhs='), ('kyTfLsxU')")
    assert q("SELECT c1, TO_CHAR(TO_BINARY(c1, 'base64'), 'hex') FROM base64_strings ORDER BY c1") == [
        ("3zLt4gntWk48JQ==", "DF32EDE209ED5A4E3C25"), ("kyTfLsxU", "9324DF2ECC54"), ("q088Qhs=", "AB4F3C421B")]
    q("CREATE TABLE binary_test (v VARCHAR, b BINARY)")
    q("INSERT INTO binary_test (v) VALUES ('SNOW')")
    q("UPDATE binary_test SET b = TO_BINARY(HEX_ENCODE(v), 'HEX')")
    assert q("SELECT v, HEX_DECODE_STRING(TO_VARCHAR(b, 'HEX')) FROM binary_test") == [("SNOW", "SNOW")]
    assert q("SELECT TO_VARCHAR(TO_BINARY('SNOW', 'utf-8'), 'HEX')") == [("534E4F57",)]


def test_binary_functions_and_other_types(q):
    """Calls that give a BINARY are formatted; numbers, text, dates and variant paths keep their text."""
    q("CREATE TABLE m (n NUMBER(10, 2), s STRING, d DATE, v VARIANT, x BINARY)")
    q("INSERT INTO m SELECT 12.5, 'abc', '2025-01-02', PARSE_JSON('{\"a\": \"txt\"}'), TO_BINARY('0A', 'HEX')")
    assert q("SELECT HEX_DECODE_BINARY('00ff')::VARCHAR, BASE64_DECODE_BINARY('AP9B')::VARCHAR, "
             "TO_VARCHAR(MD5_BINARY('a')) = UPPER(MD5('a')), (x)::VARCHAR FROM m") == [("00FF", "00FF41", True, "0A")]
    assert q("SELECT n::VARCHAR, TO_VARCHAR(s), s::VARCHAR, TO_CHAR(d), TO_CHAR(d, 'YYYY/MM/DD'), v:a::STRING, "
             "TO_VARCHAR(7), TO_VARCHAR(x) FROM m") == [
        ("12.50", "abc", "abc", "2025-01-02", "2025/01/02", "txt", "7", "0A")]


def test_parameters(q):
    """A bound value's type is known only when the statement runs: bytes are formatted, others not."""
    assert q("SELECT TO_VARCHAR(%s), TO_VARCHAR(%s, 'BASE64'), %s::VARCHAR, TO_VARCHAR(%s), %s::VARCHAR",
             (b"AB", b"\x00\xff", b"A", 5, "t")) == [("4142", "AP8=", "41", "5", "t")]


def test_in_a_view_and_create_table_as(q):
    """Unaliased conversions in CREATE TABLE AS keep distinct column names (the CASE had none)."""
    q("CREATE TABLE b (x BINARY, s STRING)")
    q("INSERT INTO b SELECT TO_BINARY('0102', 'HEX'), 'k'")
    q("CREATE TABLE c AS SELECT x::VARCHAR, TO_VARCHAR(s), TO_VARCHAR(x, 'BASE64') AS b64 FROM b")
    assert q("SELECT * FROM c") == [("0102", "k", "AQI=")]
    names = [r[0] for r in q("DESCRIBE TABLE c")]
    assert len(set(names)) == 3 and names[2] == "B64"
    q("CREATE VIEW v AS SELECT TO_CHAR(x), s::VARCHAR FROM b")
    assert q("SELECT * FROM v") == [("0102", "k")]


def test_invalid_utf8_fails(q):
    with pytest.raises(cdcsim.DataError, match="UTF8"):
        q("SELECT TO_VARCHAR(TO_BINARY('FF', 'HEX'), 'UTF-8')")
    assert q("SELECT TO_VARCHAR(TO_BINARY('FF', 'HEX'))") == [("FF",)]


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=24), text=st.text(st.characters(blacklist_categories=("Cs",),
                                                             blacklist_characters="\x00"), max_size=12))
def test_formats_match_python_codecs(shared, data, text):
    got = shared("SELECT TO_VARCHAR(x), x::VARCHAR, TO_CHAR(x, 'BASE64'), TO_VARCHAR(x, 'hex'), "
                 "TO_VARCHAR(TO_BINARY(y, 'UTF-8'), 'UTF-8'), TO_VARCHAR(TO_BINARY(y, 'UTF-8')) "
                 "FROM (SELECT %s::BINARY AS x, %s AS y)", (data, text))
    utf8 = text.encode()
    assert got == [(data.hex().upper(), data.hex().upper(), base64.b64encode(data).decode(), data.hex().upper(),
                    text, utf8.hex().upper())]


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=12))
def test_octet_length_and_base64_encode_of_a_binary_count_its_bytes(shared, data):
    """OCTET_LENGTH and BASE64_ENCODE of a BINARY [DOC: functions/octet_length, base64_encode] read
    its bytes: their templates' typeof() was taken for Snowflake's TYPEOF, so a BINARY went down the
    text branch (OCTET_LENGTH(X'00FF41') was 9, its BASE64_ENCODE 'XHgwMFx4RkZB')."""
    hexed = data.hex().upper()
    got = shared(f"SELECT OCTET_LENGTH(TO_BINARY('{hexed}', 'HEX')), BASE64_ENCODE(TO_BINARY('{hexed}', 'HEX'))")
    assert got == [(len(data), base64.b64encode(data).decode())]
