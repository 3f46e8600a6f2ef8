"""A real browser (Debian's Chromium, headless, driven by Playwright) logs in
to the hub, picks a profile and gets JupyterLab. The screenshot is kept in
artifacts/ at the project's root."""

import pathlib
import time

import pytest
from helpers import ROOT
from hub import CHROMIUM, CHROMIUM_FLAGS, log_in, log_in_and_spawn, stop

ARTIFACTS = ROOT / "artifacts"


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (scripts/ensure-browser.sh)")
def test_browser_logs_in_picks_a_profile_and_gets_jupyterlab(ca_file, node):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    shot = pathlib.Path(ARTIFACTS / "jupyterlab-from-the-hub.png")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
            # The demo's certificate is self-signed (checked against its file in test_jupyterhub).
            page = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 800}).new_page()
            started = log_in_and_spawn(page, "bob", "burst")
            page.wait_for_url("**/user/bob/lab**", timeout=300_000)
            page.wait_for_selector("#jp-main-dock-panel", timeout=120_000)
            page.wait_for_selector(".jp-Launcher", timeout=120_000)
            print(f"\nbrowser: spawn to JupyterLab loaded in {time.monotonic() - started:.1f} s")
            page.screenshot(path=str(shot))
            browser.close()
        assert shot.stat().st_size > 10_000
        jobs = node("login1").check_output("squeue --noheader --user=bob --format='%P|%q'")
        assert jobs == "short|burst"
    finally:
        stop(log_in(ca_file, "bob"), "bob")
