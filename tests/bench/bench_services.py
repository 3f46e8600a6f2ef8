"""The services' side of the benchmark: a notebook spawned through the hub
and, from its kernel, a Dask Gateway cluster scaled to 4 workers, each timed.

Uses the integration tests' helpers (tests/integration/hub.py, kernel.py)
as they are; they read the hub's port from CONTAINER_SITE_HTTPS_PORT, which
the driver sets before importing this module.
"""

import pathlib
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "integration"))

from hub import log_in, spawn, stop, user_server  # noqa: E402
from kernel import Kernel  # noqa: E402

# The notebook profile spawned (jupyterhub_profiles of tests/bench/inventory).
PROFILE = "interactive"
WORKERS = 4

DASK_CODE = """\
import time
from dask_gateway import Gateway
t0 = time.monotonic()
cluster = Gateway().new_cluster()
cluster.scale({workers})
client = cluster.get_client()
try:
    client.wait_for_workers({workers}, timeout={timeout})
    print('READY', round(time.monotonic() - t0, 1))
except Exception as err:
    print('NOTREADY', type(err).__name__)
finally:
    cluster.shutdown()
"""


def ca_file(prefix):
    """The hub's self-signed certificate, copied out of the login container."""
    path = pathlib.Path(tempfile.mkdtemp(prefix="sand-bench-")) / "hub.crt"
    subprocess.run(["docker", "cp", f"{prefix}-login1:/etc/jupyterhub/tls/selfsigned.crt", str(path)],
                   check=True, capture_output=True)
    return str(path)


def _stop_and_wait(session, user, timeout=120):
    stop(session, user)
    deadline = time.monotonic() + timeout
    while user_server(session, user) and time.monotonic() < deadline:
        time.sleep(2)


def measure(ca, user, budget):
    """{'spawn_s', 'dask_s', 'note'} for one notebook spawn and one Dask
    cluster to 4 workers, within `budget` seconds in all; a time is None
    when it was not reached within the budget (the note says which)."""
    result = {"spawn_s": None, "dask_s": None, "note": ""}
    deadline = time.monotonic() + budget
    session = log_in(ca, user)
    try:
        try:
            result["spawn_s"] = round(spawn(session, user, PROFILE, timeout=max(10, budget - 5)), 1)
        except AssertionError:
            result["note"] = f"notebook not ready within {budget:.0f} s"
            return result
        remaining = int(deadline - time.monotonic())
        if remaining < 10:
            result["note"] = "no time left for the Dask cluster"
            return result
        kernel = Kernel(session, user)
        try:
            out = kernel.run(DASK_CODE.format(workers=WORKERS, timeout=remaining), timeout=remaining + 90)
        except AssertionError as err:
            out = f"ERROR {str(err)[-300:]}"
        finally:
            kernel.close()
        words = out.split()
        if "READY" in words:
            result["dask_s"] = float(words[words.index("READY") + 1])
        else:
            result["note"] = f"Dask cluster not at {WORKERS} workers within {remaining} s ({out.strip()[-200:]})"
        return result
    finally:
        _stop_and_wait(session, user)
