"""A real browser (Debian's Chromium, headless, driven by Playwright) logs in
to the hub, sees on the spawn page what each profile would get now (on the
idle site, and on one full of sand), picks a profile and gets JupyterLab.
The screenshots are kept in artifacts/ at the project's root."""

import pathlib
import re
import time

import pytest
import requests
from helpers import ROOT, squeue, wait_until
from hub import BASE, CHROMIUM, CHROMIUM_FLAGS, LOGIN, api_token, log_in, log_in_and_spawn, stop
from test_sand import sand_fills_the_machine  # noqa: F401 (a fixture: every compute CPU held by burst jobs)

ARTIFACTS = ROOT / "artifacts"


def _spawn_page(shot, user="bob"):
    """In Chromium: user logs in and opens the spawn page; a screenshot of it
    goes to shot. Returns the seconds the page took to load and, for each
    profile, its line under the choice (class profile-start-<kind>, text)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        page = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 720}).new_page()
        page.goto(f"{BASE}/hub/login")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", f"{user}-demo-password")
        page.click("#login_submit")
        page.wait_for_load_state()
        started = time.monotonic()
        page.goto(f"{BASE}/hub/spawn")
        page.wait_for_selector("#profile-starts", timeout=30_000)
        seconds = time.monotonic() - started
        lines = {item.get_attribute("data-profile"): (item.get_attribute("class").split()[-1], item.inner_text())
                 for item in page.query_selector_all("#profile-starts li")}
        page.screenshot(path=str(shot))
        browser.close()
    return seconds, lines


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (scripts/ensure-browser.sh)")
def test_the_spawn_page_says_every_profile_starts_now_on_the_idle_site(node):
    wait_until(lambda: not squeue(node(LOGIN), "%i"), 300, lambda: f"jobs left on the site: {squeue(node(LOGIN), '%i|%u|%j')}",
               every=5)
    ARTIFACTS.mkdir(exist_ok=True)
    seconds, lines = _spawn_page(ARTIFACTS / "spawn-page-idle.png")
    print(f"\nspawn page on the idle site, {len(lines)} profiles, loaded in {seconds:.2f} s: {lines}")
    assert set(lines) == {"interactive", "burst"}
    for kind, text in lines.values():
        assert kind == "profile-start-now" and text.endswith(": Starts now."), lines


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (scripts/ensure-browser.sh)")
def test_the_spawn_page_says_when_and_why_on_a_site_full_of_sand(node, sand_fills_the_machine):  # noqa: F811
    time.sleep(11)  # the hub keeps each answer 10 s: not the idle page's
    seconds, lines = _spawn_page(ARTIFACTS / "spawn-page-busy.png")
    print(f"\nspawn page on a site full of sand, {len(lines)} profiles, loaded in {seconds:.2f} s: {lines}")
    # burst may not suspend burst (the same partition): it waits for a
    # filler's time limit (5 min), and says why (the CPUs, or the sand
    # share of the partition QOS, which is the whole demo machine).
    kind, text = lines["burst"]
    assert kind == "profile-start-waits", lines
    assert re.search(r"Expected start: in [45] min \(\d\d:\d\d\)\. Why: It", text), text
    # interactive waits the same, or starts now if the site lets it suspend burst.
    assert {kind for kind, _ in lines.values()} <= {"profile-start-now", "profile-start-waits"}, lines
    assert [job[0] for job in squeue(node(LOGIN), "%u", "--user=bob")] == [], "the spawn page submitted a job"


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


def _megabytes(slurm_memory):
    """squeue's %m (e.g. 512M, 2G) in MB, as jupyter-resource-usage shows it."""
    value, unit = float(slurm_memory[:-1]), slurm_memory[-1].upper()
    return value * {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}[unit]


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (scripts/ensure-browser.sh)")
def _stop_gateway_clusters(ca_file, user):
    """Stops every gateway cluster of user (the Dask panel's, where the test
    failed before its SHUTDOWN), so that no later test finds its jobs."""
    token = api_token(ca_file, user)
    headers = {"Authorization": f"jupyterhub {token}"}
    api = f"{BASE}/services/dask-gateway/api/v1/clusters/"
    for name in requests.get(api, headers=headers, verify=ca_file, timeout=30).json():
        requests.delete(api + name, headers=headers, verify=ca_file, timeout=30)


