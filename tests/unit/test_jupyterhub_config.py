"""The hub's static configuration (roles/jupyterhub/files/jupyterhub_config.py)
run as JupyterHub runs it, with the data file and job script the role
renders for the demo inventory, and the job script as batchspawner fills
it in for a spawn (jupyterhub_job_extra_sbatch included).

The role's variables are rendered by Ansible itself
(fixtures/jupyterhub/render_settings.yml, about 2 s, no host touched).
"""

import asyncio
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest
from _modules import load_file
from _units import service_directives
from batchspawner import SlurmSpawner
from batchspawner.batchspawner import format_template
from traitlets.config import Config

ROOT = pathlib.Path(__file__).resolve().parents[2]
FILES = ROOT / "roles" / "jupyterhub" / "files"
RENDER = pathlib.Path(__file__).resolve().parent / "fixtures" / "jupyterhub" / "render_settings.yml"
ANSIBLE_PLAYBOOK = ROOT / ".venv" / "bin" / "ansible-playbook"
hub = load_file("hpc_datasci_hub", FILES / "hpc_datasci_hub.py")
EXTRA_SBATCH = ["--gres=gpu:1", "--constraint=avx512"]
SITE_SERVICE = {"name": "docs", "url": "http://login1:8020", "api_token": "d" * 40}


