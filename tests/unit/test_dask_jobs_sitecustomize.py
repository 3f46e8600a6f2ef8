"""The start-up module of the gateway's scheduler and worker jobs
(roles/dask_gateway/files/python/sitecustomize.py): every TLS call of the
ssl module empties OpenSSL's error queue first, once wrapped however often
the module is imported (docs/dask-gateway.md)."""

import importlib.util
import pathlib
import subprocess
import sys

MODULE = pathlib.Path(__file__).resolve().parents[2] / "roles" / "dask_gateway" / "files" / "python" / "sitecustomize.py"


def _load():
    spec = importlib.util.spec_from_file_location("hpc_datasci_jobs_sitecustomize", MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_queue_is_emptied_before_the_call_and_the_call_keeps_its_result():
    module = _load()
    calls = []

    def original(self, *args, **kwargs):
        calls.append(("call", args, kwargs))
        return "result"

    wrapped = module._clear_first(original, lambda: calls.append("clear"))
    assert wrapped(object(), 1024, flags=0) == "result"
    assert calls == ["clear", ("call", (1024,), {"flags": 0})]
    assert wrapped.__name__ == "original"


def test_in_a_fresh_python_every_tls_method_is_wrapped_once():
    code = (
        "import importlib.util, ssl, sys\n"
        f"spec = importlib.util.spec_from_file_location('sc', {str(MODULE)!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "first = {n: ssl.SSLSocket.__dict__[n] for n in ('read', 'write', 'recv', 'send', 'do_handshake')}\n"
        "assert m.install() is True\n"
        "assert all(ssl.SSLSocket.__dict__[n] is f for n, f in first.items()), 'wrapped twice'\n"
        "assert all(getattr(f, '_hpc_datasci', False) for f in first.values())\n"
        "assert getattr(ssl.SSLObject.__dict__['read'], '_hpc_datasci', False)\n"
        "print('ok')\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ok"
