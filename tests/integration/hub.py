"""Helpers of the tests that drive the hub from outside the containers."""

import json
import os
import re
import shutil
import time

import requests
from helpers import wait_until

LOGIN = "login1"
PORT = os.environ.get("CONTAINER_SITE_HTTPS_PORT", "8443")
BASE = f"https://localhost:{PORT}"

# Debian's Chromium, driven by Playwright (scripts/ensure-browser.sh installs it).
CHROMIUM = shutil.which("chromium")
# Only the hub on this machine: no proxy, no background traffic.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--no-proxy-server",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def new_session(ca_file):
    session = requests.Session()
    session.verify = ca_file
    session.trust_env = False  # straight to the site, never through a proxy
    return session


def log_in(ca_file, user):
    session = new_session(ca_file)
    page = session.get(f"{BASE}/hub/login", timeout=30)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
    reply = session.post(
        f"{BASE}/hub/login", data={"username": user, "password": f"{user}-demo-password", "_xsrf": xsrf}, timeout=60
    )
    assert reply.ok and "/hub/login" not in reply.url, f"login of {user} failed: {reply.status_code} {reply.url}"
    session.headers["X-XSRFToken"] = session.cookies.get("_xsrf", path="/hub/") or xsrf
    return session


def current_xsrf(session):
    """The hub's current XSRF token of a logged-in session (the hub may renew it)."""
    return session.cookies.get("_xsrf", path="/hub/") or session.headers["X-XSRFToken"]


def api_token(ca_file, user, **body):
    """A new API token of user (body: the token's scopes etc.)."""
    session = log_in(ca_file, user)
    reply = session.post(f"{BASE}/hub/api/users/{user}/tokens", json={"note": "integration test", **body},
                         headers={"X-XSRFToken": current_xsrf(session)}, timeout=30)
    reply.raise_for_status()
    return reply.json()["token"]


def user_server(session, user):
    """user's default server as the hub's API reports it, or None."""
    reply = session.get(f"{BASE}/hub/api/users/{user}", timeout=30)
    reply.raise_for_status()
    return reply.json()["servers"].get("")


def spawn(session, user, profile, timeout=300):
    """Start user's server with profile through the spawn form and wait until
    it is ready; returns the seconds from the request to ready."""
    started = time.monotonic()
    reply = session.post(f"{BASE}/hub/spawn", data={"profile": profile, "_xsrf": current_xsrf(session)}, timeout=60)
    assert reply.status_code < 400, reply.text[-2000:]
    wait_until(lambda: (user_server(session, user) or {}).get("ready"), timeout - (time.monotonic() - started),
               lambda: f"{user}'s server not ready {timeout} s after the request: {user_server(session, user)}", every=2)
    return time.monotonic() - started


def stop(session, user):
    """Ask the hub to stop user's server."""
    return session.delete(f"{BASE}/hub/api/users/{user}/server", headers={"X-XSRFToken": current_xsrf(session)}, timeout=60)


def request_spawn(session, user, profile):
    """Ask the hub to start user's server with profile through the REST API
    and return at once (202 while the job pends), without waiting for it."""
    reply = session.post(f"{BASE}/hub/api/users/{user}/server", json={"profile": profile},
                         headers={"X-XSRFToken": current_xsrf(session)}, timeout=60)
    assert reply.status_code in (201, 202), f"spawn of {user} refused: {reply.status_code} {reply.text[-2000:]}"
    return reply.status_code


def pending_messages(session, user, until=None, timeout=120):
    """The messages of user's pending spawn, in order, as the spawn page
    (/hub/spawn-pending) shows them: read from the page's event stream,
    /hub/api/users/<user>/server/progress (server-sent events, one
    "data: <json>" line per event, empty keep-alive lines every 8 s).

    Stops at the event that says the server is ready or the spawn failed,
    at the first message for which until(message) is true, or after
    timeout seconds, whichever comes first."""
    messages = []
    started = time.monotonic()
    with session.get(f"{BASE}/hub/api/users/{user}/server/progress", stream=True, timeout=(30, 30),
                     headers={"X-XSRFToken": current_xsrf(session), "Accept": "text/event-stream"}) as reply:
        reply.raise_for_status()
        # One byte at a time: an event must not wait in a buffer for the next one.
        for line in reply.iter_lines(chunk_size=1):
            line = line.decode("utf-8")
            if line.startswith("data:"):
                event = json.loads(line[len("data:"):])
                if "message" in event:
                    messages.append(event["message"])
                if event.get("ready") or event.get("failed") or (until and until(event.get("message", ""))):
                    break
            if time.monotonic() - started > timeout:
                break
    return messages


def log_in_and_spawn(page, user, profile):
    """In a browser's page (Playwright): log user in through the login form,
    pick profile on the spawn form and submit it; returns the monotonic time
    of the submit."""
    page.goto(f"{BASE}/hub/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", f"{user}-demo-password")
    page.click("#login_submit")
    page.wait_for_selector("select[name=profile]", timeout=60_000)
    page.select_option("select[name=profile]", profile)
    started = time.monotonic()
    page.click("form#spawn_form [type=submit]")
    return started
