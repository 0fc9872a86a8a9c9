"""The property tests' shared reference rule (reference 1.4): the net change between two states
of rows keyed by identity, as a stream shows it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping


def net_rows(before: Mapping[Hashable, tuple], now: Mapping[Hashable, tuple]) -> Counter:
    """(values..., METADATA$ACTION, METADATA$ISUPDATE) counts: a row at both ends with other values
    is a DELETE and an INSERT, both ISUPDATE; a row at one end only a DELETE or an INSERT; a row
    whose values did not change nothing."""
    out: Counter = Counter()
    for ident in before.keys() | now.keys():
        b, a = before.get(ident), now.get(ident)
        if b is not None and a is not None:
            if b != a:
                out[(*b, "DELETE", True)] += 1
                out[(*a, "INSERT", True)] += 1
        elif b is not None:
            out[(*b, "DELETE", False)] += 1
        elif a is not None:
            out[(*a, "INSERT", False)] += 1
    return out
