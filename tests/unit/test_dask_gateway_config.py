"""The gateway's Python, without Docker: the options handler of
roles/dask_gateway/files/dask_gateway_site.py (refusals, environments, what
reaches the Slurm job) and the static dask_gateway_config.py executed as
dask-gateway-server executes it, with the demo's rendered settings."""

import asyncio
import base64
import json
import os
import pathlib
import pwd
import shutil
import subprocess
import sys
import types

import pytest

pytest.importorskip("dask_gateway_server", reason="dask-gateway-server is in the dev venv (requirements.txt)")

from _modules import load_file
from dask_gateway_server.backends.base import PublicException  # noqa: E402
from dask_gateway_server.backends.jobqueue.slurm import SlurmBackend  # noqa: E402
from traitlets.config import Config  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
FILES = ROOT / "roles" / "dask_gateway" / "files"
ANSIBLE_PLAYBOOK = ROOT / ".venv" / "bin" / "ansible-playbook"
DEMO = ROOT / "inventories" / "demo"
USER = pwd.getpwuid(os.getuid()).pw_name


def _load_site():
    return load_file("dask_gateway_site", FILES / "dask_gateway_site.py")


site = _load_site()

# Settings as the role renders them, with two environments and an account.
SETTINGS = {
    "service_name": "dask-gateway",
    "http_port": 8010,
    "tcp_port": 8786,
    "connect_name": "login1",
    "bind_address": "10.0.0.5",
    "status_user": "slurm",
    "hub_api_url": "http://login1:8081/hub/api",
    "database": "/var/lib/dask-gateway/dask_gateway.sqlite",
    "encrypt_keys_file": "/etc/dask-gateway/encrypt_keys",
    "api_token_file": "/etc/dask-gateway/jupyterhub_api_token",
    "launcher": "/opt/dask-gateway/bin/dask-gateway-jobqueue-launcher",
    "start_timeout": 600,
    "environments": [{"name": "notebook", "prefix": "/opt/software/envs/notebook"},
                     {"name": "geo", "prefix": "/opt/software/envs/geo"}],
    "partition_choices": ["short", "long"],
    "qos_choices": ["burst", "normal"],
    "account": "datasci",
    "job_time": "55:00",
    "worker_cores": {"default": 1, "min": 1, "max": 4},
    "worker_memory_gib": {"default": 2, "min": 1, "max": 8},
    "scheduler_cores": 1,
    "scheduler_memory_gib": 2.0,
    "cluster_max_workers": 64,
    "cluster_max_cores": 256,
    "cluster_max_memory_gib": 1024.0,
    "idle_timeout": 1800,
}


def _install(directory, settings):
    """The gateway's configuration directory as the role writes it."""
    for name in ("dask_gateway_config.py", "dask_gateway_site.py"):
        shutil.copy(FILES / name, directory / name)
    settings = dict(settings, encrypt_keys_file=str(directory / "encrypt_keys"),
                    api_token_file=str(directory / "jupyterhub_api_token"))
    (directory / "gateway_settings.json").write_text(json.dumps(settings, indent=4) + "\n", encoding="utf-8")
    (directory / "encrypt_keys").write_text(base64.b64encode(b"k" * 32).decode() + "\n", encoding="utf-8")
    (directory / "jupyterhub_api_token").write_text("a" * 64 + "\n", encoding="utf-8")
    return directory / "dask_gateway_config.py"


def _run_config(path):
    """The config file executed as traitlets does: with c, get_config and
    __file__ in its namespace."""
    config = Config()
    namespace = {"c": config, "get_config": lambda: config, "__file__": str(path)}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace, namespace)  # noqa: S102
    return config


@pytest.fixture
def config(tmp_path):
    return _run_config(_install(tmp_path, SETTINGS))


@pytest.fixture
def backend(config):
    return SlurmBackend(config=config)


def _request(backend, options):
    """What the gateway does with a user's options before any job: the
    options and the cluster's settings, or the refusal's message (a 422)."""
    async def process():
        return await backend.process_cluster_options("alice", options)
    try:
        return asyncio.run(process())
    except PublicException as err:
        return str(err)


def _submission(backend, options, worker=False):
    """sbatch's command line and script of the scheduler (or a worker)."""
    _, cluster_config = _request(backend, options)
    cluster = types.SimpleNamespace(config=cluster_config, name="c0ffee", username=USER, token="t",
                                    scheduler_address="tls://node1:4242")
    return backend.get_submit_cmd_env_stdin(cluster, types.SimpleNamespace(name="w1") if worker else None)


# --- Refusals: each with the message the user sees ------------------------------

