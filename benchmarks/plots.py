"""Two PNGs from a benchmark run's tables: ``python -m benchmarks.plots [--log FILE] [--out DIR]``.

* ``latency.png`` — change-to-gold latency p50 / p99 against offered rate (bench_pipeline), with
  the 1 s p99 goal, the 100 ms p50 goal and Snowflake's 60 s minimum target lag for scale.
* ``refresh.png`` — refresh time against delta size, incremental vs full (bench_refresh), per
  dynamic table when the table has a column naming it.

Input is the text ``python -m benchmarks`` logs (``print_table`` output: ``## title``, a header,
a dashes line, rows), so plots can be redrawn without re-running anything. Needs matplotlib
(``pip install matplotlib`` — the optional ``bench`` extra); nothing else in benchmarks/ does.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path

CACHE_DIR = Path(os.environ.get("CDCSIM_BENCH_DIR", "/tmp/cdcsim-bench"))
DEFAULT_OUT = Path(__file__).resolve().parent


def parse_tables(text: str) -> list[tuple[str, list[str], list[list[str]]]]:
    """Every ``print_table`` table in ``text`` as (title, header, rows of cells)."""
    tables = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("## ") and i + 2 < len(lines) and set(lines[i + 2].replace(" ", "")) == {"-"}:
            title = lines[i][3:].strip()
            # Column boundaries come from the dashes line: cells may contain single spaces.
            spans = [(m.start(), m.end()) for m in re.finditer(r"-+", lines[i + 2])]

            def cells(line: str, spans: list[tuple[int, int]] = spans) -> list[str]:
                out = []
                for j, (a, _) in enumerate(spans):
                    b = spans[j + 1][0] if j + 1 < len(spans) else len(line)
                    out.append(line[a:b].strip())
                return out

            header = cells(lines[i + 1])
            rows = []
            j = i + 3
            while j < len(lines) and lines[j].strip() and not lines[j].startswith(("#", "## ")):
                rows.append(cells(lines[j]))
                j += 1
            tables.append((title, header, rows))
            i = j
        else:
            i += 1
    return tables


def num(cell: str) -> float | None:
    m = re.search(r"-?[\d,]*\.?\d+(?:e[+-]?\d+)?", cell)
    if not m:
        return None
    try:
        return float(m.group(0).replace(",", ""))
    except ValueError:
        return None


def _col(header: list[str], *needles: str) -> int | None:
    for i, h in enumerate(header):
        if all(n in h.lower() for n in needles):
            return i
    return None


def latency_plot(tables: list[tuple[str, list[str], list[list[str]]]], out: Path) -> Path | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    found = [t for t in tables if t[0].lower().startswith("pipeline throughput")]
    if not found:
        return None
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    drawn = 0
    # One pair of lines per sweep (e.g. 10M and 1M bookings), labelled by history size.
    for title, header, rows in found:
        ci, c50, c99 = _col(header, "offered"), _col(header, "p50"), _col(header, "p99")
        cs = _col(header, "sustained")
        if ci is None or c50 is None or c99 is None:
            continue
        pts = [(num(r[ci]), num(r[c50]), num(r[c99]), num(r[cs]) if cs is not None else None) for r in rows]
        pts = [p for p in pts if p[0] is not None and p[1] is not None and p[2] is not None]
        if not pts:
            continue
        m = re.search(r"\(([\d,]+) bookings", title)
        size = f"{m.group(1)} bookings: " if m else ""
        xs = [p[0] for p in pts]
        (l50,) = ax.plot(xs, [p[1] for p in pts], "o-", label=f"{size}p50")
        ax.plot(xs, [p[2] for p in pts], "s--", color=l50.get_color(), label=f"{size}p99")
        for x, _, p99, sus in pts:
            if sus is not None:
                ax.annotate(f"{sus:,.0f}/s", (x, p99), textcoords="offset points", xytext=(4, 6), fontsize=6)
        drawn += 1
    if not drawn:
        plt.close(fig)
        return None
    t = found[0]
    ax.axhline(1000, color="tab:red", ls="--", lw=1, label="goal: p99 <= 1 s")
    ax.axhline(100, color="tab:green", ls=":", lw=1, label="goal: p50 <= 100 ms at 1K/s")
    ax.axhline(60_000, color="grey", ls="-.", lw=1, label="Snowflake min TARGET_LAG (60 s)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("offered changes/s")
    ax.set_ylabel("change -> gold latency (ms)")
    ax.set_title("Change-to-gold latency vs offered rate (labels: sustained changes/s)\n"
                 + (t[0].split("(", 1)[1].rstrip(")") if "(" in t[0] else ""), fontsize=8)
    ax.legend(fontsize=6, loc="lower right", framealpha=0.9)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    path = out / "latency.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def refresh_plot(tables: list[tuple[str, list[str], list[list[str]]]], out: Path) -> Path | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for title, header, rows in tables:
        if "refresh" not in title.lower():
            continue
        cd = _col(header, "delta")
        if cd is None:  # bench_refresh calls it "changed rows"
            cd = _col(header, "change")
        cinc, cfull = _col(header, "incr"), _col(header, "full")
        if cd is None or cinc is None or cfull is None:
            continue
        ct = _col(header, "table")
        series: dict[str, list[tuple[float, float, float]]] = {}
        for r in rows:
            d, inc, full = num(r[cd]), num(r[cinc]), num(r[cfull])
            if d is None or inc is None or full is None:
                continue
            series.setdefault(r[ct] if ct is not None else "", []).append((d, inc, full))
        if not series:
            continue
        unit = "ms" if "ms" in header[cinc].lower() else "s"
        fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
        for name, pts in series.items():
            pts.sort()
            label = f"{name} " if name else ""
            ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=f"{label}incremental")
            ax.plot([p[0] for p in pts], [p[2] for p in pts], "s--", label=f"{label}full")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("changes since the last refresh (delta size)")
        ax.set_ylabel(f"refresh time ({unit})")
        ax.set_title(title, fontsize=8)
        ax.legend(fontsize=7)
        ax.grid(True, which="both", alpha=0.3)
        fig.tight_layout()
        path = out / "refresh.png"
        fig.savefig(path)
        plt.close(fig)
        return path
    return None


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--log", default=str(CACHE_DIR / "last_run.txt"), help="tables of a run (default: %(default)s)")
    p.add_argument("--out", default=str(DEFAULT_OUT), help="directory for the PNGs (default: benchmarks/)")
    a = p.parse_args(argv)
    tables = parse_tables(Path(a.log).read_text())
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, fn in (("latency vs offered rate", latency_plot), ("refresh time vs delta size", refresh_plot)):
        path = fn(tables, out)
        print(f"{name}: {path if path else 'no matching table in ' + a.log}")


if __name__ == "__main__":
    main()
