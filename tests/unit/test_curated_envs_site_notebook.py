"""What the default notebook environment's server computes at its start
(roles/curated_envs/files/site_notebook.py): the Slurm job's memory limit
that jupyter-resource-usage shows, the site kernels' names with the live
version, and which kernels are the environment's own."""

import os
import pathlib
import subprocess
import sys

import pytest
from _modules import load_file

FILES = pathlib.Path(__file__).resolve().parents[2] / "roles" / "curated_envs" / "files"
MIB = 1024 * 1024


def _load():
    return load_file("site_notebook", FILES / "site_notebook.py")


site = _load()


def _cgroup_v2(tmp_path, limits, path="/system.slice/slurmstepd.scope/job_42/step_batch/user/task_0"):
    """A cgroup v2 tree whose memory.max files hold `limits` ({relative
    path: text}); the process's cgroup is `path`."""
    root = tmp_path / "cgroup"
    (root / path.strip("/")).mkdir(parents=True)
    for relative, text in limits.items():
        (root / relative).write_text(text + "\n")
    proc = tmp_path / "proc_cgroup"
    proc.write_text(f"0::{path}\n")
    return str(proc), str(root)


def test_the_limit_slurm_sets_on_the_jobs_cgroup_is_found_from_the_tasks(tmp_path):
    proc, root = _cgroup_v2(tmp_path, {
        "system.slice/slurmstepd.scope/job_42/memory.max": str(4096 * MIB),
        "system.slice/slurmstepd.scope/job_42/step_batch/memory.max": "max",
        "system.slice/slurmstepd.scope/job_42/step_batch/user/task_0/memory.max": "max",
    })
    assert site.cgroup_memory_limit(proc, root) == 4096 * MIB
    # The cgroup (what Slurm enforces) comes before the job's variables.
    assert site.job_memory_limit({"SLURM_MEM_PER_NODE": "2048"}, proc, root) == 4096 * MIB


def test_the_smallest_limit_on_the_way_up_counts(tmp_path):
    proc, root = _cgroup_v2(tmp_path, {
        "system.slice/memory.max": str(1024 * MIB),
        "system.slice/slurmstepd.scope/job_42/memory.max": str(4096 * MIB),
    })
    assert site.cgroup_memory_limit(proc, root) == 1024 * MIB