@pytest.mark.parametrize(("options", "message"), [
    ({"qos": "scavenger"}, "'scavenger' is not a valid option for qos"),
    ({"partition": "batch"}, "'batch' is not a valid option for partition"),
    ({"environment": "base"}, "'base' is not a valid option for environment"),
    ({"worker_cores": 64}, "worker_cores must be <= 4.000000, got 64"),
    ({"worker_cores": 0}, "worker_cores must be >= 1.000000, got 0"),
    ({"worker_cores": 1.5}, "worker_cores must be an integer, got 1.5"),
    ({"worker_memory": 64}, "worker_memory must be <= 8.000000, got 64.0"),
    ({"worker_memory": 0.5}, "worker_memory must be >= 1.000000, got 0.5"),
    ({"worker_memory": "lots"}, "worker_memory must be a float, got 'lots'"),
    ({"account": "physics"}, "Unknown fields ['account']"),
    ({"worker_cmd": ["/bin/sh"]}, "Unknown fields ['worker_cmd']"),
])
def test_options_outside_the_policy_are_refused(backend, options, message):
    assert _request(backend, options) == message


def test_the_options_users_see_are_the_sites(config):
    spec = config.Backend.cluster_options.get_specification()
    assert [(f["field"], f["default"]) for f in spec] == [
        ("worker_cores", 1), ("worker_memory", 2), ("partition", "short"), ("qos", "burst"),
        ("environment", "notebook")]
    assert [f["spec"]["options"] for f in spec if f["spec"]["type"] == "select"] == [
        ["short", "long"], ["burst", "normal"], ["notebook", "geo"]]


# --- Accepted options ---------------------------------------------------------------

def test_defaults_are_the_first_choices(backend):
    options, cluster = _request(backend, {})
    assert options == {"worker_cores": 1, "worker_memory": 2, "partition": "short", "qos": "burst",
                       "environment": "notebook"}
    assert (cluster.partition, cluster.qos, cluster.account) == ("short", "burst", "datasci")
    assert (cluster.worker_cores, cluster.worker_memory) == (1, 2 * 1024 ** 3)


@pytest.mark.parametrize(("environment", "prefix"), [
    ("notebook", "/opt/software/envs/notebook"),
    ("geo", "/opt/software/envs/geo"),
])
def test_the_chosen_environment_runs_scheduler_and_workers(backend, environment, prefix):
    _, cluster = _request(backend, {"environment": environment})
    assert cluster.scheduler_cmd == [prefix + "/bin/dask", "scheduler"]
    assert cluster.worker_cmd == [prefix + "/bin/dask", "worker"]
    assert cluster.environment == {"PATH": prefix + "/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
                                   "PYTHONPATH": "/etc/dask/python"}
    _, env, script = _submission(backend, {"environment": environment}, worker=True)
    assert script.splitlines()[-1].startswith(prefix + "/bin/dask worker tls://node1:4242 ")
    assert env["PATH"] == prefix + "/bin:/usr/bin:/bin"
    assert env["PYTHONPATH"] == "/etc/dask/python"


@pytest.mark.parametrize("worker", [False, True], ids=["scheduler", "worker"])
def test_partition_qos_account_and_time_reach_the_slurm_job(backend, worker):
    cmd, _, script = _submission(backend, {"partition": "long", "qos": "normal", "worker_cores": 3,
                                           "worker_memory": 1.5}, worker=worker)
    assert cmd[:6] == ["/usr/bin/sbatch", "--parsable", "--job-name=dask-gateway", "--partition=long",
                       "--account=datasci", "--qos=normal"]
    assert script.splitlines()[:2] == ["#!/bin/sh", "#SBATCH --time=55:00"]
    size = ["--cpus-per-task=3", "--mem=1536M"] if worker else ["--cpus-per-task=1", "--mem=2048M"]
    assert [a for a in cmd if a.startswith(("--cpus-per-task=", "--mem="))] == size


def test_jobs_stage_in_the_users_home(backend):
    cmd, _, _ = _submission(backend, {})
    home = pwd.getpwnam(USER).pw_dir
    assert "--chdir=%s/.dask-gateway/c0ffee" % home.rstrip("/") in cmd


def test_an_empty_account_leaves_the_users_default(tmp_path):
    backend = SlurmBackend(config=_run_config(_install(tmp_path, dict(SETTINGS, account=""))))
    cmd, _, _ = _submission(backend, {})
    assert not [a for a in cmd if a.startswith("--account")]


# --- The static configuration -----------------------------------------------------

