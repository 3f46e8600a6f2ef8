"""JupyterLab with the extension, in headless Chromium (Debian's, driven by
Playwright): the time left counts down, both warnings appear at the
configured times, and an edit typed in a notebook before the first warning
is on disk after it.

The server is the notebook environment of the lock with the wheel
(build/extension/venv, `make extension`) on 127.0.0.1, as if in a Slurm job
whose end a test stand-in for squeue answers: first an hour ahead, then,
once the edit is typed, 66 s ahead, with warnings at 1 min and 0.6 min.
About 45 s."""

import json
import os
import pathlib
import re
import secrets
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
VENV = pathlib.Path(os.environ.get("HPCDS_SESSION_VENV", ROOT / "build" / "extension" / "venv"))
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = shutil.which("chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--no-proxy-server",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WARN_MINUTES = [1, 0.6]
LONGER = "Need longer? Pick the profile 'long' on the spawn page."
MARK = "edited before the first warning"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (scripts/ensure-browser.sh)"),
    pytest.mark.skipif(not (VENV / "bin" / "jupyter").exists(), reason=f"no {VENV}: run `make extension`"),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def set_end(lab, seconds_ahead):
    """What the squeue stand-in answers from now on: the end `seconds_ahead` from now."""
    end = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(time.time() + seconds_ahead))
    lab["end_file"].write_text(end + "\n")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lab")
    end_file = tmp / "end"
    squeue = tmp / "squeue-test-stand-in"
    squeue.write_text(f"#!/bin/sh\n# Test stand-in for squeue -h -j JOB -o %e\ncat {end_file}\n")
    squeue.chmod(0o755)
    notebooks = tmp / "notebooks"
    write_json(notebooks / "edit-me.ipynb", {
        "cells": [{"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {}, "outputs": [],
                   "source": []}],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5})
    # The site's settings: the warning times and text in a Jupyter config file.
    write_json(tmp / "config" / "jupyter_server_config.json", {"SlurmSession": {
        "warn_minutes": WARN_MINUTES, "longer_session": LONGER, "squeue": str(squeue), "refresh_seconds": 2}})
    # No autosave, so that only the warning's save can put the edit on disk; no news.
    write_json(tmp / "settings" / "@jupyterlab" / "docmanager-extension" / "plugin.jupyterlab-settings",
               {"autosave": False})
    write_json(tmp / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings",
               {"fetchNews": "false"})
    port, token = free_port(), secrets.token_hex(16)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLURM_", "JUPYTER"))}
    env.update(SLURM_JOB_ID="4711", JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_DATA_DIR=str(tmp / "data"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"), HOME=str(tmp))
    set_end({"end_file": end_file}, 3600)
    log = (tmp / "lab.log").open("w")
    server = subprocess.Popen(
        [str(VENV / "bin" / "jupyter"), "lab", "--no-browser", "--ip", "127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={notebooks}"]
        + (["--allow-root"] if os.geteuid() == 0 else []),
        env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None and time.monotonic() < deadline, (tmp / "lab.log").read_text()
                time.sleep(0.5)
        yield {"url": url, "token": token, "end_file": end_file, "notebooks": notebooks, "log": tmp / "lab.log"}
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_the_server_answers_the_end_of_the_job_to_its_user_only(lab):
    api = f"{lab['url']}/hpc-datasci-session/time"
    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(api, timeout=10)
    assert denied.value.code == 403
    answer = json.load(urllib.request.urlopen(f"{api}?token={lab['token']}", timeout=10))
    assert answer["job_id"] == "4711"
    assert 3500 < answer["end"] - answer["now"] <= 3600
    assert answer["warn_minutes"] == WARN_MINUTES
    assert answer["longer_session"] == LONGER


def left_seconds(page):
    text = page.locator("#hpcds-session-time").inner_text()
    match = re.fullmatch(r"Session: (?:(\d+):)?(\d+):(\d\d) left", text.strip())
    assert match, text
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def notebook_on_disk(lab):
    notebook = json.loads((lab["notebooks"] / "edit-me.ipynb").read_text())
    return "".join("".join(cell["source"]) for cell in notebook["cells"])


def test_time_left_warnings_and_the_save_before_the_end(lab):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{lab['url']}/lab/tree/edit-me.ipynb?token={lab['token']}")
            item = page.locator("#hpcds-session-time")
            expect(item).to_have_text(re.compile(r"Session: (\d+:)?\d+:\d\d left"), timeout=60_000)
            first = left_seconds(page)
            page.wait_for_timeout(2500)
            assert 3400 < left_seconds(page) < first <= 3600

            editor = page.locator(".jp-Notebook .jp-Cell .cm-content").first
            editor.click()
            page.keyboard.type(f"print('{MARK}')")
            expect(page.locator(".jp-Notebook .jp-Cell .cm-content").first).to_contain_text(MARK)
            assert MARK not in notebook_on_disk(lab)

            set_end(lab, 66)
            toasts = page.locator(".Toastify__toast").filter(has_text="Session ends in")
            expect(toasts).to_have_count(1, timeout=30_000)
            expect(toasts.first).to_contain_text("Session ends in 1 min: save your work (1 unsaved document saved)")
            expect(toasts.first).to_contain_text(LONGER)
            deadline = time.monotonic() + 10
            while MARK not in notebook_on_disk(lab):
                assert time.monotonic() < deadline, "the edit was not saved at the first warning"
                time.sleep(0.5)
            assert left_seconds(page) < 61

            expect(toasts).to_have_count(2, timeout=40_000)
            expect(toasts.nth(1)).to_contain_text(LONGER)
            assert left_seconds(page) <= 36
            page.wait_for_timeout(1000)  # the toast's slide-in
            page.screenshot(path=str(ARTIFACTS / "jupyterlab-session-time.png"))
        finally:
            browser.close()
