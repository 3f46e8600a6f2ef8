"""The shared Miniforge and the curated environments on the converged site.

The real Miniforge installer cannot be downloaded on every test machine.
Unless MINIFORGE_INSTALLER names a real one, the site runs a STAND-IN
(tests/scaffolding/make-miniforge-standin.sh): these tests say which one
they saw, and the ones that need a real conda are skipped with that reason.
"""

import base64
import json
import os
import pathlib
import time

import pytest
from helpers import run_playbook, wait_until

LOGIN = "login1"
MINIFORGE = "/opt/software/miniforge3"
ENVS = "/opt/software/envs"
REAL = bool(os.environ.get("MINIFORGE_INSTALLER"))
needs_real_conda = pytest.mark.skipif(
    not REAL, reason="STAND-IN Miniforge installed: needs the real installer (set MINIFORGE_INSTALLER)"
)


def test_miniforge_is_the_real_one_or_a_named_stand_in(node):
    out = node(LOGIN).check_output(f"{MINIFORGE}/bin/conda --version 2>&1")
    if REAL:
        assert "stand-in" not in out
    else:
        assert "stand-in" in out
        print(f"NOTE: the STAND-IN Miniforge is installed ({out.strip()}); set MINIFORGE_INSTALLER for the real one")


def test_miniforge_prefix_is_a_versioned_read_only_install(node):
    host = node(LOGIN)
    link = host.file(MINIFORGE)
    assert link.is_symlink
    assert link.linked_to.startswith(f"{MINIFORGE}-")
    assert host.file(f"{MINIFORGE}/.miniforge-installed").is_file
    assert host.check_output(f"find {link.linked_to}/ -perm /022 -not -type l | head -n 5") == ""
    assert host.check_output(f"find {link.linked_to}/ -not -user root | head -n 5") == ""


@pytest.mark.parametrize(
    "line",
    ["channels:", "- conda-forge", "channel_priority: strict", "auto_activate_base: false",
     "envs_dirs:", "- ~/.conda/envs", "pkgs_dirs:", "- ~/.conda/pkgs"],
)
def test_site_condarc(node, line):
    assert line in node(LOGIN).file(f"{MINIFORGE}/.condarc").content_string.splitlines()


def test_module_load_gives_conda_in_a_batch_job(node):
    out = node(LOGIN).check_output(
        "runuser -l alice -c \"srun --nodes=1 --time=1 bash -lc 'module load miniforge && type conda'\" 2>&1"
    )
    assert "conda is a function" in out


@pytest.mark.parametrize("name", ["c1", LOGIN])
def test_module_load_gives_conda_in_a_users_login_shell(node, name):
    out = node(name).check_output("runuser -l alice -c 'module load miniforge && type conda && conda --version' 2>&1")
    assert "conda is a function" in out
    assert "conda" in out.splitlines()[-1]


def test_profile_script_defines_conda_in_a_login_shell(node):
    out = node("c2").check_output("runuser -l bob -c 'type conda' 2>&1")
    assert "conda is a function" in out


def test_default_notebook_environment_is_live_and_complete(node):
    host = node("c2")
    link = host.file(f"{ENVS}/notebook")
    assert link.is_symlink and f"{ENVS}/notebook-" in link.linked_to
    assert host.file(f"{link.linked_to}/.curated-env-complete").is_file
    host.check_output(
        f"runuser -l alice -c '{ENVS}/notebook/bin/python -c "
        "\"import jupyterlab, jupyterhub.singleuser, batchspawner, dask, distributed, dask_gateway\"'"
    )


@pytest.mark.parametrize("name", ["c1", "c2", LOGIN])
def test_notebook_kernel_registered_on_every_node(node, name):
    spec = json.loads(node(name).file("/usr/local/share/jupyter/kernels/site-notebook/kernel.json").content_string)
    # The kernel runs from the version that is live when it starts.
    assert spec["argv"][:2] == ["/bin/sh", "-c"]
    assert f'exec "$(readlink -f {ENVS}/notebook)/bin/python" -m ipykernel_launcher' in spec["argv"][2]
    # Named with the live version by the notebook server; without it elsewhere.
    assert spec["display_name"] == "notebook (Python 3)"
    assert spec["metadata"]["hpc_datasci"] == {"env": f"{ENVS}/notebook",
                                               "display_name": "{name} {version} (Python {python})"}


def _user_env(host):
    """alice's own environment with ipykernel, in her envs_dirs."""
    if REAL:
        cmd = "module load miniforge && conda create --yes --quiet --force -n mine ipykernel"
    else:
        # The stand-in cannot create conda environments: make the same
        # directory layout with uv (a venv with ipykernel in ~/.conda/envs).
        cmd = (f"UV_SYSTEM_CERTS=1 {ENVS}/.tools/bin/uv venv -q --clear ~/.conda/envs/mine && "
               f"UV_SYSTEM_CERTS=1 {ENVS}/.tools/bin/uv pip install -q --python ~/.conda/envs/mine/bin/python ipykernel")
    host.check_output(f"runuser -l alice -c '{cmd}'")