def test_cgroup_v1_reads_the_memory_controllers_limit_and_ignores_its_no_limit(tmp_path):
    root = tmp_path / "cgroup"
    job = root / "memory" / "slurm" / "uid_1000" / "job_7"
    job.mkdir(parents=True)
    (job / "memory.limit_in_bytes").write_text(str(2048 * MIB))
    (root / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712")
    proc = tmp_path / "proc_cgroup"
    proc.write_text("12:cpuset:/slurm/uid_1000/job_7\n5:memory:/slurm/uid_1000/job_7\n")
    assert site.cgroup_memory_limit(str(proc), str(root)) == 2048 * MIB


@pytest.mark.parametrize("environ, expected", [
    ({"SLURM_MEM_PER_NODE": "4096"}, 4096 * MIB),
    ({"SLURM_MEM_PER_CPU": "1024", "SLURM_CPUS_ON_NODE": "2"}, 2048 * MIB),
    ({"SLURM_MEM_PER_CPU": "1024"}, 1024 * MIB),
    ({"SLURM_MEM_PER_NODE": "0", "SLURM_MEM_PER_CPU": "512", "SLURM_CPUS_PER_TASK": "4"}, 2048 * MIB),
    ({"SLURM_MEM_PER_NODE": "4G"}, 0),
    ({}, 0),
])
def test_the_jobs_variables_when_the_cgroup_has_no_limit(tmp_path, environ, expected):
    proc, root = _cgroup_v2(tmp_path, {"memory.max": "max"}, path="/")
    assert site.job_memory_limit(environ, proc, root) == expected


def test_no_cgroup_file_and_no_job_is_no_limit(tmp_path):
    assert site.job_memory_limit({}, str(tmp_path / "none"), str(tmp_path)) == 0


def _env(tmp_path, name="notebook", version="3f9a1c2b7e01", cfg="home = /usr/bin\nversion = 3.11.2\n"):
    target = tmp_path / f"{name}-{version}"
    target.mkdir()
    if cfg is not None:
        (target / "pyvenv.cfg").write_text(cfg)
    link = tmp_path / name
    link.symlink_to(target.name)
    return target, str(link)


def test_the_display_name_has_the_live_version_and_its_python(tmp_path):
    _, link = _env(tmp_path)
    assert site.kernel_display_name("{name} {version} (Python {python})", link) == "notebook 3f9a1c2b7e01 (Python 3.11)"


def test_a_conda_environments_python_is_that_of_its_lib_directory(tmp_path):
    target, link = _env(tmp_path, name="geo", version="0123456789ab", cfg=None)
    (target / "lib" / "python3.12").mkdir(parents=True)
    assert site.kernel_display_name("{name} {version} (Python {python})", link) == "geo 0123456789ab (Python 3.12)"


def test_what_cannot_be_read_is_a_question_mark_and_a_bad_template_is_kept(tmp_path):
    assert site.kernel_display_name("{name} {version} (Python {python})", str(tmp_path / "gone")) == "gone ? (Python ?)"
    _, link = _env(tmp_path)
    assert site.kernel_display_name("{name} {release}", link) == "{name} {release}"


def test_own_kernels_are_those_inside_the_servers_environment(tmp_path):
    prefix = tmp_path / "notebook-3f9a1c2b7e01"
    (prefix / "share" / "jupyter" / "kernels" / "python3").mkdir(parents=True)
    (tmp_path / "notebook").symlink_to(prefix.name)
    assert site.is_own_kernel(str(prefix / "share" / "jupyter" / "kernels" / "python3"), str(tmp_path / "notebook"))
    assert not site.is_own_kernel("/usr/local/share/jupyter/kernels/site-notebook", str(prefix))
    assert not site.is_own_kernel(str(tmp_path / "notebook-3f9a1c2b7e01-other"), str(prefix))


def test_the_jupyter_configuration_file_sets_the_limit_it_computes(tmp_path):
    """files/jupyter_server_config.py as Jupyter runs it: with `get_config`
    and the site module on the path, in a Slurm job with --mem=3G whose
    cgroup is not visible (a container)."""
    runner = (
        "import os, sys, types\n"
        f"sys.path.insert(0, {str(FILES)!r})\n"
        "import site_notebook\n"
        "site_notebook.cgroup_memory_limit = lambda *a: 0\n"
        "class C(dict):\n"
        "    def __getattr__(self, name):\n"
        "        return self.setdefault(name, types.SimpleNamespace())\n"
        "c = C()\n"
        f"code = open({str(FILES / 'jupyter_server_config.py')!r}).read()\n"
        "exec(compile(code, 'jupyter_server_config.py', 'exec'), {'get_config': lambda: c})\n"
        "print(getattr(c['ResourceUseDisplay'], 'mem_limit', None) if 'ResourceUseDisplay' in c else None)\n"
    )
    run = subprocess.run([sys.executable, "-c", runner], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, SLURM_MEM_PER_NODE="3072"))
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(3072 * MIB)
    run = subprocess.run([sys.executable, "-c", runner], capture_output=True, text=True, timeout=60,
                         env={k: v for k, v in os.environ.items() if not k.startswith("SLURM_")})
    assert run.stdout.strip() == "None", run.stderr


@pytest.mark.parametrize(("address", "host"), [
    ("http://login1:8010/services/dask-gateway", "login1"),
    ("https://gw.example.org/services/dask-gateway", "gw.example.org"),
    ("", None),
    (None, None),
])
def test_the_gateway_host_is_its_address_host(address, host):
    assert site.url_host(address) == host


@pytest.mark.parametrize(("prefix", "expected"), [
    ("/user/bob/", "/user/bob/proxy/login1:8010/services/dask-gateway"),
    # A named server, and a prefix without its trailing slash.
    ("/user/bob/gpu", "/user/bob/gpu/proxy/login1:8010/services/dask-gateway"),
])
def test_the_panels_clusters_show_their_dashboard_through_the_servers_proxy(prefix, expected):
    """dask-labextension opens a dashboard link as it is only under the
    server's proxy/; elsewhere it asks its own proxy, which drops the
    gateway's path (dask/dashboard/<id>/individual-plots.json: 404)."""
    assert site.dashboard_address("http://login1:8010/services/dask-gateway", prefix) == expected
