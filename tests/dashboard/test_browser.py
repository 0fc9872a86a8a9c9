"""Real browser: `cdcsim demo` as a subprocess, driven with playwright through Debian's Chromium.

Checks the KPI cards render, makes a booking in the console for a movie of its own (M900), sees
it counted in gold within seconds, and saves a screenshot of the overview to test-artifacts/
(to docs/dashboard.png, the README's picture, when CDCSIM_UPDATE_SCREENSHOT=1). Outside CI it skips
when no Chromium or no playwright is installed; in CI (CI=true, where `.ci/run` installs both) a
missing browser is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CDCSIM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
if IN_CI:
    import playwright.sync_api as _pw  # noqa: F401 - fail, don't skip, when CI lacks it

    playwright = _pw
    assert Path(CHROMIUM).exists(), f"CI needs Chromium at {CHROMIUM} (.ci/run installs it)"
else:
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    log = (tmp_path / "demo.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cdcsim.demo",
            "--database",
            str(tmp_path / "demo.duckdb"),
            "--port",
            str(port),
            "--rate",
            "5",
            "--seed",
            "7",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(
                    f"demo exited with {proc.returncode}: {(tmp_path / 'demo.log').read_text()[-2000:]}"
                )
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        else:
            pytest.fail("demo did not start listening within 60 s")
        yield url
    finally:
        proc.terminate()  # SIGTERM: Streamlit's handler stops the server, the demo cleans up
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    assert proc.returncode == 0, (tmp_path / "demo.log").read_text()[-2000:]


def metric(page, label: str) -> str:  # noqa: ANN001 - playwright Page
    card = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return card.locator('[data-testid="stMetricValue"]').inner_text()


def test_demo_in_a_real_browser(demo: str) -> None:
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1100})
            page.goto(demo)
            page.get_by_text("Total Bookings").first.wait_for(timeout=60_000)
            for label in ("Total Bookings", "Total Revenue", "Active Revenue", "Lost Revenue"):
                assert metric(page, label).strip(), label
            assert int(metric(page, "Total Bookings").replace(",", "")) >= 5
            assert metric(page, "Total Revenue").startswith("$")

            page.get_by_text("Booking console", exact=True).click()
            page.get_by_role("button", name="Book", exact=True).wait_for(timeout=30_000)
            page.get_by_role("textbox", name="Booking id").first.fill("WEB1")
            page.get_by_role("textbox", name="Movie id").fill("M900")
            page.get_by_role("button", name="Book", exact=True).click()
            page.get_by_text("Booked WEB1").wait_for(timeout=30_000)
            # The live tracker re-renders every second; gold must count the booking within seconds.
            deadline = time.monotonic() + 15
            value = ""
            while time.monotonic() < deadline:
                value = metric(page, "5 · gold")
                if value == "1 booking":
                    break
                time.sleep(0.25)
            assert value == "1 booking"
            assert metric(page, "4 · silver") == "1 row"
            # Cancel it: the update reaches bronze as a DELETE + INSERT pair (3 events in all).
            page.get_by_role("button", name="Cancel booking").click()
            page.get_by_text("Cancelled WEB1.").wait_for(timeout=30_000)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and metric(page, "3 · bronze") != "3 rows":
                time.sleep(0.25)
            assert metric(page, "3 · bronze") == "3 rows"

            page.get_by_text("Overview", exact=True).click()
            page.get_by_text("Real-time insights").wait_for(timeout=30_000)
            page.locator(".js-plotly-plot").nth(1).wait_for(timeout=30_000)
            time.sleep(3)  # let the charts finish drawing
            out = ROOT / ("docs" if os.environ.get("CDCSIM_UPDATE_SCREENSHOT") == "1" else "test-artifacts")
            out.mkdir(exist_ok=True)
            page.screenshot(path=str(out / "dashboard.png"), full_page=False)
            assert (out / "dashboard.png").stat().st_size > 10_000
        finally:
            browser.close()