def test_the_static_config_sets_state_auth_addresses_and_caps(config):
    assert config.SlurmBackend.db_url == "sqlite:////var/lib/dask-gateway/dask_gateway.sqlite"
    assert config.SlurmBackend.db_encrypt_keys == [base64.b64encode(b"k" * 32).decode()]
    assert config.SlurmBackend.stop_clusters_on_shutdown is False  # clusters survive restarts
    assert config.Proxy.address == "10.0.0.5:8010"
    assert config.Proxy.tcp_address == "10.0.0.5:8786"
    assert config.Proxy.prefix == "/services/dask-gateway"
    assert config.DaskGateway.address == "127.0.0.1:0"
    assert config.SlurmBackend.api_url == "http://login1:8010/services/dask-gateway/api"
    assert config.DaskGateway.authenticator_class == "dask_gateway_server.auth.JupyterHubAuthenticator"
    assert config.JupyterHubAuthenticator.jupyterhub_api_url == "http://login1:8081/hub/api"
    assert config.JupyterHubAuthenticator.jupyterhub_service_name == "dask-gateway"
    assert config.JupyterHubAuthenticator.jupyterhub_api_token == "a" * 64
    assert issubclass(config.DaskGateway.backend_class, SlurmBackend)
    assert config.SiteSlurmBackend.status_user == "slurm"
    assert config.SlurmBackend.dask_gateway_jobqueue_launcher == "/opt/dask-gateway/bin/dask-gateway-jobqueue-launcher"
    assert (config.SlurmBackend.cluster_start_timeout, config.SlurmBackend.worker_start_timeout) == (600, 600)
    cluster = config.SlurmClusterConfig
    assert (cluster.idle_timeout, cluster.cluster_max_workers, cluster.cluster_max_cores) == (1800, 64, 256)
    assert (cluster.scheduler_memory, cluster.cluster_max_memory) == ("2048 M", "1048576 M")


@pytest.mark.parametrize("address", ["", None])
def test_an_empty_bind_address_is_refused_not_every_interface(tmp_path, address):
    with pytest.raises(ValueError, match="bind_address is empty in gateway_settings.json"):
        _run_config(_install(tmp_path, dict(SETTINGS, bind_address=address)))


def test_job_states_are_read_as_slurm_user(config):
    """PrivateData=jobs hides users' jobs from the gateway's own user: squeue
    runs as SlurmUser through sudo, with the backend's own arguments."""
    backend = config.DaskGateway.backend_class(config=config)
    cmd, env = backend.get_status_cmd_env(["12", "13"])
    assert cmd == ["/usr/bin/sudo", "-n", "-u", "slurm", "/usr/bin/squeue", "-h", "--job=12,13", "-o", "%i %t"]
    assert env == {"PATH": "/usr/bin:/bin"}  # sudo 1.9.16 crashes with no environment at all
    assert backend.parse_job_states("12 R\n13 PD\n") == {"12": True, "13": True}


def test_submitting_and_cancelling_stay_with_the_user(config):
    backend = config.DaskGateway.backend_class(config=config)
    assert backend.get_stop_cmd_env("12") == (["/usr/bin/scancel", "12"], {})


def test_the_caps_and_idle_timeout_reach_every_cluster(backend):
    _, cluster = _request(backend, {})
    assert cluster.idle_timeout == 1800
    assert (cluster.cluster_max_workers, cluster.cluster_max_cores) == (64, 256)
    assert cluster.cluster_max_memory == 1024 * 1024 ** 3


# --- The demo's rendered settings ---------------------------------------------------

# Renders the role's settings for the demo's gateway host exactly as the
# role does, with the hub's wiring as playbooks/dask_gateway.yml passes it.
RENDER_PLAYBOOK = """
- name: Render the gateway's settings of the inventory
  hosts: login[0]
  gather_facts: false
  pre_tasks:
    - name: Read the hub's addresses
      ansible.builtin.include_role: {name: hpc.datasci.jupyterhub, tasks_from: wiring, public: true}
    - name: Read the gateway's values
      ansible.builtin.include_role: {name: hpc.datasci.dask_gateway, tasks_from: wiring, public: true}
  tasks:
    - name: Show the settings
      ansible.builtin.debug:
        msg: "{{ __dask_gateway_settings | to_nice_json }}"
      vars:
        dask_gateway_hub_derived_api_url: "{{ jupyterhub_api_url }}"
"""


