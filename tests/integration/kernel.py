"""Run code in a kernel of a user's notebook server the way JupyterLab does:
the Jupyter server's REST API and the kernel's websocket, through the hub."""

import json
import ssl
import time
import uuid

import websocket
from hub import BASE


class Kernel:
    """A kernel started in owner's server with session's cookies, or the
    running kernel kernel_id of that server, connected to again."""

    def __init__(self, session, owner, kernel_id=None):
        self.session, self.owner = session, owner
        session.get(f"{BASE}/user/{owner}/lab", timeout=60)  # OAuth with the hub, as a browser does
        self.xsrf = session.cookies.get("_xsrf", path=f"/user/{owner}/") or ""
        if kernel_id is None:
            # The site's kernel of the notebook environment, the one JupyterLab offers.
            reply = session.post(f"{BASE}/user/{owner}/api/kernels", json={"name": "site-notebook"},
                                 headers={"X-XSRFToken": self.xsrf}, timeout=60)
            reply.raise_for_status()
            kernel_id = reply.json()["id"]
        self.kernel_id = kernel_id
        self.session_id = uuid.uuid4().hex
        cookies = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
        url = BASE.replace("https://", "wss://") + f"/user/{owner}/api/kernels/{self.kernel_id}/channels"
        self.ws = websocket.create_connection(
            f"{url}?session_id={self.session_id}", header=[f"Cookie: {cookies}", f"X-XSRFToken: {self.xsrf}"],
            sslopt={"ca_certs": session.verify, "cert_reqs": ssl.CERT_REQUIRED}, timeout=30,
            http_no_proxy=["localhost", "127.0.0.1"],
        )

    def run(self, code, timeout=600):
        """stdout of code; raises AssertionError with the traceback on an error."""
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": self.owner, "session": self.session_id,
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))
        out, deadline = [], time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                msg = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["msg_type"]
            if kind == "stream":
                out.append(msg["content"]["text"])
            elif kind == "error":
                raise AssertionError("\n".join(msg["content"]["traceback"]))
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                return "".join(out)
        raise AssertionError(f"no answer from the kernel within {timeout} s; output so far: {''.join(out)}")

    def keep_active(self):
        """Keep the notebook server active, as a user at work does, so the
        hub's shortened idle culler leaves it alone."""
        self.run("")

    def detach(self):
        """Close this connection and leave the kernel running (a browser tab closed)."""
        self.ws.close()

    def close(self):
        self.ws.close()
        self.session.delete(f"{BASE}/user/{self.owner}/api/kernels/{self.kernel_id}",
                            headers={"X-XSRFToken": self.xsrf}, timeout=60)
