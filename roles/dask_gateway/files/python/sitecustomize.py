"""Installed by the Ansible role dask_gateway (edits are overwritten).

The Dask Gateway's scheduler and worker jobs start with this directory on
PYTHONPATH, so Python imports this module at start-up. It empties OpenSSL's
error queue of the current thread before each TLS read, write and handshake
of the ssl module.

Why: CPython's ssl module does not empty that queue before it calls
SSL_read_ex or SSL_write_ex, and SSL_get_error then reports an entry left
behind by an earlier failure on another connection as the error of this
one (CPython issue 148594). From OpenSSL 3.4 on, a write to a connection the
peer has reset leaves such an entry (ERR_LIB_SYS, EPIPE), and Python 3.13
raises it as BrokenPipeError (CPython pull request 127361). A Dask scheduler
sees such a reset when a worker's nanny closes its registration connection;
its next read on any other connection, the notebook's through the gateway's
proxy or the worker's own, then failed and the scheduler closed it: the
first computation of a new cluster failed with "scheduler-connection-lost".
Debian 12 (Python 3.11, OpenSSL 3.0) does not leave the entry.

It changes nothing else, and does nothing where libcrypto is not found.
"""

import ctypes
import ssl

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


install()
