"""The booking console's rules: what the application refuses before anything reaches the database.

The pipeline flags doubtful rows (is_valid_booking = FALSE) but an application must not write
nonsense in the first place: missing or malformed ids, zero or negative tickets, absurd prices,
dates far in the past or future. Every rule gives a message a workshop audience can read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
MAX_TICKETS = 50
MAX_PRICE = Decimal("500.00")
MAX_DAYS_AHEAD = 365
EARLIEST = datetime(2000, 1, 1)


@dataclass(frozen=True)
class BookingRequest:
    booking_id: str
    customer_id: str
    movie_id: str
    booking_date: datetime
    ticket_count: int
    ticket_price: Decimal


def validate_booking(
    booking_id: Any,
    customer_id: Any,
    movie_id: Any,
    booking_date: Any,
    ticket_count: Any,
    ticket_price: Any,
    *,
    now: datetime,
) -> tuple[BookingRequest | None, list[str]]:
    """A clean request, or None and the list of reasons it was refused."""
    errors: list[str] = []
    ids = {}
    for label, value in (("Booking id", booking_id), ("Customer id", customer_id), ("Movie id", movie_id)):
        text = str(value).strip() if value is not None else ""
        if not text:
            errors.append(f"{label} is required.")
        elif not ID_PATTERN.match(text):
            errors.append(f"{label} must be 1-32 letters, digits, '-' or '_' (got {text[:40]!r}).")
        ids[label] = text
    try:
        tickets = int(ticket_count)
        if tickets != ticket_count and not isinstance(ticket_count, str):
            raise ValueError
    except (TypeError, ValueError):
        tickets = None
        errors.append("Ticket count must be a whole number.")
    if tickets is not None and tickets <= 0:
        errors.append("Ticket count must be at least 1.")
    elif tickets is not None and tickets > MAX_TICKETS:
        errors.append(f"Ticket count above {MAX_TICKETS} is not a booking, it's a venue hire.")
    try:
        price = Decimal(str(ticket_price)).quantize(Decimal("0.01"))
        if not price.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError, TypeError):
        price = None
        errors.append("Ticket price must be a number.")
    if price is not None and price <= 0:
        errors.append("Ticket price must be positive.")
    elif price is not None and price > MAX_PRICE:
        errors.append(f"Ticket price above {MAX_PRICE} looks like a typo.")
    if not isinstance(booking_date, datetime):
        errors.append("Booking date and time are required.")
    elif booking_date > now + timedelta(days=MAX_DAYS_AHEAD):
        errors.append(f"Booking date is more than {MAX_DAYS_AHEAD} days in the future.")
    elif booking_date < EARLIEST:
        errors.append(f"Booking date is before {EARLIEST:%Y}.")
    if errors:
        return None, errors
    return (
        BookingRequest(ids["Booking id"], ids["Customer id"], ids["Movie id"], booking_date, tickets, price),
        [],
    )
