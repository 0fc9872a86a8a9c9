"""TO_CHAR / TO_VARCHAR with numeric format models (cdcsim/sql/number_format.py).

Examples come from Snowflake's documentation; a property test compares the SQL translation with
a small pure-Python model of the same rules over random decimals."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cdcsim
from cdcsim.errors import ProgrammingError
from cdcsim.sql.translate import translate


def _one(q, sql):
    rows = q(sql)
    assert len(rows) == 1
    return rows[0]


# --- documented examples ---------------------------------------------------------------------

def test_bug_report_example(q):
    assert _one(q, "SELECT TO_CHAR(1234567.891, '9,999,999.99'), TO_VARCHAR(1234567.891, '9,999,999.99')") \
        == (" 1,234,567.89", " 1,234,567.89")


def test_to_char_page_number_examples(q):
    # docs.snowflake.com/en/sql-reference/functions/to_char, "Examples that convert numbers"
    q("CREATE TABLE convert_numbers_to_strings(column1 NUMBER(38, 3))")
    q("INSERT INTO convert_numbers_to_strings VALUES (-12.391), (0), (-1), (0.10), (0.01), (3987), (1.111)")
    rows = q("""SELECT column1, TO_CHAR(column1, '">"$99.0"<"'), TO_CHAR(column1, '">"B9,999.0"<"'),
                       TO_CHAR(column1, '">"0XXX"<"'), TO_CHAR(column1, '">"S0XXX"<"')
                FROM convert_numbers_to_strings ORDER BY column1""")
    assert [r[1:] for r in rows] == [
        (">-$12.4<", ">   -12.4<", ">FFF4<", ">-000C<"),
        ("> -$1.0<", ">    -1.0<", ">FFFF<", ">-0001<"),
        (">  $0.0<", ">      .0<", ">0000<", ">+0000<"),
        (">  $0.0<", ">      .0<", ">0000<", ">+0000<"),  # 0.01
        (">  $0.1<", ">      .1<", ">0000<", ">+0000<"),  # 0.10
        (">  $1.1<", ">     1.1<", ">0001<", ">+0001<"),
        ("> $##.#<", "> 3,987.0<", ">0F93<", ">+0F93<"),  # overflow: digits become '#'
    ]


def test_format_models_page_output_examples(q):
    # docs.snowflake.com/en/sql-reference/sql-format-models, "Output examples" (FLOAT values);
    # the page's tables do not show trailing blanks: 9 positions blank trailing fraction zeros
    q("CREATE TABLE sample_numbers (f FLOAT)")
    q("INSERT INTO sample_numbers (f) VALUES (1.2), (123.456), (1234.56), (-123456.789)")
    rows = q("""SELECT to_varchar(f, '999,999.999'), to_varchar(f, 'S000,000.000'),
                       to_varchar(f, 'S999,999.999'), to_varchar(f, 'FM999,999.999')
                FROM sample_numbers ORDER BY f""")
    assert rows == [
        ("-123,456.789", "-123,456.789", "-123,456.789", "-123,456.789"),
        ("       1.2  ", "+000,001.200", "      +1.2  ", "1.2"),
        ("     123.456", "+000,123.456", "    +123.456", "123.456"),
        ("   1,234.56 ", "+001,234.560", "  +1,234.56 ", "1,234.56"),
    ]


@pytest.mark.parametrize("fmt, twelve, minus_seven", [
    # docs.snowflake.com/en/sql-reference/sql-format-models, "Sign position for fixed-position
    # formats" and the fill mode modifier table
    ("99", " 12", " -7"),
    ("S99", "+12", " -7"),
    ("99S", "12+", " 7-"),
    ("MI99", " 12", "- 7"),
    ("99MI", "12 ", " 7-"),
    ("$99", " $12", " -$7"),
    ("FM99", "12", "-7"),
])
def test_sign_positions(q, fmt, twelve, minus_seven):
    assert _one(q, f"SELECT TO_CHAR(12, '{fmt}'), TO_CHAR(-7, '{fmt}')") == (twelve, minus_seven)


def test_literals_and_mi(q):
    # docs.snowflake.com/en/sql-reference/sql-format-models (format literals, MI example)
    assert _one(q, """SELECT to_char(12, '">"99"<"'), to_varchar(-123.45, '999.99MI'),
                             to_char(5, '"a""b" 9;')""") == ("> 12<", "123.45-", 'a"b  5;')


# --- rules and the choices where the docs are silent -----------------------------------------

def test_zero_and_fraction_zeros(q):
    # an integer part of zero prints one 0 (blank with B); 9 blanks trailing fraction zeros, 0 keeps them
    assert _one(q, "SELECT TO_CHAR(0.5, '9.99'), TO_CHAR(0.5, '0.99'), TO_CHAR(0.5, '0.90'), "
                   "TO_CHAR(0.5, 'B9.99'), TO_CHAR(0, '999'), TO_CHAR(-0.5, 'B9.9'), TO_CHAR(7, '0009')") \
        == (" 0.5 ", " 0.5 ", " 0.50", "  .5 ", "   0", " -.5", " 0007")


def test_rounding_half_away_from_zero(q):
    assert _one(q, "SELECT TO_CHAR(2.345, '9.99'), TO_CHAR(-2.345, '9.99'), TO_CHAR(2.5, '9'), "
                   "TO_CHAR(-2.5, '9'), TO_CHAR(-0.004, '0.00'), TO_CHAR(9.996, '9.99')") \
        == (" 2.35", "-2.35", " 3", "-3", " 0.00", " #.##")


def test_overflow_keeps_sign_separators_and_width(q):
    assert _one(q, "SELECT TO_CHAR(-123, '99'), TO_CHAR(12345, '9,999'), TO_CHAR(12345, 'FM9,999.9S'), "
                   "TO_CHAR('nan'::FLOAT, '999'), TO_CHAR('-inf'::FLOAT, 'S99'), TO_CHAR(1e40::FLOAT, '99')") \
        == ("-##", " #,###", "#,###.#+", " ###", "-##", " ##")


def test_hex(q):
    # unsigned without S / MI: two's complement down to -16**n / 2 [INFER], overflow below
    assert _one(q, "SELECT TO_CHAR(255, 'XXXX'), TO_CHAR(255, 'xx'), TO_CHAR(43981, '0xXx'), "
                   "TO_CHAR(-32768, 'XXXX'), TO_CHAR(-32769, 'XXXX'), TO_CHAR(65536, 'XXXX'), "
                   "TO_CHAR(-255, 'S0x'), TO_CHAR(-255, 'XXXMI'), TO_CHAR(0, 'XX'), TO_CHAR(1.5, '0X'), "
                   "TO_CHAR(65535, 'XX,XX')") \
        == ("  FF", "ff", "abCd", "8000", "####", "####", "-ff", " FF-", " 0", "02", "FF,FF")


def test_dot_and_comma_not_after_a_digit_are_literals(q):
    # "." and "," are elements only after 0, 9 or X; D is a decimal point anywhere
    assert _one(q, "SELECT TO_CHAR(0.5, '.99'), TO_CHAR(0.5, 'D99'), TO_CHAR(12, ',99')") \
        == (".  1", " .5 ", ", 12")


def test_tm9_keeps_the_default_text(q):
    assert _one(q, "SELECT TO_CHAR(1.50, 'TM9'), TO_CHAR(3::NUMBER(10, 2), 'tm9')") == ("1.50", "3.00")


def test_values_of_every_kind(q):
    q("CREATE TABLE v (g INT, n NUMBER(10, 2), f FLOAT, i BIGINT)")
    q("INSERT INTO v VALUES (1, 1.25, 0.5, 10), (1, 2.5, -1.5, -10), (2, -3, NULL, 3)")
    assert q("SELECT g, TO_CHAR(SUM(n), '999.99'), TO_CHAR(MAX(i), 'FM9,999') FROM v GROUP BY g ORDER BY g") \
        == [(1, "   3.75", "10"), (2, "  -3.  ", "3")]
    assert q("SELECT TO_CHAR(f, 'S0.0'), TO_CHAR(i * 2, '999'), TO_CHAR(SUM(n) OVER (ORDER BY g, n), '99.9') "
             "FROM v ORDER BY g, n") == [("+0.5", "  20", "  1.3"), ("-1.5", " -20", "  3.8"), (None, "   6", "  0.8")]
    assert _one(q, "SELECT TO_CHAR((SELECT MAX(n) FROM v), '0.00')") == (" 2.50",)


def test_the_value_is_evaluated_once(con):
    sql = translate("SELECT TO_CHAR(RANDOM(), '9,999.99S') AS r", con._session.context()).sql
    assert sql.upper().count("RANDOM(") == 1


def test_literal_values_in_repeated_statements(q):
    q("CREATE TABLE t (id INT, n NUMBER(10, 2))")
    q("INSERT INTO t VALUES (1, 1.5), (2, -22.25)")
    for fmt, want in [("99.9", ["  1.5", "-22.3"]), ("S00.00", ["+01.50", "-22.25"]), ("FM99", ["2", "-22"])]:
        assert [_one(q, f"SELECT TO_CHAR(n, '{fmt}') FROM t WHERE id = {i}")[0] for i in (1, 2)] == want


# --- NULL and bad formats --------------------------------------------------------------------

def test_null(q):
    q("CREATE TABLE n (x NUMBER(10, 2))")
    q("INSERT INTO n VALUES (NULL), (1)")
    assert q("SELECT TO_CHAR(x, '9.99'), TO_VARCHAR(x, 'S0X'), TO_CHAR(x, 'FM$9') FROM n ORDER BY x NULLS FIRST") \
        == [(None, None, None), (" 1.  ", "+01", "$1")]
    assert _one(q, "SELECT TO_CHAR(NULL, '999'), TO_CHAR(NULL::FLOAT, 'XX')") == (None, None)


@pytest.mark.parametrize("fmt", ["9Q9", "99.9.9", "S99S", "99$", "9X", "X.X", "9,", '9"a"9', "9.9,9",
                                 "9FM9", "9.99EEEE", "TME", "TM", '"abc 9', "9" * 39])
def test_bad_format_is_a_compilation_error(q, fmt):
    q("CREATE TABLE ok (x INT)")
    q("INSERT INTO ok VALUES (1)")
    with pytest.raises(ProgrammingError) as e:
        q(f"SELECT TO_CHAR(x, '{fmt}') FROM ok")
    assert e.value.errno == 2000 and e.value.sqlstate == "22023"
    assert "Invalid format string" in e.value.msg
    # nothing else is affected: the session, numeric and date formats still work
    assert _one(q, "SELECT TO_CHAR(x, '99'), TO_CHAR('2025-01-02'::DATE, 'YYYY-MM'), TO_CHAR(x) FROM ok") \
        == ("  1", "2025-01", "1")


# --- property: the SQL agrees with a pure-Python model ---------------------------------------

def _reference(value: Decimal | None, fmt: str) -> str | None:
    """Snowflake's fixed-position rules, cell by cell (formats without literals)."""
    if value is None:
        return None
    compact = fmt.upper().startswith("FM")
    body = fmt[2:] if compact else fmt
    sign_kind, lead_sign, dollar, blank_zero = None, False, False, False
    while body[:1].upper() in ("$", "B", "S", "M") and not body[:1].isdigit():
        head = "MI" if body[:2].upper() == "MI" else body[0].upper()
        if head == "$":
            dollar = True
        elif head == "B":
            blank_zero = True
        else:
            sign_kind, lead_sign = head, True
        body = body[len(head):]
    for tail in ("MI", "S"):
        if body.upper().endswith(tail):
            sign_kind, body = tail, body[:-len(tail)]
    body = body.replace("G", ",").replace("D", ".")
    int_fmt, _, frac_fmt = body.partition(".")
    is_hex = "X" in body.upper()
    n_int = sum(c != "," for c in int_fmt)
    n_frac = len(frac_fmt)

    q = value.quantize(Decimal(1).scaleb(-n_frac), rounding=ROUND_HALF_UP)
    neg = q < 0
    if is_hex and sign_kind is None:
        neg = False
        q = q if q >= 0 else (q + 16 ** n_int if q >= -(16 ** n_int) // 2 else None)
    whole = None if q is None else int(abs(q))
    int_text = "" if whole is None else (format(whole, "X") if is_hex else str(whole))
    frac_text = "" if q is None else format(abs(q), "f").partition(".")[2]
    overflow = q is None or (whole != 0 and len(int_text) > n_int)

    int_digits = "#" * n_int if overflow else int_text.rjust(n_int, "0")[-n_int:] if n_int else ""
    sig = 0 if overflow else n_int - len(int_text.lstrip("0"))  # first significant position
    positions = int_fmt.replace(",", "")
    first_zero = positions.find("0") if "0" in positions else n_int
    xs = [c for c in positions if c in "Xx"]
    cells: list[str] = []  # the integer cells, blank where not printed
    k = 0
    for c in int_fmt:
        if c == ",":
            cells.append(" " if cells[-1] == " " else ",")
            continue
        shown = overflow or k >= min(sig, first_zero) or (whole == 0 and not blank_zero and k == n_int - 1)
        later = [x for x in positions[k:] if x in "Xx"]
        case = c if c in "Xx" else (later[0] if later else xs[-1] if xs else "X")
        cells.append((int_digits[k].lower() if case == "x" else int_digits[k]) if shown else " ")
        k += 1
    # the sign slot and $ take the blank cells just left of the first printed one
    extra = ([" "] if sign_kind is None and not is_hex or sign_kind == "S" and lead_sign else []) \
        + ([" "] if dollar else [])
    region = extra + cells
    at = next((i for i, c in enumerate(region) if c != " "), len(region))
    floating = (["$"] if dollar else [])
    if sign_kind is None and not is_hex:
        floating = (["-"] if neg else [" "]) + floating
    elif sign_kind == "S" and lead_sign:
        floating = (["-" if neg else "+"]) + floating
    for ch in reversed(floating):
        at -= 1
        region[at] = ch
    out = "".join(region)
    if sign_kind == "MI" and lead_sign:
        out = ("-" if neg else " ") + out
    if "." in body:
        out += "."
    if n_frac:
        digits = "#" * n_frac if overflow else frac_text
        last_zero = frac_fmt.rfind("0") + 1
        keep = max(len(digits.rstrip("0")), last_zero) if not overflow else n_frac
        out += digits[:keep].ljust(n_frac)
    if sign_kind == "S" and not lead_sign:
        out += "-" if neg else "+"
    elif sign_kind == "MI" and not lead_sign:
        out += "-" if neg else " "
    return out.replace(" ", "") if compact else out


_DECIMAL_FORMATS = ["9,999,999.99", "999.99MI", "S999.9", "99S", "MI99", "$9,990.00", "FM9,999.99", "B99.9",
                    "0000.00", "9", "99.999", "S$999", "FM$0.0S", "9G999D99", "FMMI99.9", "0.9090"]
_HEX_FORMATS = ["XXXX", "0xxx", "S0XXX", "XXXXMI", "FMXXXX", "X,XXX", "BXX"]


def _table_of(q, values: list, kind: str) -> None:
    """One row per value, in order (the SELECT over it keeps its text, so it is translated once)."""
    q(f"CREATE TABLE IF NOT EXISTS nf_{kind} (i INT, v {'NUMBER(38, 4)' if kind == 'dec' else 'INT'})")
    q(f"DELETE FROM nf_{kind}")
    rows = ", ".join(f"({i}, {'NULL' if v is None else format(v, 'f')})" for i, v in enumerate(values))
    q(f"INSERT INTO nf_{kind} VALUES {rows}")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.none(),
                          st.decimals(min_value=-10 ** 7, max_value=10 ** 7, places=4, allow_nan=False),
                          st.integers(-10 ** 6, 10 ** 6).map(Decimal)), min_size=1, max_size=12))