def _render(runs):
    """Runs the fixture playbook once per {out: extra_vars}, concurrently."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env["ANSIBLE_CONFIG"] = str(ROOT / "ansible.cfg")
    processes = [subprocess.Popen(
        [str(ANSIBLE_PLAYBOOK), str(RENDER), "-i", str(ROOT / "inventories" / "demo"),
         "-e", json.dumps(dict(extra_vars, out=str(out)))],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for out, extra_vars in runs]
    for process in processes:
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, output


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """{"default": dir, "extra": dir, "open": dir}: the role's files for
    the demo, as is (the login node's internal address given as
    192.0.2.10), with jupyterhub_job_extra_sbatch and a service, and with
    the hub on every interface."""
    if not ANSIBLE_PLAYBOOK.exists():
        pytest.skip(f"{ANSIBLE_PLAYBOOK} is missing: create the venv from requirements.txt")
    dirs = {name: tmp_path_factory.mktemp(name) for name in ("default", "extra", "open")}
    _render([(dirs["default"], {}),
             (dirs["extra"], {"jupyterhub_job_extra_sbatch": EXTRA_SBATCH, "jupyterhub_services": [SITE_SERVICE],
                              "jupyterhub_hub_ip": "10.1.2.3"}),
             (dirs["open"], {"jupyterhub_hub_ip": "0.0.0.0"})])
    return dirs


def _install(rendered_dir, target, extra_config=""):
    """A config directory as the role installs it, with state in the same
    directory: the static config, the module, the data file (its paths
    pointed at target), the job script, the tokens and the proxy token."""
    for name in ("jupyterhub_config.py", "hpc_datasci_hub.py"):
        shutil.copy(FILES / name, target / name)
    shutil.copy(rendered_dir / "notebook_job.sh.j2", target / "notebook_job.sh.j2")
    settings = json.loads((rendered_dir / "hub_settings.json").read_text())
    settings.update(config_dir=str(target), state_dir=str(target))
    (target / "hub_settings.json").write_text(json.dumps(settings))
    (target / "proxy.env").write_text("CONFIGPROXY_AUTH_TOKEN=proxy-secret\n")
    tokens = {s["name"]: "d" * 40 for s in settings["services"]}
    (target / "service_tokens.json").write_text(json.dumps(tokens))
    if extra_config:
        (target / "jupyterhub_extra_config.py").write_text(extra_config)
    return settings


def _load_config(path):
    """Runs a config file as traitlets does for JupyterHub, returning its c."""
    config = Config()
    namespace = {"get_config": lambda: config, "__file__": str(path)}
    saved_path = list(sys.path)
    try:
        exec(compile(path.read_text(), str(path), "exec"), namespace, namespace)  # noqa: S102
    finally:
        sys.path[:] = saved_path
    return config


def test_the_demos_data_file_holds_the_inventorys_values(rendered):
    settings = json.loads((rendered["default"] / "hub_settings.json").read_text())
    assert settings["hub_port"] == 8081 and settings["hub_connect_name"] == "login1"
    assert settings["hub_ip"] == "192.0.2.10"
    assert settings["slurm_account"] == "datasci"
    assert [p["name"] for p in settings["profiles"]] == ["interactive", "burst"]
    assert "api_token" not in json.dumps(settings)


def test_the_static_config_builds_the_hub_from_the_data_file(rendered, tmp_path):
    _install(rendered["default"], tmp_path)
    c = _load_config(tmp_path / "jupyterhub_config.py")
    assert c.JupyterHub.hub_port == 8081 and c.JupyterHub.hub_connect_ip == "login1"
    assert c.JupyterHub.hub_ip == "192.0.2.10"
    assert c.JupyterHub.db_url == f"sqlite:///{tmp_path}/jupyterhub.sqlite"
    assert c.ConfigurableHTTPProxy.auth_token == "proxy-secret"
    assert c.PAMAuthenticator.allowed_groups == {"datasci"}
    assert c.SlurmSpawner.req_account == "datasci"
    assert c.JupyterHub.services[-1]["name"] == "idle-culler"
    spawner = SlurmSpawner(config=c)
    asyncio.run(spawner.apply_user_options(spawner, {"profile": "interactive"}))
    assert (spawner.req_partition, spawner.req_qos, spawner.req_runtime, spawner.req_nprocs, spawner.req_memory) == (
        "short", "interactive", "2:00:00", "1", "1G")


def test_the_static_config_gives_services_their_tokens(rendered, tmp_path):
    _install(rendered["extra"], tmp_path)
    c = _load_config(tmp_path / "jupyterhub_config.py")
    assert c.JupyterHub.services[0] == {"name": "docs", "url": "http://login1:8020", "display": False,
                                        "api_token": "d" * 40}
    assert "access:services!service=docs" in c.Spawner.server_token_scopes


def test_the_sites_extra_config_runs_last_with_the_same_c(rendered, tmp_path):
    _install(rendered["default"], tmp_path, extra_config=(
        "c.LDAPAuthenticator.lookup_dn = True\n"
        "c.Spawner.environment['EXTRA'] = '1'\n"
        "c.Spawner.start_timeout = 600\n"))
    c = _load_config(tmp_path / "jupyterhub_config.py")
    assert c.LDAPAuthenticator.lookup_dn is True
    assert c.Spawner.environment == {"JUPYTERHUB_ACTIVITY_INTERVAL": "60", "EXTRA": "1"}
    assert c.Spawner.start_timeout == 600


def _job_script(rendered_dir, profile="interactive", account="datasci"):
    """The job script batchspawner submits for a spawn of alice."""
    spawner = SlurmSpawner(req_username="alice", req_homedir="/home/alice", req_keepvars="PATH,JUPYTERHUB_API_TOKEN",
                           req_account=account)
    settings = json.loads((rendered_dir / "hub_settings.json").read_text())
    asyncio.run(hub.Profiles(settings["profiles"]).apply_user_options(spawner, {"profile": profile}))
    subvars = spawner.get_req_subvars()
    subvars["cmd"] = "batchspawner-singleuser jupyterhub-singleuser"
    return format_template((rendered_dir / "notebook_job.sh.j2").read_text(), **subvars)


def _sbatch_lines(script):
    return [line for line in script.splitlines() if line.startswith("#SBATCH")]


def test_the_job_script_carries_the_profile(rendered):
    script = _job_script(rendered["default"])
    assert _sbatch_lines(script) == [
        "#SBATCH --job-name=jupyter-notebook",
        "#SBATCH --output=/home/alice/.jupyter-notebook-%j.log",
        "#SBATCH --chdir=/home/alice",
        "#SBATCH --export=PATH,JUPYTERHUB_API_TOKEN",
        "#SBATCH --partition=short",
        "#SBATCH --qos=interactive",
        "#SBATCH --account=datasci",
        "#SBATCH --time=2:00:00",
        "#SBATCH --cpus-per-task=1",
        "#SBATCH --mem=1G",
    ]
    assert "export PATH=/opt/software/envs/notebook/bin:/usr/local/bin:/usr/bin:/bin" in script
    assert script.rstrip().endswith("exec batchspawner-singleuser jupyterhub-singleuser")


def test_the_job_script_has_no_account_line_without_an_account(rendered):
    assert not any(line.startswith("#SBATCH --account") for line in _sbatch_lines(_job_script(
        rendered["default"], account="")))


def test_extra_sbatch_options_follow_the_profiles_before_any_command(rendered):
    script = _job_script(rendered["extra"], profile="burst")
    lines = _sbatch_lines(script)
    assert lines[-3:] == ["#SBATCH --mem=512M", "#SBATCH --gres=gpu:1", "#SBATCH --constraint=avx512"]
    body = [line for line in script.splitlines()[1:] if line.strip() and not line.startswith("#")]
    assert script.index("#SBATCH --constraint=avx512") < script.index(body[0])


def _exec_start(unit):
    """The unit's ExecStart command line, its continuation lines joined."""
    text = unit.read_text().replace("\\\n", " ")
    return next(line for line in text.splitlines() if line.startswith("ExecStart=")).split()


