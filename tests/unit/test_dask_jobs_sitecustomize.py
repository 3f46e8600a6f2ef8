"""The start-up module of the gateway's scheduler and worker jobs
(roles/dask_gateway/files/python/sitecustomize.py): every TLS call of the
ssl module empties OpenSSL's error queue first, once wrapped however often
the module is imported (docs/dask-gateway.md)."""

import pathlib
import subprocess
import sys

import pytest
from _modules import load_file

MODULE = pathlib.Path(__file__).resolve().parents[2] / "roles" / "dask_gateway" / "files" / "python" / "sitecustomize.py"


def _load():
    return load_file("hpc_datasci_jobs_sitecustomize", MODULE)


def _in_a_fresh_python(code, before=""):
    """stdout of `code`, run by a new Python after `before` and then the
    loading of the module as `m`."""
    preamble = before + (
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('sc', {str(MODULE)!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n")
    run = subprocess.run([sys.executable, "-c", preamble + code], capture_output=True, text=True, timeout=120,
                         check=False)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip()


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
        "import ssl\n"
        "first = {n: ssl.SSLSocket.__dict__[n] for n in ('read', 'write', 'recv', 'send', 'do_handshake')}\n"
        "assert m.install() is True\n"
        "assert all(ssl.SSLSocket.__dict__[n] is f for n, f in first.items()), 'wrapped twice'\n"
        "assert all(getattr(f, '_hpc_datasci', False) for f in first.values())\n"
        "assert getattr(ssl.SSLObject.__dict__['read'], '_hpc_datasci', False)\n"
        "print('ok')\n")
    assert _in_a_fresh_python(code) == "ok"


# --- dask-gateway's client: a cluster's clean-up on the loop's own thread ------

_LOOP_SCRIPT = """
import importlib.util, os, sys, threading, weakref, asyncio
if {patch!r}:
    spec = importlib.util.spec_from_file_location('sitecustomize_under_test', {module!r})
    m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
from dask_gateway import Gateway, GatewayCluster
import dask_gateway.client as client
print('wrapped', getattr(Gateway.__del__, '_hpc_datasci', False), getattr(GatewayCluster.__del__, '_hpc_datasci', False))
owner = Gateway(address='http://127.0.0.1:9', auth='basic')       # the notebook's gateway: the loop's thread
own = Gateway(address='http://127.0.0.1:9', auth='basic', loop=owner.loop)  # a cluster's own, on that loop
if {kind!r} == 'gateway':
    target = own
else:
    target = GatewayCluster.__new__(GatewayCluster)
    target.__dict__.update(gateway=own, status='running', name=None, shutdown_on_close=True, _start_task=None,
                           _stop_task=None, _watch_worker_status_task=None, scheduler_comm=None,
                           _clients=weakref.WeakSet())
done = threading.Event()
def collect():                       # what the garbage collector does at an allocation on the loop's thread
    target.__del__()
    done.set()
owner.loop.add_callback(collect)
finished = done.wait(3)
try:
    answer = asyncio.run_coroutine_threadsafe(asyncio.sleep(0, 'answers'), owner.loop.asyncio_loop).result(3)
except Exception as err:
    answer = 'stopped (' + type(err).__name__ + ')'
print('del', 'returned' if finished else 'blocked', 'loop', answer,
      'status', getattr(target, 'status', '-'), 'session', own._session)
sys.stdout.flush()
os._exit(0)                          # a stopped loop would hang the interpreter's exit
"""


def _loop_after_del(kind, patch):
    code = _LOOP_SCRIPT.format(patch=patch, module=str(MODULE), kind=kind)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    return run.stdout.strip().splitlines()


@pytest.mark.parametrize("kind", ["gateway", "cluster"])
def test_without_the_module_a_clean_up_on_the_loops_thread_stops_the_loop(kind):
    """The defect as dask-gateway's client has it: the event loop that every
    cluster of the process shares stops for good."""
    wrapped, outcome = _loop_after_del(kind, patch=False)
    assert wrapped == "wrapped False False"
    assert outcome.startswith("del blocked loop stopped (TimeoutError)"), outcome


@pytest.mark.parametrize("kind", ["gateway", "cluster"])
def test_with_the_module_the_clean_up_runs_on_the_loop_and_the_loop_answers(kind):
    wrapped, outcome = _loop_after_del(kind, patch=True)
    assert wrapped == "wrapped True True"
    assert outcome.startswith("del returned loop answers"), outcome
    if kind == "cluster":
        assert "status closed" in outcome, outcome


def test_away_from_the_loops_thread_del_closes_as_before():
    code = (
        "from dask_gateway import Gateway\n"
        "g = Gateway(address='http://127.0.0.1:9', auth='basic')\n"
        "g.__del__()\n"
        "print('loop runner started', g._loop_runner._started)\n")
    assert _in_a_fresh_python(code) == "loop runner started False"


def test_the_patch_applies_to_a_client_module_imported_before_it():
    code = (
        "assert m.install_dask_gateway_patch() is True\n"
        "first = client.Gateway.__del__\n"
        "m.patch_dask_gateway(client)\n"
        "assert client.Gateway.__del__ is first, 'wrapped twice'\n"
        "print(first._hpc_datasci, client.GatewayCluster.__del__._hpc_datasci)\n")
    assert _in_a_fresh_python(code, before="import dask_gateway.client as client\n") == "True True"


def test_other_modules_import_as_before():
    module = _load()
    finder = module._DaskGatewayFinder()
    assert finder.find_spec("json", None) is None
    assert module.patch_dask_gateway(object()) is False