def test_users_own_environment_appears_as_a_kernel(node):
    host = node("c1")
    _user_env(host)
    # The Jupyter server's own configuration of the notebook environment
    # chooses the kernel spec manager: ask the server what kernels it offers.
    probe = (
        "import json\n"
        "from jupyter_server.serverapp import ServerApp\n"
        "app = ServerApp()\n"
        "app.initialize(argv=[], new_httpserver=False, find_extensions=False)\n"
        "specs = app.kernel_spec_manager.get_all_specs()\n"
        "print(json.dumps({name: spec['spec']['argv'] for name, spec in specs.items()}))\n"
        "print(json.dumps({name: spec['spec']['display_name'] for name, spec in specs.items()}))\n"
        "print(app.kernel_manager.default_kernel_name)\n"
    )
    encoded = base64.b64encode(probe.encode()).decode()
    host.check_output(f"echo {encoded} | base64 -d > /tmp/kernels_probe.py && chmod 0644 /tmp/kernels_probe.py")
    out = host.check_output(f"runuser -l alice -c '{ENVS}/notebook/bin/python /tmp/kernels_probe.py' 2>/dev/null")
    *_, argv, names, default = out.strip().splitlines()
    specs, names = json.loads(argv), json.loads(names)
    assert specs["user-env-mine"][0] == "/home/alice/.conda/envs/mine/bin/python"
    assert f"{ENVS}/notebook" in specs["site-notebook"][2]
    # One kernel per curated environment (the environment's own "Python 3
    # (ipykernel)" left out), named with its live version; the user's own
    # environment as theirs; new notebooks get the site's kernel.
    assert "python3" not in specs and [n for n in specs if n.startswith("site-")] == ["site-notebook"], names
    version = host.file(f"{ENVS}/notebook").linked_to.rsplit("-", 1)[1]
    python = host.check_output(f"{ENVS}/notebook/bin/python -c 'import sys; print(\"%d.%d\" % sys.version_info[:2])'")
    assert names["site-notebook"] == f"notebook {version} (Python {python})"
    assert names["user-env-mine"] == "Python (mine, your environment)"
    assert default == "site-notebook"


@pytest.mark.parametrize("name", ["c1", LOGIN])
def test_notebook_servers_configuration_is_in_the_live_version(node, name):
    host = node(name)
    live = host.file(f"{ENVS}/notebook").linked_to
    config = json.loads(host.file(f"{live}/etc/jupyter/jupyter_server_config.json").content_string)
    assert config["LabApp"] == {"news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
                                "extension_manager": "readonly"}
    assert config["UserEnvKernelSpecManager"]["hide_own_kernels"] is True
    assert config["MappingKernelManager"] == {"default_kernel_name": "site-notebook"}
    assert "job_memory_limit()" in host.file(f"{live}/etc/jupyter/jupyter_server_config.py").content_string
    settings = json.loads(host.file(f"{live}/share/jupyter/lab/settings/overrides.json").content_string)
    assert settings["@jupyterlab/apputils-extension:notification"] == {"fetchNews": "false", "checkForUpdates": False}
    assert settings["dask-labextension:plugin"] == {"browserDashboardCheck": True}
    # The Dask panel's clusters are the gateway's (roles/dask_gateway).
    panel = host.file("/etc/dask/labextension.yaml").content_string
    assert "module: dask_gateway" in panel and "class: GatewayCluster" in panel
    out = host.check_output(f"{ENVS}/notebook/bin/jupyter server extension list 2>&1")
    for extension in ("dask_labextension", "jupyter_resource_usage"):
        assert f"{extension} \x1b[32menabled" in out or f"{extension} enabled" in out, out


def test_the_notebook_server_sees_its_slurm_jobs_memory_limit(node):
    """What jupyter-resource-usage shows the job's memory against: the limit
    of the Slurm job the server runs in (--mem=256M: 256 MiB, below the
    default partition's MaxMemPerCPU on the demo's 2000 MB nodes)."""
    out = node(LOGIN).check_output(
        "runuser -l alice -c \"srun --nodes=1 --time=1 --mem=256M "
        f"{ENVS}/notebook/bin/python -c 'import site_notebook; print(site_notebook.job_memory_limit())'\"")
    assert out.strip().splitlines()[-1] == str(256 * 1024 * 1024), out


@needs_real_conda
def test_real_conda_builds_an_environment(node):
    out = node(LOGIN).check_output("runuser -l bob -c 'module load miniforge && conda create --yes -n tiny python && "
                                   "conda run -n tiny python -c \"print(40 + 2)\"'")
    assert out.strip().splitlines()[-1] == "42"


def test_checksum_mismatch_is_refused_and_nothing_changes(node, ansible_args):
    host = node(LOGIN)
    before = host.file(MINIFORGE).linked_to
    run = run_playbook(ansible_args, "playbooks/software.yml", "--limit", LOGIN, "--tags", "miniforge",
                       "-e", "miniforge_version=0.0.1-mismatch", "-e", "miniforge_installer_sha256=" + "0" * 64)
    assert run.returncode != 0
    assert "The Miniforge installer has sha256" in run.stdout and "Nothing was installed" in run.stdout, run.stdout[-3000:]
    assert not host.file(f"{MINIFORGE}-0.0.1-mismatch").exists
    assert host.file(MINIFORGE).linked_to == before