@pytest.mark.parametrize("variant, hub_ip, target", [
    ("default", "192.0.2.10", "192.0.2.10"),
    ("extra", "10.1.2.3", "10.1.2.3"),
    ("open", "0.0.0.0", "127.0.0.1"),
])
def test_the_hub_binds_its_address_and_the_proxy_targets_it(rendered, variant, hub_ip, target):
    assert json.loads((rendered[variant] / "hub_settings.json").read_text())["hub_ip"] == hub_ip
    command = _exec_start(rendered[variant] / "jupyterhub-proxy.service")
    option = {command[i]: command[i + 1] for i in range(1, len(command) - 1) if command[i].startswith("--")}
    assert option["--default-target"] == f"http://{target}:8081"
    assert option["--error-target"] == f"http://{target}:8081/hub/error"
    assert option["--api-ip"] == "127.0.0.1"


def _directives(unit):
    """The [Service] settings of a rendered unit: {key: [values]}."""
    return service_directives(unit.read_text())


# Settings systemd implements with a seccomp filter, which for a unit with
# User= turn NoNewPrivileges on: sudo could no longer become root.
SECCOMP_SETTINGS = ("SystemCallFilter", "SystemCallArchitectures", "RestrictAddressFamilies", "RestrictNamespaces",
                    "RestrictRealtime", "LockPersonality", "MemoryDenyWriteExecute", "PrivateDevices", "ProtectClock",
                    "ProtectHostname", "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs")


def test_the_hubs_unit_is_sandboxed_without_breaking_sudo(rendered):
    unit = _directives(rendered["default"] / "jupyterhub.service")
    for key in SECCOMP_SETTINGS + ("NoNewPrivileges", "RestrictSUIDSGID"):
        assert key not in unit, key
    assert unit["ProtectSystem"] == ["strict"] and unit["ProtectHome"] == ["read-only"]
    assert unit["ReadWritePaths"] == ["/var/lib/jupyterhub", "-/run/sudo", "-/var/log/sudo-io -/var/log/sudo.log"]
    assert unit["UMask"] == ["0077"] and unit["DevicePolicy"] == ["closed"]
    dropped = unit["CapabilityBoundingSet"][0].lstrip("~").split()
    assert {"CAP_SYS_ADMIN", "CAP_SYS_MODULE", "CAP_SYS_PTRACE", "CAP_NET_ADMIN"} <= set(dropped)
    assert not {"CAP_SETUID", "CAP_SETGID", "CAP_AUDIT_WRITE", "CAP_DAC_OVERRIDE"} & set(dropped)


def test_the_proxys_unit_has_every_protection_node_allows(rendered):
    unit = _directives(rendered["default"] / "jupyterhub-proxy.service")
    for key in [k for k in SECCOMP_SETTINGS if k != "MemoryDenyWriteExecute"] + ["NoNewPrivileges", "ProtectHome"]:
        assert unit[key][0] not in ("", "false", "no"), key
    assert "MemoryDenyWriteExecute" not in unit  # Node's JIT
    assert unit["CapabilityBoundingSet"] == unit["AmbientCapabilities"] == ["CAP_NET_BIND_SERVICE"]
    assert unit["RestrictAddressFamilies"] == ["AF_UNIX AF_INET AF_INET6 AF_NETLINK"]
    assert unit["UMask"] == ["0077"]