@pytest.fixture(scope="module")
def demo_settings(tmp_path_factory):
    if not ANSIBLE_PLAYBOOK.exists():
        pytest.skip(f"{ANSIBLE_PLAYBOOK} is missing: create the venv from requirements.txt")
    directory = tmp_path_factory.mktemp("render")
    playbook = directory / "render.yml"
    playbook.write_text(RENDER_PLAYBOOK, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
               ANSIBLE_CACHE_PLUGIN_CONNECTION=str(directory / "facts"))
    result = subprocess.run([str(ANSIBLE_PLAYBOOK), str(playbook), "-i", str(DEMO)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    # The JSON report, without what other callbacks (the timer) print after it.
    report = result.stdout[result.stdout.index("{"):result.stdout.rindex("}") + 1]
    tasks = json.loads(report)["plays"][0]["tasks"]
    return json.loads(tasks[-1]["hosts"]["login1"]["msg"])


def test_the_demo_settings_configure_the_gateway(demo_settings, tmp_path):
    # Found on the gateway host by tasks/gateway.yml, not known before.
    assert demo_settings["bind_address"] == ""
    assert demo_settings["status_user"] == "slurm"
    config = _run_config(_install(tmp_path, dict(demo_settings, bind_address="172.18.0.5")))
    assert config.Proxy.address == "172.18.0.5:8010"
    assert config.JupyterHubAuthenticator.jupyterhub_api_url == "http://login1:8081/hub/api"
    assert config.SlurmBackend.api_url == "http://login1:8010/services/dask-gateway/api"
    assert config.SlurmClusterConfig.account == "datasci"
    assert config.SlurmClusterConfig.scheduler_memory == "512 M"
    assert config.SlurmClusterConfig.cluster_max_memory == "2560 M"
    assert config.SlurmClusterConfig.cluster_max_workers == 4
    assert config.SlurmClusterConfig.scheduler_setup == "#SBATCH --time=55:00"


@pytest.mark.parametrize(("options", "message"), [
    # As tests/integration/test_dask_gateway.py expects from the demo's gateway.
    ({"qos": "normal"}, "'normal' is not a valid option for qos"),
    ({"partition": "batch"}, "'batch' is not a valid option for partition"),
    ({"worker_cores": 64}, "worker_cores must be <= 2.000000, got 64"),
    ({"worker_memory": 64}, "worker_memory must be <= 1.000000, got 64.0"),
    ({"environment": "base"}, "'base' is not a valid option for environment"),
])
def test_the_demo_gateway_refuses_what_the_integration_test_tries(demo_settings, tmp_path, options, message):
    backend = SlurmBackend(config=_run_config(_install(tmp_path, dict(demo_settings, bind_address="172.18.0.5"))))
    assert _request(backend, options) == message


def test_the_demo_gateway_submits_to_short_and_burst(demo_settings, tmp_path):
    backend = SlurmBackend(config=_run_config(_install(tmp_path, dict(demo_settings, bind_address="172.18.0.5"))))
    cmd, _, script = _submission(backend, {}, worker=True)
    assert cmd[3:6] == ["--partition=short", "--account=datasci", "--qos=burst"]
    assert "--mem=512M" in cmd and "--cpus-per-task=1" in cmd
    assert script.splitlines()[1] == "#SBATCH --time=55:00"
    assert script.splitlines()[2].startswith("/opt/software/envs/notebook/bin/dask worker ")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))


class _FakeProcess:
    def __init__(self, returncode, out):
        self.returncode, self.out = returncode, out

    async def communicate(self, data):
        self.request = json.loads(data)
        return self.out.encode(), b"sudo: oops"


@pytest.mark.parametrize(("returncode", "reply", "outcome"), [
    (0, {"ok": True, "returncode": 0, "stdout": "42\n", "stderr": ""}, (0, "42\n", "")),
    (0, {"ok": False, "error": "Error setting up staging directory"}, "Error setting up staging directory"),
    (-11, {}, "sudo could not run the launcher as alice \\(exit -11\\): sudo: oops"),
])
def test_the_launcher_runs_through_sudo_with_an_environment(config, monkeypatch, returncode, reply, outcome):
    """sudo 1.9.16 (Debian 13) crashes when started with no environment at
    all, as the backend's own do_as_user starts it."""
    calls = []

    async def fake_exec(*args, **kwargs):
        calls.append((args, kwargs))
        calls.append(_FakeProcess(returncode, json.dumps(reply)))
        return calls[-1]

    monkeypatch.setattr(site.asyncio, "create_subprocess_exec", fake_exec)
    backend = config.DaskGateway.backend_class(config=config)
    run = backend.do_as_user("alice", "start", cmd=["/usr/bin/sbatch"], env={}, stdin="#!/bin/sh")
    if isinstance(outcome, tuple):
        assert asyncio.run(run) == outcome
    else:
        with pytest.raises(Exception, match=outcome):
            asyncio.run(run)
    (args, kwargs), proc = calls
    assert args == ("/usr/bin/sudo", "-n", "-H", "-u", "alice", backend.dask_gateway_jobqueue_launcher)
    assert kwargs["env"] == {"PATH": "/usr/bin:/bin"}
    assert proc.request == {"action": "start", "cmd": ["/usr/bin/sbatch"], "env": {}, "stdin": "#!/bin/sh"}
