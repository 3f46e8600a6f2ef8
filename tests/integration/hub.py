"""Helpers of the tests that drive the hub from outside the containers."""

import os
import re

import requests

LOGIN = "login1"
PORT = os.environ.get("CONTAINER_SITE_HTTPS_PORT", "8443")
BASE = f"https://localhost:{PORT}"


def _session(ca_file):
    session = requests.Session()
    session.verify = ca_file
    session.trust_env = False  # straight to the site, never through a proxy
    return session


def _login(ca_file, user):
    session = _session(ca_file)
    page = session.get(f"{BASE}/hub/login", timeout=30)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
    reply = session.post(
        f"{BASE}/hub/login", data={"username": user, "password": f"{user}-demo-password", "_xsrf": xsrf}, timeout=60
    )
    assert reply.ok and "/hub/login" not in reply.url, f"login of {user} failed: {reply.status_code} {reply.url}"
    session.headers["X-XSRFToken"] = session.cookies.get("_xsrf", path="/hub/") or xsrf
    return session
