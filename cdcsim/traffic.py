"""Booking traffic for the movie-booking example: what a booking application would write.

Owns three things:

* ``BookingGenerator`` — a deterministic (seeded) source of booking activity: new bookings for a
  catalogue of movies (titles, genres, showtimes, price tiers) by a customer base with a few
  regulars, group sizes, cancellations some minutes after booking (an UPDATE to
  ``status = 'CANCELLED'``), rare deletions and a configurable small rate of invalid records
  (zero tickets, missing customer) so the data-quality metrics have something to show.
  It only decides *what* happens; it never reads a clock itself, so the same seed and the same
  sequence of ``now`` values give the same activity.
* ``write_batch`` / ``TrafficRunner`` — write that activity through any DB-API connection (cdcsim
  or snowflake.connector) in batches, at a configurable bookings-per-second rate, optionally in a
  background thread with ``stop()``.
* ``bulk_history`` / ``load_history`` — a vectorised history of N bookings (numpy, no per-row
  Python) for benchmarks and dashboards that need volume.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

TABLE = "raw_movie_bookings"
INSERT_COLUMNS = (
    "booking_id",
    "customer_id",
    "movie_id",
    "booking_date",
    "status",
    "ticket_count",
    "ticket_price",
)


@dataclass(frozen=True)
class Movie:
    movie_id: str
    title: str
    genre: str
    showtimes: tuple[str, ...]
    price_tier: str  # BUDGET / STANDARD / PREMIUM, the seed's price categories
    popularity: float


# Prices per tier straddle the seed's category bounds (<10 BUDGET, 10-20 STANDARD, >20 PREMIUM).
PRICE_TIERS: dict[str, tuple[str, ...]] = {
    "BUDGET": ("7.50", "8.00", "9.50"),
    "STANDARD": ("12.00", "14.50", "16.00", "18.00"),
    "PREMIUM": ("22.00", "24.50", "28.00"),
}

MOVIES: tuple[Movie, ...] = (
    Movie("M001", "The Last Projection", "Drama", ("14:00", "19:30"), "STANDARD", 1.0),
    Movie("M002", "Stream of Consciousness", "Sci-Fi", ("16:15", "21:00"), "PREMIUM", 1.6),
    Movie("M003", "Offset Zero", "Thriller", ("18:00", "22:30"), "STANDARD", 1.2),
    Movie("M004", "Tasks at Midnight", "Horror", ("23:59",), "BUDGET", 0.6),
    Movie("M005", "Dynamic Tables", "Comedy", ("12:00", "17:45", "20:15"), "STANDARD", 1.4),
    Movie("M006", "The Delta", "Documentary", ("11:00",), "BUDGET", 0.4),
    Movie("M007", "Lag of the Target", "Action", ("15:30", "19:00", "22:00"), "PREMIUM", 1.8),
    Movie("M008", "Snowfall over DuckDB", "Animation", ("10:00", "13:30"), "BUDGET", 0.9),
)

# Group sizes 1..8; mostly singles and couples, occasionally a large group (>= 5).
GROUP_SIZES = np.arange(1, 9)
GROUP_WEIGHTS = np.array([0.30, 0.32, 0.12, 0.12, 0.06, 0.04, 0.02, 0.02])


@dataclass
class Batch:
    """One round of activity: rows to insert, booking ids to cancel, booking ids to delete."""

    inserts: list[tuple[Any, ...]] = field(default_factory=list)
    cancels: list[str] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.inserts) + len(self.cancels) + len(self.deletes)


class BookingGenerator:
    """Deterministic booking activity. All randomness comes from one seeded numpy Generator."""

    def __init__(
        self,
        seed: int = 42,
        *,
        invalid_rate: float = 0.02,
        cancel_rate: float = 0.12,
        delete_rate: float = 0.005,
        cancel_after_minutes: tuple[float, float] = (1.0, 20.0),
        customers: int = 400,
        id_prefix: str = "T",
        movies: Sequence[Movie] = MOVIES,
    ):
        for name, rate in (
            ("invalid_rate", invalid_rate),
            ("cancel_rate", cancel_rate),
            ("delete_rate", delete_rate),
        ):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {rate}")
        self.rng = np.random.default_rng(seed)
        self.invalid_rate = invalid_rate
        self.cancel_rate = cancel_rate
        self.delete_rate = delete_rate
        self.cancel_after = cancel_after_minutes
        self.customers = customers
        self.id_prefix = id_prefix
        self.movies = tuple(movies)
        pop = np.array([m.popularity for m in self.movies], dtype=float)
        self._movie_p = pop / pop.sum()
        # A few regulars book far more often than the rest (Zipf-like weights).
        cw = 1.0 / np.arange(1, customers + 1) ** 0.8
        self._customer_p = cw / cw.sum()
        self._counter = 0
        self._pending_cancels: list[tuple[datetime, str]] = []  # min-heap by due time
        self._live: list[str] = []  # bookings that may still be deleted
        self._gone: set[str] = set()  # deleted: never cancel them afterwards

    def _price(self, movie: Movie) -> Decimal:
        tier = PRICE_TIERS[movie.price_tier]
        return Decimal(tier[int(self.rng.integers(len(tier)))])

    def new_booking(self, now: datetime) -> tuple[Any, ...]:
        """One new booking row (INSERT_COLUMNS order), valid or, at ``invalid_rate``, invalid."""
        self._counter += 1
        booking_id = f"{self.id_prefix}{self._counter:07d}"
        movie = self.movies[int(self.rng.choice(len(self.movies), p=self._movie_p))]
        customer: str | None = f"C{int(self.rng.choice(self.customers, p=self._customer_p)) + 1:04d}"
        tickets = int(self.rng.choice(GROUP_SIZES, p=GROUP_WEIGHTS))
        price = self._price(movie)
        if self.rng.random() < self.invalid_rate:
            # The two defects a booking front end lets through most: zero tickets, lost customer.
            if self.rng.random() < 0.5:
                tickets = 0
            else:
                customer = None
        row = (booking_id, customer, movie.movie_id, now.replace(microsecond=0), "BOOKED", tickets, price)
        if self.rng.random() < self.cancel_rate:
            lo, hi = self.cancel_after
            due = now + timedelta(minutes=float(self.rng.uniform(lo, hi)))
            heapq.heappush(self._pending_cancels, (due, booking_id))
        self._live.append(booking_id)
        if len(self._live) > 10_000:
            # Bounded memory on long demos; old bookings just stop being deletion candidates.
            del self._live[:5_000]
        return row

    def batch(self, n_new: int, now: datetime) -> Batch:
        """The activity of one round at time ``now``: ``n_new`` bookings, due cancellations, deletions."""
        out = Batch()
        while self._pending_cancels and self._pending_cancels[0][0] <= now:
            _, booking_id = heapq.heappop(self._pending_cancels)
            if booking_id not in self._gone:
                out.cancels.append(booking_id)
        for _ in range(n_new):
            out.inserts.append(self.new_booking(now))
        # Deletions are rare and only of bookings written in an earlier round.
        candidates = len(self._live) - n_new
        if candidates > 0 and self.rng.random() < self.delete_rate * max(n_new, 1):
            victim = self._live.pop(int(self.rng.integers(candidates)))
            self._gone.add(victim)
            out.deletes.append(victim)
            if victim in out.cancels:
                out.cancels.remove(victim)
        return out


def _placeholders(n: int, width: int) -> str:
    # Only counts shape the SQL text; every value travels as a bind parameter.
    one = "(" + ", ".join(["?"] * width) + ")"
    return ", ".join([one] * n)


def write_batch(con: Any, batch: Batch, *, paramstyle: str = "qmark") -> None:
    """Write one batch through a DB-API connection: one multi-row INSERT, one UPDATE, one DELETE."""
    cur = con.cursor()
    try:
        if batch.inserts:
            sql = f"INSERT INTO {TABLE} ({', '.join(INSERT_COLUMNS)}) VALUES " + _placeholders(
                len(batch.inserts), len(INSERT_COLUMNS)
            )
            params: list[Any] = [v for row in batch.inserts for v in row]
            cur.execute(_style(sql, paramstyle), params)
        if batch.cancels:
            sql = (
                f"UPDATE {TABLE} SET status = 'CANCELLED', updated_at = CURRENT_TIMESTAMP() "
                f"WHERE status = 'BOOKED' AND booking_id IN ({', '.join(['?'] * len(batch.cancels))})"
            )
            cur.execute(_style(sql, paramstyle), list(batch.cancels))
        if batch.deletes:
            sql = f"DELETE FROM {TABLE} WHERE booking_id IN ({', '.join(['?'] * len(batch.deletes))})"
            cur.execute(_style(sql, paramstyle), list(batch.deletes))
    finally:
        cur.close()


def _style(sql: str, paramstyle: str) -> str:
    # snowflake.connector defaults to pyformat; our SQL has no literal '?' or '%' of its own.
    return sql.replace("?", "%s") if paramstyle in ("pyformat", "format") else sql


class TrafficRunner:
    """Writes generated traffic at ``rate`` bookings/second, in a background thread until ``stop()``.

    Every ``interval`` seconds it writes one batch; fractional bookings carry over so the long-run
    rate is exact. Errors are counted and kept (``last_error``) rather than killing the thread, as
    a booking application keeps serving while its database hiccups.
    """

    def __init__(
        self,
        con: Any,
        generator: BookingGenerator | None = None,
        *,
        rate: float = 2.0,
        interval: float = 0.5,
        now: Callable[[], datetime] = datetime.now,
        paramstyle: str = "qmark",
    ):
        if rate < 0 or interval <= 0:
            raise ValueError("rate must be >= 0 and interval > 0")
        self.con = con
        self.generator = generator or BookingGenerator()
        self.rate = rate
        self.interval = interval
        self.now = now
        self.paramstyle = paramstyle
        self.written = {"inserts": 0, "cancels": 0, "deletes": 0, "errors": 0}
        self.last_error: BaseException | None = None
        self._carry = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def step(self) -> Batch:
        """Generate and write one batch (also usable without the thread, e.g. in tests)."""
        self._carry += self.rate * self.interval
        n = int(self._carry)
        self._carry -= n
        batch = self.generator.batch(n, self.now())
        if len(batch):
            try:
                write_batch(self.con, batch, paramstyle=self.paramstyle)
            except Exception as exc:  # keep serving; surface through stats
                self.written["errors"] += 1
                self.last_error = exc
                return batch
            self.written["inserts"] += len(batch.inserts)
            self.written["cancels"] += len(batch.cancels)
            self.written["deletes"] += len(batch.deletes)
        return batch

    def start(self) -> TrafficRunner:
        if self._thread is not None:
            raise RuntimeError("traffic already started")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="cdcsim-traffic", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.step()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


def bulk_history(
    n: int,
    *,
    seed: int = 7,
    start: datetime = datetime(2025, 9, 1),
    days: int = 30,
    invalid_rate: float = 0.02,
    cancel_rate: float = 0.12,
    id_prefix: str = "H",
    movies: Sequence[Movie] = MOVIES,
    customers: int = 400,
) -> pd.DataFrame:
    """``n`` bookings spread over ``days`` from ``start``, as a DataFrame in INSERT_COLUMNS order.

    Vectorised: every column is drawn at once with numpy. Cancellations are already applied
    (status CANCELLED), as a history snapshot would show them.
    """
    rng = np.random.default_rng(seed)
    movies = tuple(movies)
    pop = np.array([m.popularity for m in movies], dtype=float)
    movie_idx = rng.choice(len(movies), size=n, p=pop / pop.sum())
    cw = 1.0 / np.arange(1, customers + 1) ** 0.8
    cust = rng.choice(customers, size=n, p=cw / cw.sum()) + 1
    tickets = rng.choice(GROUP_SIZES, size=n, p=GROUP_WEIGHTS)
    # Price: a uniform pick inside each movie's tier.
    tier_prices = [np.array([float(p) for p in PRICE_TIERS[m.price_tier]]) for m in movies]
    pick = rng.random(n)
    prices = np.empty(n)
    for i, tp in enumerate(tier_prices):
        mask = movie_idx == i
        prices[mask] = tp[(pick[mask] * len(tp)).astype(int)]
    seconds = np.sort(rng.integers(0, days * 86_400, size=n))
    booking_date = pd.Timestamp(start) + pd.to_timedelta(seconds, unit="s")
    status = np.where(rng.random(n) < cancel_rate, "CANCELLED", "BOOKED")
    invalid = rng.random(n) < invalid_rate
    zero = invalid & (rng.random(n) < 0.5)
    tickets = np.where(zero, 0, tickets)
    customer_ids = pd.Series(np.char.add("C", np.char.zfill(cust.astype(str), 4)), dtype=object)
    customer_ids[invalid & ~zero] = None
    movie_ids = np.array([m.movie_id for m in movies])[movie_idx]
    ids = np.char.add(id_prefix, np.char.zfill(np.arange(1, n + 1).astype(str), 7))
    return pd.DataFrame(
        {
            "booking_id": ids,
            "customer_id": customer_ids,
            "movie_id": movie_ids,
            "booking_date": booking_date,
            "status": status,
            "ticket_count": tickets.astype("int64"),
            "ticket_price": np.round(prices, 2),
        },
        columns=list(INSERT_COLUMNS),
    )


def load_history(con: Any, frame: pd.DataFrame, *, chunk: int = 250) -> int:
    """Insert a ``bulk_history`` frame through the connection in multi-row INSERT chunks.

    Chunks stay small because statement translation grows faster than linearly with the
    number of VALUES rows (measured on cdcsim: 250 rows per statement beat 2,000 by 2-3x).
    """
    cur = con.cursor()
    total = 0
    try:
        for lo in range(0, len(frame), chunk):
            part = frame.iloc[lo : lo + chunk]
            rows = part.astype(object).where(part.notna(), None).itertuples(index=False, name=None)
            params = [v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for row in rows for v in row]
            sql = f"INSERT INTO {TABLE} ({', '.join(INSERT_COLUMNS)}) VALUES " + _placeholders(
                len(part), len(INSERT_COLUMNS)
            )
            cur.execute(sql, params)
            total += len(part)
    finally:
        cur.close()
    return total
