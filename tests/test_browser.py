"""The HTML pages in a real browser: headless Chromium loads them with no console error, fetches
nothing, and shows every chart.

Chromium and its driver come from the system's packages (`.ci/run` installs them). Without them the
test is skipped on a developer's machine, and fails under CI (CI=true), where they must be there.
Set REPORT_SCREENSHOTS to a folder to keep the screenshots and look at them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

import optimizer

CHROMIUM = Path("/usr/bin/chromium")
DRIVER = Path("/usr/bin/chromedriver")
OPTIONS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,900")


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM.exists() and DRIVER.exists()):
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium or chromedriver is missing under CI: .ci/run installs chromium and chromium-driver")
        pytest.skip("Chromium is not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for option in (*OPTIONS, f"--user-data-dir={profile}"):
        options.add_argument(option)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _errors(driver) -> list[dict]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def _screenshot(driver, path: Path) -> Path:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(height, 12000))
    driver.save_screenshot(str(path))
    if os.environ.get("REPORT_SCREENSHOTS"):
        keep = Path(os.environ["REPORT_SCREENSHOTS"])
        keep.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, keep / path.name)
    return path


def _check_page(driver, page: Path, charts: list[str], shot: Path) -> None:
    from selenium.webdriver.common.by import By

    driver.get_log("browser")  # drop anything earlier
    driver.get(page.as_uri())
    assert driver.execute_script("return document.readyState") == "complete"
    assert driver.title
    assert _errors(driver) == []
    # Self-contained: the page fetched nothing (no script, style sheet, font or image from anywhere).
    assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
    width = driver.execute_script("return document.documentElement.clientWidth")
    for chart in charts:
        svg = driver.find_element(By.CSS_SELECTOR, f"#{chart} svg")
        assert svg.is_displayed(), chart
        assert 300 < svg.size["width"] <= width and svg.size["height"] > 100, (chart, svg.size)
    png = _screenshot(driver, shot)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 50_000
    assert _errors(driver) == []


def test_the_report_in_chromium(browser, default_result, tmp_path):
    from selenium.webdriver.common.by import By

    folder = default_result.save(tmp_path / "run")
    _check_page(browser, folder / "report.html", ["chart-limits", "chart-concentric", "chart-categories"],
                tmp_path / "report.png")
    # Every zone of the Concentric Circle diagram is drawn where it can be seen.
    for zone in ("core", "extension", "new_area", "northeast", "southeast"):
        ring = browser.find_element(By.ID, f"zone-{zone}")
        assert ring.is_displayed() and ring.size["width"] > 20, zone


def test_the_comparison_in_chromium(browser, default_result, tmp_path):
    variant = optimizer.solve(default_result.scenario.with_changes(carbon_budget={"total_mt": 15}))
    folder = optimizer.compare([default_result, variant]).save(tmp_path / "comparison")
    _check_page(browser, folder / "comparison.html", ["chart-kpis", "chart-zones"], tmp_path / "comparison.png")


def test_console_errors_would_be_caught(browser, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><title>x</title><script>console.error('boom')</script>", encoding="utf-8")
    browser.get_log("browser")
    browser.get(page.as_uri())
    assert any("boom" in entry["message"] for entry in _errors(browser))


def test_printing_the_report_shows_every_row(browser, default_result, tmp_path):
    folder = default_result.save(tmp_path / "run")
    browser.get((folder / "report.html").as_uri())
    clipped = "return [...document.querySelectorAll('.table-wrap')].filter(e => e.scrollHeight > e.clientHeight + 1).length"
    assert browser.execute_script(clipped) > 0  # on screen, the allocation scrolls in its box
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert browser.execute_script(clipped) == 0
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