def _probe_env(tmp_path, version, packages, imports):
    path = pathlib.Path(tmp_path) / f"probe-{version}.json"
    path.write_text(json.dumps({
        "curated_envs_default": "",
        "curated_envs_list": [{"name": "probe", "kind": "venv", "packages": packages,
                               "smoke_imports": imports, "kernel": False}],
    }))
    return f"@{path}"


def _live(host):
    return host.file(f"{ENVS}/probe").linked_to


def test_curated_env_switches_atomically_keeps_old_on_failure_and_rolls_back(node, ansible_args, tmp_path):
    login, reader = node(LOGIN), node("c1")
    v1 = _probe_env(tmp_path, 1, ["toolz==0.12.1"], ["toolz"])
    v2 = _probe_env(tmp_path, 2, ["toolz==0.12.1", "six==1.16.0"], ["toolz", "six"])
    broken = _probe_env(tmp_path, 3, ["toolz==0.12.1", "six==1.16.0"], ["toolz", "six", "no_such_module_here"])
    try:
        run = run_playbook(ansible_args, "playbooks/software.yml", "--limit", LOGIN, "--tags", "curated_envs", "-e", v1)
        assert run.returncode == 0, run.stdout[-3000:]
        first = _live(login)

        # A reader on another node polls the stable path through the shared
        # storage while the next version goes live.
        reader.check_output(
            "rm -f /tmp/probe.stop /tmp/probe.miss /tmp/probe.count; nohup bash -c '"
            f"n=0; while [ ! -e /tmp/probe.stop ]; do t=$(readlink -f {ENVS}/probe); "
            f"if [ -f \"$t/.curated-env-complete\" ] && [ -x {ENVS}/probe/bin/python ]; then :; else echo miss >> /tmp/probe.miss; fi; "
            "n=$((n+1)); done; echo $n > /tmp/probe.count' >/dev/null 2>&1 &"
        )
        # A long-running process started from the live version, resolved as
        # the site kernels resolve it, imports a module after the switch.
        reader.check_output(
            "rm -f /tmp/probe.old; nohup sh -c 'exec \"$(readlink -f " + ENVS + "/probe)/bin/python\" -c "
            "\"import time; time.sleep(25); import toolz; print(toolz.__file__)\"' > /tmp/probe.old 2>&1 &"
        )
        time.sleep(1)
        started = time.monotonic()
        run = run_playbook(ansible_args, "playbooks/software.yml", "--limit", LOGIN, "--tags", "curated_envs", "-e", v2)
        switch_seconds = time.monotonic() - started
        reader.check_output("touch /tmp/probe.stop; sleep 1")
        assert run.returncode == 0, run.stdout[-3000:]
        second = _live(login)
        assert second != first
        reads = int(reader.check_output("cat /tmp/probe.count"))
        misses = reader.run("cat /tmp/probe.miss").stdout.count("miss")
        print(f"new version built and switched in {switch_seconds:.1f} s; reader saw {reads} reads, {misses} misses")
        assert reads > 100 and misses == 0
        wait_until(lambda: "toolz" in reader.run("cat /tmp/probe.old").stdout, 60,
                   lambda: reader.run("cat /tmp/probe.old").stdout, every=2)
        assert reader.check_output("cat /tmp/probe.old").startswith(first + "/"), "the running process left its version"

        run = run_playbook(ansible_args, "playbooks/software.yml", "--limit", LOGIN, "--tags", "curated_envs", "-e", broken)
        assert run.returncode != 0
        assert "failed and was removed" in run.stdout, run.stdout[-3000:]
        assert _live(login) == second
        assert login.check_output(f"ls -d {ENVS}/probe-* | wc -l").strip() == "2"

        run = run_playbook(ansible_args, "playbooks/curated_env_rollback.yml", "--limit", LOGIN, "-e", "curated_envs_rollback=probe")
        assert run.returncode == 0, run.stdout[-3000:]
        assert _live(login) == first
        run = run_playbook(ansible_args, "playbooks/software.yml", "--limit", LOGIN, "--tags", "curated_envs", "-e", v2)
        assert run.returncode == 0 and "pinned by a rollback" in run.stdout, run.stdout[-3000:]
        assert _live(login) == first

        run = run_playbook(ansible_args, "playbooks/curated_env_rollback.yml", "--limit", LOGIN, "-e", "curated_envs_release=probe")
        assert run.returncode == 0, run.stdout[-3000:]
        run = run_playbook(ansible_args, "playbooks/software.yml", "--limit", LOGIN, "--tags", "curated_envs", "-e", v2)
        assert run.returncode == 0, run.stdout[-3000:]
        assert _live(login) == second
    finally:
        login.run(f"rm -rf {ENVS}/probe {ENVS}/probe-* {ENVS}/probe.previous {ENVS}/probe.pinned")
