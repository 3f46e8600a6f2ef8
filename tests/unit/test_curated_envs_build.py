"""Exact results of plugins/filter/curated_envs_build.py: the version of a
curated environment a run builds.

The hashes below are those the role computed in Jinja before the filter
(`... | to_json(sort_keys=true) | hash('sha256')` in tasks/build.yml), for
the same inputs: an environment that did not change keeps its version, and
a site's next run builds nothing.
"""

import pytest
from _filters import load_filter

build = load_filter("curated_envs_build")

KERNELS = "import os\nprint('kernels é')"
LOCK_LINES = ["# python: 3.11", "numpy==2.1.0 \\", "    --hash=sha256:abcd", "dask==2024.1.0 --hash=sha256:ef01"]
BASE = {"recipe": 2, "python": "/usr/bin/python3", "default": "default", "root": "/opt/envs",
        "files": "/roles/curated_envs/files", "kernels": KERNELS, "envs_dirs": ["~/.conda/envs", "/shared/envs"],
        "host": "login1"}


def _inputs(env, **more):
    return dict(BASE, env=env, **more)


@pytest.mark.parametrize("inputs, expected_hash", [
    # The default environment from the role's lock for Python 3.11.
    (_inputs({"name": "default", "kind": "venv", "spec_file": "locks/notebook.lock", "smoke_imports": ["numpy", "dask"]},
             spec_file="locks/notebook.cp311.lock", spec_text="\n".join(LOCK_LINES), probe="3.11.2 x86_64"),
     "df0fa0400112"),
    # Packages, another interpreter.
    (_inputs({"name": "tools", "kind": "venv", "packages": ["requests>=2", "rich"], "python": "/usr/bin/python3.13"}),
     "2686eb14de33"),
    # conda.
    (_inputs({"name": "r-stats", "kind": "conda", "packages": ["r-base=4.3", "python=3.11"], "smoke_imports": []}),
     "2b1fd7ccae24"),
])
def test_the_hash_is_the_one_of_before(inputs, expected_hash):
    assert build.curated_env_version(inputs)["hash"] == expected_hash


def test_the_default_environment_from_its_lock():
    env = {"name": "default", "kind": "venv", "spec_file": "locks/notebook.lock", "smoke_imports": ["numpy", "dask"]}
    result = build.curated_env_version(_inputs(env, spec_file="locks/notebook.cp311.lock",
                                               spec_text="\n".join(LOCK_LINES) + "\n", probe="3.11.2 x86_64"))
    assert result == {
        "spec_file": "locks/notebook.cp311.lock", "role_lock": True, "spec": LOCK_LINES, "locked": True,
        "is_default": True, "hash": "df0fa0400112", "dir": "/opt/envs/default-df0fa0400112", "spec_is_yaml": False,
        "spec_path": "/opt/envs/default-df0fa0400112/.curated-env-spec.txt", "link": "/opt/envs/default",
        "interpreter": "/usr/bin/python3", "target_errors": [],
        "origin": {"variable": "spec_file of curated_envs_list entry default", "site": False,
                   "path": "locks/notebook.cp311.lock", "source": "/roles/curated_envs/files/locks/notebook.in",
                   "host": "login1"}}


def test_the_recipe_counts_as_a_number():
    env = {"name": "tools", "kind": "venv", "packages": ["requests>=2", "rich"], "python": "/usr/bin/python3.13"}
    assert build.curated_env_version(dict(_inputs(env), recipe="2"))["hash"] == "2686eb14de33"


def test_the_kernels_and_envs_dirs_count_only_for_the_default():
    env = {"name": "tools", "kind": "venv", "packages": ["rich"]}
    first = build.curated_env_version(_inputs(env))["hash"]
    assert build.curated_env_version(dict(_inputs(env), kernels="other", envs_dirs=[]))["hash"] == first
    assert build.curated_env_version(dict(_inputs(env), default="tools"))["hash"] != first


def test_a_conda_environment_file():
    env = {"name": "geo", "kind": "conda", "spec_file": "/site/geo.yaml"}
    result = build.curated_env_version(_inputs(env, spec_file="/site/geo.yaml", spec_text="name: geo\n"))
    assert (result["role_lock"], result["locked"], result["spec_is_yaml"], result["target_errors"]) == (
        False, False, True, [])
    assert result["spec_path"].endswith("/.curated-env-spec.yml")


def test_a_lock_for_another_python_is_refused_with_the_fix():
    env = {"name": "default", "kind": "venv", "spec_file": "locks/notebook.lock"}
    result = build.curated_env_version(_inputs(env, spec_file="locks/notebook.cp313.lock",
                                               spec_text="# python: 3.11\nnumpy==2.1.0 --hash=sha256:abcd\n",
                                               probe="3.13.5 x86_64"))
    assert result["target_errors"] == [
        "the role's lock locks/notebook.cp313.lock was made for Python 3.11, but login1 has Python 3.13.5"
        " (/usr/bin/python3) on x86_64: make a lock for it with scripts/lock.py"
        " /roles/curated_envs/files/locks/notebook.in --python-version 3.13 --platform x86_64-manylinux_2_28"
        " --output <inventory>/files/<name>.lock and set spec_file of curated_envs_list entry default to it"
        " (docs/software-environments.md#locks)"]


def test_no_role_lock_for_the_python():
    env = {"name": "default", "kind": "venv", "spec_file": "locks/notebook.lock"}
    result = build.curated_env_version(_inputs(env, spec_file="locks/notebook.cp39.lock", spec_text="",
                                               probe="3.9.2 aarch64"))
    assert result["target_errors"] == [
        "the role has no lock locks/notebook.cp39.lock for the Python of login1, 3.9.2 (/usr/bin/python3): make one"
        " with scripts/lock.py /roles/curated_envs/files/locks/notebook.in --python-version 3.9 --platform"
        " aarch64-manylinux_2_28 --output <inventory>/files/<name>.lock and set spec_file of curated_envs_list entry"
        " default to it, or add 3.9 to PYTHON_VERSIONS in scripts/lock.py and run make lock"
        " (docs/software-environments.md#locks)"]


def test_the_notebook_servers_configuration_is_part_of_the_default_environments_version_only():
    default = {"name": "default", "kind": "venv", "packages": ["jupyterlab"]}
    other = {"name": "tools", "kind": "venv", "packages": ["rich"]}
    server = ["site_notebook.py text", {"LabApp": {"news_url": None}}]
    changed = ["site_notebook.py text", {"LabApp": {"news_url": "https://news.example.org/feed.xml"}}]
    assert build.curated_env_version(_inputs(default, server=server))["hash"] \
        != build.curated_env_version(_inputs(default, server=changed))["hash"]
    assert build.curated_env_version(_inputs(default, server=server))["hash"] \
        != build.curated_env_version(_inputs(default))["hash"]
    # Another environment keeps the hash it had before the server's configuration was hashed.
    assert build.curated_env_version(_inputs(other, server=server))["hash"] \
        == build.curated_env_version(_inputs(other))["hash"]