def test_decimal_formats_match_the_reference(q, values):
    _table_of(q, values, "dec")
    cols = ", ".join(f"TO_CHAR(v, '{f}')" for f in _DECIMAL_FORMATS)
    assert q(f"SELECT {cols} FROM nf_dec ORDER BY i") == [
        tuple(_reference(v, f) for f in _DECIMAL_FORMATS) for v in values]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(-70000, 70000), min_size=1, max_size=12))
def test_hex_formats_match_the_reference(q, values):
    _table_of(q, values, "hex")
    cols = ", ".join(f"TO_CHAR(v, '{f}')" for f in _HEX_FORMATS)
    assert q(f"SELECT {cols} FROM nf_hex ORDER BY i") == [
        tuple(_reference(Decimal(v), f) for f in _HEX_FORMATS) for v in values]


def test_reference_model_agrees_with_the_docs():
    # the model itself, on documented results, so the property tests compare against the docs' rules
    assert _reference(Decimal("-12.391"), "$99.0") == "-$12.4"
    assert _reference(Decimal("3987"), "$99.0") == " $##.#"
    assert _reference(Decimal("0"), "B9,999.0") == "      .0"
    assert _reference(Decimal("-12"), "0XXX") == "FFF4"
    assert _reference(Decimal("1.2"), "S000,000.000") == "+000,001.200"
    assert _reference(Decimal("-7"), "MI99") == "- 7"


