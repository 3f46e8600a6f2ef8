"""A real browser (Debian's Chromium, headless, driven by Playwright) logs in
to the hub, picks a profile and gets JupyterLab. The screenshot is kept in
artifacts/ at the project's root."""

import pathlib
import shutil
import time

import pytest
from conftest import ROOT
from hub import BASE, _login, _stop

CHROMIUM = shutil.which("chromium")
ARTIFACTS = ROOT / "artifacts"
# Only the hub on this machine: no proxy, no background traffic.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--no-proxy-server",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def log_in_and_spawn(page, user, profile):
    """Log user in through the login form, pick profile on the spawn form and
    submit it; returns the monotonic time of the submit."""
    page.goto(f"{BASE}/hub/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", f"{user}-demo-password")
    page.click("#login_submit")
    page.wait_for_selector("select[name=profile]", timeout=60_000)
    page.select_option("select[name=profile]", profile)
    started = time.monotonic()
    page.click("form#spawn_form [type=submit]")
    return started


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (scripts/ensure-browser.sh)")
def test_browser_logs_in_picks_a_profile_and_gets_jupyterlab(ca_file, node):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    shot = pathlib.Path(ARTIFACTS / "jupyterlab-from-the-hub.png")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
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
        _stop(_login(ca_file, "bob"), "bob")
