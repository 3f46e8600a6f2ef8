"""plugins/filter/lock_selection.py: the role's lock of the host's Python."""

import pytest
from _filters import load_filter
from ansible.errors import AnsibleFilterError

selection = load_filter("lock_selection")


@pytest.mark.parametrize("path, python, expected", [
    ("locks/hub-pam.lock", "3.11", "locks/hub-pam.cp311.lock"),
    ("locks/hub-pam.lock", "3.13.5", "locks/hub-pam.cp313.lock"),
    ("locks/notebook.lock", "3.12.1", "locks/notebook.cp312.lock"),
    # Already a target's lock, a site's lock, another file, no version: as given.
    ("locks/notebook.cp311.lock", "3.13.5", "locks/notebook.cp311.lock"),
    ("/site/inventory/files/hub.lock", "3.13.5", "/site/inventory/files/hub.lock"),
    ("files/notebook.lock", "3.13.5", "files/notebook.lock"),
    ("locks/sub/x.lock", "3.13", "locks/sub/x.lock"),
    ("locks/env.yml", "3.13", "locks/env.yml"),
    ("", "3.13", ""),
    ("locks/uv.lock", "", "locks/uv.lock"),
    (None, None, ""),
])
def test_lock_for_python(path, python, expected):
    assert selection.lock_for_python(path, python) == expected


def test_lock_for_python_refuses_what_is_no_version():
    with pytest.raises(AnsibleFilterError, match="^lock_for_python: not a Python version: 'latest'"):
        selection.lock_for_python("locks/uv.lock", "latest")


# --- lock_for_host: a role's description of its lock, for one host ----------------

LOCK_TEXT = "# python: 3.11\n# platform: x86_64-manylinux_2_28\nuv==0.9.5 --hash=sha256:aaaa\n"


def _role(tmp_path, **more):
    (tmp_path / "files" / "locks").mkdir(parents=True)
    (tmp_path / "files" / "locks" / "uv.cp311.lock").write_bytes(LOCK_TEXT.encode())
    return dict({"variable": "curated_envs_uv_lock_file", "value": "", "inventory_dir": "/site/inventory",
                 "role_lock": "locks/uv.lock", "files": f"{tmp_path}/files", "interpreter": "/usr/bin/python3"},
                **more)


def test_lock_for_host_chooses_the_role_lock_of_the_interpreters_python(tmp_path):
    lock = _role(tmp_path)
    assert selection.lock_for_host(lock, "3.11.2 x86_64\n", "login1") == {
        "path": "locks/uv.cp311.lock", "src": f"{tmp_path}/files/locks/uv.cp311.lock", "text": LOCK_TEXT,
        "origin": {"variable": "curated_envs_uv_lock_file", "site": False, "path": "locks/uv.cp311.lock",
                   "source": f"{tmp_path}/files/locks/uv.in", "host": "login1"},
        "errors": []}


def test_lock_for_host_names_the_missing_role_lock(tmp_path):
    result = selection.lock_for_host(_role(tmp_path), "3.12.3 x86_64", "login1")
    assert (result["path"], result["text"]) == ("locks/uv.cp312.lock", "")
    assert result["errors"] == [
        "the role has no lock locks/uv.cp312.lock for the Python of login1, 3.12.3 (/usr/bin/python3): make one with"
        f" scripts/lock.py {tmp_path}/files/locks/uv.in --python-version 3.12 --platform x86_64-manylinux_2_28"
        " --output <inventory>/files/<name>.lock and set curated_envs_uv_lock_file to it, or add 3.12 to"
        " PYTHON_VERSIONS in scripts/lock.py and run make lock (docs/software-environments.md#locks)"]


def test_lock_for_host_takes_the_sites_lock_relative_to_the_inventory(tmp_path):
    (tmp_path / "inventory" / "files").mkdir(parents=True)
    (tmp_path / "inventory" / "files" / "uv.lock").write_bytes(b"uv==0.9.5 --hash=sha256:aaaa\r\n")
    lock = _role(tmp_path, value="files/uv.lock", inventory_dir=f"{tmp_path}/inventory")
    result = selection.lock_for_host(lock, "3.13.5 aarch64", "login1")
    # A lock without a header is not checked; its text is kept as it is.
    assert (result["path"], result["text"], result["errors"]) == (
        f"{tmp_path}/inventory/files/uv.lock", "uv==0.9.5 --hash=sha256:aaaa\r\n", [])
    assert result["origin"]["site"] is True
    absolute = selection.lock_for_host(dict(lock, value="/elsewhere/uv.lock"), "3.13.5 aarch64", "login1")
    assert (absolute["path"], absolute["errors"]) == ("/elsewhere/uv.lock", [
        "curated_envs_uv_lock_file (/elsewhere/uv.lock) is missing or empty on the control machine: give"
        " curated_envs_uv_lock_file the path of a lock (absolute, or relative to the inventory), or leave it empty"
        " for the role's"])