def test_jupyterlab_as_the_site_ships_it(ca_file, node):
    """One kernel per curated environment named with its version, no news
    question, the job's memory against its Slurm limit in the status bar,
    and the Dask panel creating, scaling, listing a gateway cluster and
    opening its dashboard through the hub's proxy."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    envs = "/opt/software/envs"
    version = node("login1").file(f"{envs}/notebook").linked_to.rsplit("-", 1)[1]
    python = node("login1").check_output(f"{envs}/notebook/bin/python -c 'import sys; print(\"%d.%d\" % sys.version_info[:2])'")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
            page = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 800}).new_page()
            log_in_and_spawn(page, "bob", "burst")
            page.wait_for_url("**/user/bob/lab**", timeout=300_000)
            # A new workspace (an earlier session's tabs hide the launcher).
            page.goto(page.url.split("/lab")[0] + "/lab?reset")
            page.wait_for_selector(".jp-Launcher", timeout=120_000)
            time.sleep(10)  # JupyterLab asks its news question a few seconds after it starts
            cards = page.locator(".jp-Launcher-section").first.locator(".jp-LauncherCard").all_inner_texts()
            names = [card.split("\n")[-1] for card in cards]
            assert [n for n in names if n.startswith("notebook ")] == [f"notebook {version} (Python {python})"], names
            assert not any("ipykernel" in n for n in names), names
            assert page.get_by_text("official Jupyter news").count() == 0
            memory = node("login1").check_output("squeue --noheader --user=bob --name=jupyter-notebook --format=%m")
            status = page.locator("#jp-main-statusbar").inner_text()
            shown = re.search(r"Mem: [0-9.]+ / ([0-9.]+) MB", status)
            assert shown and float(shown.group(1)) == _megabytes(memory.strip()), (status, memory)
            if not page.locator("#dask-dashboard-launcher").is_visible():  # the workspace may have it open
                page.locator("[data-id='dask-dashboard-launcher']").click()
            page.screenshot(path=str(ARTIFACTS / "jupyterlab-launcher.png"))

            page.locator("#dask-dashboard-launcher").get_by_text("NEW", exact=True).click()
            item = page.locator(".dask-ClusterListingItem").first
            item.wait_for(timeout=300_000)
            # The gateway's internal address through bob's server's own proxy.
            assert "Dashboard URL: /user/bob/proxy/login1:8010/services/dask-gateway/clusters/" in item.inner_text(), \
                item.inner_text()
            item.locator(".dask-ClusterListingItem-scale").click()
            page.locator(".jp-Dialog input[type='number']").first.fill("1")
            page.locator(".jp-Dialog .jp-mod-accept").click()
            deadline = time.monotonic() + 300
            while "Number of Workers: 1" not in item.inner_text() and time.monotonic() < deadline:
                time.sleep(3)
            assert "Number of Workers: 1" in item.inner_text(), item.inner_text()
            item.click()
            page.get_by_text("Task Stream", exact=True).first.click()
            frame = page.locator("iframe").last
            frame.wait_for(timeout=60_000)
            src = frame.get_attribute("src")
            assert "/services/dask-gateway/clusters/" in src and src.endswith("/individual-task-stream"), src
            time.sleep(5)
            assert "bokeh" in frame.element_handle().content_frame().content().lower()
            page.screenshot(path=str(ARTIFACTS / "jupyterlab-dask-panel.png"))
            item.locator(".dask-ClusterListingItem-stop").click()
            page.locator(".dask-ClusterListingItem").first.wait_for(state="detached", timeout=120_000)
            browser.close()
    finally:
        stop(log_in(ca_file, "bob"), "bob")
        _stop_gateway_clusters(ca_file, "bob")
