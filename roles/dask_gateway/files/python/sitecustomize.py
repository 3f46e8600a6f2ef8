"""Installed by the Ansible role dask_gateway (edits are overwritten).

The Dask Gateway's scheduler and worker jobs, and the notebook servers the
hub starts, run with this directory on PYTHONPATH, so Python imports this
module at start-up. It works around two defects, and changes nothing else.

1. Stale TLS errors (Python 3.13 with OpenSSL 3.4 and later). It empties
OpenSSL's error queue of the current thread before each TLS read, write and
handshake of the ssl module. CPython's ssl module does not empty that queue
before it calls SSL_read_ex or SSL_write_ex, and SSL_get_error then reports
an entry left behind by an earlier failure on another connection as the
error of this one (CPython issue 148594). From OpenSSL 3.4 on, a write to a
connection the peer has reset leaves such an entry (ERR_LIB_SYS, EPIPE),
and Python 3.13 raises it as BrokenPipeError (CPython pull request 127361).
A Dask scheduler sees such a reset when a worker's nanny closes its
registration connection; its next read on any other connection, the
notebook's through the gateway's proxy or the worker's own, then failed and
the scheduler closed it: the first computation of a new cluster failed with
"scheduler-connection-lost". Debian 12 (Python 3.11, OpenSSL 3.0) does not
leave the entry. Nothing is done where libcrypto is not found.

2. A client whose event loop stops for good (dask-gateway's client, every
release up to 2026.3.0 at least). Each GatewayCluster has a Gateway of its
own on the client's one event-loop thread, and both close themselves in
__del__ by waiting for that loop (Gateway.close, GatewayCluster.close). When
Python's cyclic garbage collector frees a cluster object on the loop's own
thread, as it does at some allocation there, __del__ waits for the loop it
is running on: the loop stops for good, and every cluster of that process
with it. In a notebook that makes clusters one after the other, a later
cluster's first computation then never returns (the fifth on the test
site), and closing its client times out. When dask_gateway.client is
imported, the two __del__ methods are wrapped: on the loop's own thread
they schedule the same clean-up on the loop instead of waiting for it;
anywhere else they do what they did.
"""

import asyncio
import ctypes
import importlib.abc
import importlib.machinery
import ssl
import sys

_METHODS = ("read", "write", "recv", "recv_into", "send", "do_handshake", "unwrap")


def _libcrypto_path():
    """The libcrypto the ssl module loaded, from this process's mappings."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            for line in maps:
                path = line.split()[-1]
                if "/libcrypto.so" in path:
                    return path
    except OSError:
        return None
    return None


def _clear_first(method, clear):
    def wrapper(self, *args, **kwargs):
        clear()
        return method(self, *args, **kwargs)

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


def install():
    """Wraps the TLS methods of ssl.SSLSocket and ssl.SSLObject; True if done."""
    path = _libcrypto_path()
    if path is None:
        return False
    try:
        clear = ctypes.CDLL(path).ERR_clear_error
    except (OSError, AttributeError):
        return False
    clear.argtypes = []
    clear.restype = None
    for cls in (ssl.SSLSocket, ssl.SSLObject):
        for name in _METHODS:
            method = cls.__dict__.get(name)
            if method is not None and not getattr(method, "_hpc_datasci", False):
                wrapper = _clear_first(method, clear)
                wrapper._hpc_datasci = True
                setattr(cls, name, wrapper)
    return True


# --- 2. dask-gateway's client -------------------------------------------------

_TASKS = set()


def _on_own_loop(loop_runner):
    """True when this thread runs the loop of `loop_runner` (distributed's
    LoopRunner, whose `loop` is a Tornado IOLoop)."""
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        return False
    try:
        loop = loop_runner.loop
    except RuntimeError:  # a loop that no longer runs
        return False
    return running is getattr(loop, "asyncio_loop", loop)


def _later(coroutine):
    """Run `coroutine` on the running loop, keeping the task alive until done."""
    task = asyncio.ensure_future(coroutine)
    _TASKS.add(task)
    task.add_done_callback(_TASKS.discard)


def _gateway_del(original):
    def __del__(self):
        loop_runner = self.__dict__.get("_loop_runner")
        if loop_runner is not None and not self.__dict__.get("_asynchronous") and _on_own_loop(loop_runner):
            _later(self._cleanup())
            return
        original(self)

    __del__._hpc_datasci = True
    return __del__


def _cluster_del(original):
    def __del__(self):
        gateway = self.__dict__.get("gateway")
        loop_runner = getattr(gateway, "_loop_runner", None)
        if loop_runner is not None and not gateway.asynchronous and _on_own_loop(loop_runner):
            if self.__dict__.get("status") != "closed":
                _later(self._stop_internal())
            return
        original(self)

    __del__._hpc_datasci = True
    return __del__


def patch_dask_gateway(client):
    """Wraps __del__ of client.Gateway and client.GatewayCluster (the module
    dask_gateway.client); True if done, False where they are not found."""
    done = False
    for name, wrap in (("Gateway", _gateway_del), ("GatewayCluster", _cluster_del)):
        cls = getattr(client, name, None)
        original = getattr(cls, "__dict__", {}).get("__del__")
        if original is None:
            continue
        if not getattr(original, "_hpc_datasci", False):
            cls.__del__ = wrap(original)
        done = True
    return done


class _PatchingLoader(importlib.abc.Loader):
    """The module's own loader, then patch_dask_gateway."""

    def __init__(self, loader):
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        patch_dask_gateway(module)

    def __getattr__(self, name):
        if name == "_loader":
            raise AttributeError(name)
        return getattr(self._loader, name)


class _DaskGatewayFinder(importlib.abc.MetaPathFinder):
    """Finds dask_gateway.client as Python would, with _PatchingLoader."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "dask_gateway.client":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _PatchingLoader(spec.loader)
        return spec


def install_dask_gateway_patch():
    """Patches dask_gateway.client now if imported, else when it is."""
    client = sys.modules.get("dask_gateway.client")
    if client is not None:
        return patch_dask_gateway(client)
    if not any(isinstance(finder, _DaskGatewayFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _DaskGatewayFinder())
    return True


install()
install_dask_gateway_patch()
