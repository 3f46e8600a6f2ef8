"""New Dask clusters one after the other from one notebook kernel, the way
a data scientist makes them (the previous cluster closed and shut down, the
names `cluster` and `client` bound to the new ones), each with a first
computation that must succeed with no retry. Used by the managed scenarios
(test_dask_gateway.py) and the overlay scenario (test_overlay.py).

Two defects made such a first computation fail (docs/dask-gateway.md): on
Debian 13 a scheduler closed healthy TLS connections just after the first
worker registered (Python 3.13 with OpenSSL 3.5), and on every platform the
client's event loop could stop for good when a cluster object was freed on
the loop's own thread (dask-gateway's client; the fifth cluster of a kernel
on the test site). The role's start-up module works around both."""

import re

CLUSTERS_IN_A_ROW = 10

_NEW_CLUSTER = (
    "t0 = time.monotonic()\n"
    "cluster = gateway.new_cluster()\n"
    "cluster.scale(1)\n"
    "client = cluster.get_client()\n"
    "client.wait_for_workers(1, timeout=600)\n"
    "ready = time.monotonic() - t0\n"
    "try:\n"
    "    first = client.submit(sum, [1, 2, 3], pure=False).result(timeout=60)\n"
    "except Exception as err:\n"
    "    first = type(err).__name__ + ': ' + str(err).replace(' ', '_')[:80]\n"
    "print('READY', round(ready, 1), 'FIRST', first, round(time.monotonic() - t0, 1), cluster.name)\n"
)


def start_up_module(kernel):
    """What the kernel's Python says of the role's start-up module:
    'module <file> gateway-patched <bool>'."""
    out = kernel.run(
        "import sys, dask_gateway.client as _dgc\n"
        "print('module', getattr(sys.modules.get('sitecustomize'), '__file__', None),"
        " 'gateway-patched', getattr(_dgc.Gateway.__del__, '_hpc_datasci', False)"
        " and getattr(_dgc.GatewayCluster.__del__, '_hpc_datasci', False))\n")
    return out.strip().splitlines()[-1]


def clusters_in_a_row(kernel, count=CLUSTERS_IN_A_ROW, after_first=None):
    """Makes `count` new clusters of one worker in `kernel` (which has run
    `import time` and `gateway = Gateway()`), one after the other; prints
    each one's seconds to ready and its first result; calls after_first()
    while the first cluster runs. Returns [(ready seconds, first result)],
    up to and including the first cluster whose first computation failed."""
    results = []
    for number in range(1, count + 1):
        out = kernel.run(_NEW_CLUSTER, timeout=900)
        found = re.search(r"READY (\S+) FIRST (\S+) (\S+) (\S+)", out)
        assert found, f"cluster {number}: {out.strip()}"
        ready, first, total, name = found.groups()
        print(f"cluster {number:2d}: workers ready after {ready} s, first computation: {first} after {total} s ({name})")
        results.append((float(ready), first))
        if number == 1 and after_first is not None:
            after_first()
        kernel.run("client.close()\ncluster.shutdown()\n", timeout=300)
        if first != "6":
            break
    return results