def test_to_number_reads_text_with_a_format_model(q):
    """TO_NUMBER / TO_DECIMAL / TRY_TO_NUMBER with a format: group separators, $, a trailing MI or
    S, and the precision and scale (sqlglot cast the text to a DOUBLE: '1,234.5' failed)."""
    row = q("SELECT TO_NUMBER('1,234.5', '9,999.9', 10, 1), TO_DECIMAL('$1,234.56', '$9,999.99', 10, 2), "
            "TO_NUMBER('12-', '99MI'), TO_NUMBER(' 12+', '99S'), TO_NUMBER('-12', 'S99'), "
            "TO_NUMBER('12.3456', '99.9999', 10, 1), TRY_TO_NUMBER('abc', '999')")[0]
    assert row == (Decimal("1234.5"), Decimal("1234.56"), -12, 12, -12, Decimal("12.3"), None)
    with pytest.raises(cdcsim.DataError) as e:
        q("SELECT TO_NUMBER('abc', '999')")
    assert e.value.errno == 100038


_ROUND_TRIP_FORMATS = ["9,999,999.99", "$9,999,999.00", "S9999999.99", "9999999.99MI", "FM9,999,999.99", "0000000.00S"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cents=st.integers(-999_999_999, 999_999_999), fmt=st.sampled_from(_ROUND_TRIP_FORMATS))
def test_to_number_reads_back_what_to_char_prints(q, cents, fmt):
    value = Decimal(cents).scaleb(-2)
    (got,), = q(f"SELECT TO_NUMBER(TO_CHAR({value}::NUMBER(12, 2), '{fmt}'), '{fmt}', 12, 2)")
    assert got == value
