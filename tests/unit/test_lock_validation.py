"""Exact messages of plugins/filter/lock_validation.py."""

import pytest
from _filters import load_filter

locks = load_filter("lock_validation")

HOW = "scripts/lock.py, docs/software-environments.md#locks"
LOCK = """\
# python: 3.11
jupyterhub==5.5.4 \\
    --hash=sha256:aaaa
batchspawner==1.3.0 --hash=sha256:bbbb
Jupyterhub_Idle.Culler==2.0.0 \\
    --hash=sha256:cccc
    # via -r hub-pam.in
"""
HUB = [
    {"variable": "jupyterhub_version", "value": "5.5.4", "package": "jupyterhub", "version": "5.5.4"},
    {"variable": "jupyterhub_batchspawner_version", "value": "1.3.0", "package": "batchspawner", "version": "1.3.0"},
    {"variable": "jupyterhub_idle_culler_version", "value": "2.0.0", "package": "jupyterhub-idle-culler",
     "version": "2.0.0"},
]
LDAP = {"variable": "jupyterhub_authenticator", "value": "ldap", "package": "jupyterhub-ldapauthenticator"}


def _settings(text=LOCK, requires=HUB, site=False, path="locks/hub-pam.lock"):
    return {"variable": "jupyterhub_lock_file", "site": site, "path": path, "text": text, "requires": requires}


def _bump(index, version):
    return [dict(r, value=version, version=version) if i == index else r for i, r in enumerate(HUB)]


@pytest.mark.parametrize("settings, expected", [
    (_settings(), []),
    (_settings(site=True, path="/site/hub.lock"), []),
    (_settings(requires=_bump(0, "5.6.0")),
     ["jupyterhub_version is 5.6.0 but the role's lock locks/hub-pam.lock pins jupyterhub==5.5.4: set"
      f" jupyterhub_lock_file to a lock of your own that pins jupyterhub==5.6.0 ({HOW}), or set jupyterhub_version"
      " back to 5.5.4"]),
    (_settings(requires=_bump(2, "2.1.0"), site=True, path="/site/hub.lock"),
     ["jupyterhub_idle_culler_version is 2.1.0 but jupyterhub_lock_file (/site/hub.lock) pins"
      " jupyterhub-idle-culler==2.0.0: set jupyterhub_lock_file to a lock of your own that pins"
      f" jupyterhub-idle-culler==2.1.0 ({HOW}), or set jupyterhub_idle_culler_version back to 2.0.0"]),
    (_settings(requires=HUB + [LDAP]),
     ["jupyterhub_authenticator is ldap but the role's lock locks/hub-pam.lock has no jupyterhub-ldapauthenticator:"
      f" set jupyterhub_lock_file to a lock of your own that has jupyterhub-ldapauthenticator ({HOW})"]),
    (_settings(text=LOCK.replace("batchspawner==1.3.0 --hash=sha256:bbbb", "batchspawner>=1.3")),
     [f"the role's lock locks/hub-pam.lock: batchspawner>=1.3 not pinned with ==; a lock pins every package ({HOW})",
      "jupyterhub_batchspawner_version is 1.3.0 but the role's lock locks/hub-pam.lock has no batchspawner: set"
      f" jupyterhub_lock_file to a lock of your own that pins batchspawner==1.3.0 ({HOW})"]),
    (_settings(text="jupyterhub==5.5.4\nbatchspawner==1.3.0\njupyterhub-idle-culler==2.0.0 --hash=sha256:cccc\n",
               site=True, path="/site/hub.lock"),
     ["jupyterhub_lock_file (/site/hub.lock): jupyterhub==5.5.4, batchspawner==1.3.0 without --hash; a lock has the"
      f" sha256 of every package ({HOW})"]),
    (_settings(text="", site=True, path="/site/missing.lock"),
     ["jupyterhub_lock_file (/site/missing.lock) is missing or empty on the control machine: give"
      " jupyterhub_lock_file the path of a lock (absolute, or relative to the inventory), or leave it empty for the"
      " role's"]),
    (_settings(text=None), ["the role's lock locks/hub-pam.lock is missing or empty on the control machine: give"
                            " jupyterhub_lock_file the path of a lock (absolute, or relative to the inventory), or"
                            " leave it empty for the role's"]),
    (_settings(text="# only comments\n--index-url https://example.org/simple\n"),
     [f"the role's lock locks/hub-pam.lock pins no package ({HOW})"]),
    (_settings(requires=[]), []),
])
def test_lock_errors(settings, expected):
    assert locks.lock_errors(settings) == expected


# --- The role's locks of every target at once (the first play) ------------------

def _role_locks(texts, path="locks/hub-pam.cp*.lock"):
    return {"variable": "jupyterhub_lock_file", "site": False, "path": path, "locks": texts, "requires": HUB}


@pytest.mark.parametrize("settings, expected", [
    (_role_locks({"locks/hub-pam.cp311.lock": LOCK, "locks/hub-pam.cp313.lock": LOCK}), []),
    (_role_locks({"locks/hub-pam.cp311.lock": LOCK,
                  "locks/hub-pam.cp313.lock": LOCK.replace("jupyterhub==5.5.4", "jupyterhub==5.6.0")}),
     ["jupyterhub_version is 5.5.4 but the role's lock locks/hub-pam.cp313.lock pins jupyterhub==5.6.0: set"
      f" jupyterhub_lock_file to a lock of your own that pins jupyterhub==5.5.4 ({HOW}), or set jupyterhub_version"
      " back to 5.6.0"]),
    (dict(_role_locks({"locks/hub-pam.cp311.lock": LOCK, "locks/hub-pam.cp313.lock": LOCK}),
          requires=_bump(1, "1.4.0")),
     [f"jupyterhub_batchspawner_version is 1.4.0 but the role's lock locks/hub-pam.cp{tag}.lock pins"
      " batchspawner==1.3.0: set jupyterhub_lock_file to a lock of your own that pins batchspawner==1.4.0"
      f" ({HOW}), or set jupyterhub_batchspawner_version back to 1.3.0" for tag in ("311", "313")]),
    (dict(_role_locks({"/site/hub.lock": ""}), site=True),
     ["jupyterhub_lock_file (/site/hub.lock) is missing or empty on the control machine: give jupyterhub_lock_file"
      " the path of a lock (absolute, or relative to the inventory), or leave it empty for the role's"]),
    (_role_locks({}), [f"the role has no lock locks/hub-pam.cp*.lock: run make lock ({HOW})"]),
])
def test_lock_errors_of_each_lock(settings, expected):
    assert locks.lock_errors(settings) == expected


# --- The lock's target against the host (lock_target_errors) ---------------------

TARGETED = """\
# Lock of hub-pam.in: every package pinned, with the sha256 of its files.
# python: 3.11
# platform: x86_64-manylinux_2_28
# inputs-sha256: 0123
jupyterhub==5.5.4 --hash=sha256:aaaa
"""
FIX = "(docs/software-environments.md#locks)"


def _target(text=TARGETED, python="3.11.2", arch="x86_64", site=False, variable="jupyterhub_lock_file",
            path="locks/hub-pam.lock"):
    return {"variable": variable, "site": site, "path": path, "text": text, "python": python,
            "interpreter": "/usr/bin/python3", "architecture": arch, "host": "login1"}


@pytest.mark.parametrize("settings, expected", [
    (_target(), []),
    (_target(python="3.11"), []),
    (_target(arch="amd64"), []),
    # A lock without the header (a site's own, made otherwise) is not checked.
    (_target(text=LOCK.replace("# python: 3.11\n", ""), python="3.12.1", arch="aarch64"), []),
    (_target(text=TARGETED.replace("x86_64-manylinux_2_28", "linux")), []),
    (_target(text=TARGETED.replace("x86_64-manylinux_2_28", "aarch64-unknown-linux-gnu"), arch="aarch64"), []),
    (_target(text=TARGETED.replace("3.11", "3.11.2")), []),
    (_target(python="3.12.1"),
     ["the role's lock locks/hub-pam.lock was made for Python 3.11 on x86_64-manylinux_2_28, but login1 has Python"
      " 3.12.1 (/usr/bin/python3) on x86_64: make a lock for it with scripts/lock.py <input>.in --python-version"
      " 3.12 --platform x86_64-manylinux_2_28 --output <inventory>/files/<name>.lock and set jupyterhub_lock_file"
      f" to it {FIX}"]),
    (_target(arch="aarch64", site=True, variable="dask_gateway_lock_file", path="/site/gateway.lock"),
     ["dask_gateway_lock_file (/site/gateway.lock) was made for Python 3.11 on x86_64-manylinux_2_28, but login1"
      " has Python 3.11.2 (/usr/bin/python3) on aarch64: make a lock for it with scripts/lock.py <input>.in"
      " --python-version 3.11 --platform aarch64-manylinux_2_28 --output <inventory>/files/<name>.lock and set"
      f" dask_gateway_lock_file to it {FIX}"]),
    (_target(text=TARGETED.replace("x86_64-manylinux_2_28", "macos"), python="3.10.12", arch="x86_64"),
     ["the role's lock locks/hub-pam.lock was made for Python 3.11 on macos, but login1 has Python 3.10.12"
      " (/usr/bin/python3) on x86_64: make a lock for it with scripts/lock.py <input>.in --python-version 3.10"
      " --platform x86_64-manylinux_2_28 --output <inventory>/files/<name>.lock and set jupyterhub_lock_file to it"
      f" {FIX}"]),
    # Only the platform in the header.
    (_target(text=TARGETED.replace("# python: 3.11\n", ""), arch="aarch64"),
     ["the role's lock locks/hub-pam.lock was made for x86_64-manylinux_2_28, but login1 has Python 3.11.2"
      " (/usr/bin/python3) on aarch64: make a lock for it with scripts/lock.py <input>.in --python-version 3.11"
      " --platform aarch64-manylinux_2_28 --output <inventory>/files/<name>.lock and set jupyterhub_lock_file to it"
      f" {FIX}"]),
    # A role's lock is made from a known input: the fix names it.
    (dict(_target(python="3.12.1"), source="/c/roles/jupyterhub/files/locks/hub-pam.in"),
     ["the role's lock locks/hub-pam.lock was made for Python 3.11 on x86_64-manylinux_2_28, but login1 has Python"
      " 3.12.1 (/usr/bin/python3) on x86_64: make a lock for it with scripts/lock.py"
      " /c/roles/jupyterhub/files/locks/hub-pam.in --python-version 3.12 --platform x86_64-manylinux_2_28 --output"
      f" <inventory>/files/<name>.lock and set jupyterhub_lock_file to it {FIX}"]),
    # The role has no lock for the host's Python (the one chosen for it does not exist).
    (dict(_target(text="", python="3.12.1", path="locks/hub-pam.cp312.lock"),
          source="/c/roles/jupyterhub/files/locks/hub-pam.in"),
     ["the role has no lock locks/hub-pam.cp312.lock for the Python of login1, 3.12.1 (/usr/bin/python3): make one"
      " with scripts/lock.py /c/roles/jupyterhub/files/locks/hub-pam.in --python-version 3.12 --platform"
      " x86_64-manylinux_2_28 --output <inventory>/files/<name>.lock and set jupyterhub_lock_file to it, or add 3.12"
      f" to PYTHON_VERSIONS in scripts/lock.py and run make lock {FIX}"]),
    (_target(text=None, python="3.14.0", arch="aarch64", variable="spec_file of curated_envs_list entry notebook",
             path="locks/notebook.cp314.lock"),
     ["the role has no lock locks/notebook.cp314.lock for the Python of login1, 3.14.0 (/usr/bin/python3): make one"
      " with scripts/lock.py <input>.in --python-version 3.14 --platform aarch64-manylinux_2_28 --output"
      " <inventory>/files/<name>.lock and set spec_file of curated_envs_list entry notebook to it, or add 3.14 to"
      f" PYTHON_VERSIONS in scripts/lock.py and run make lock {FIX}"]),
    (_target(text="", site=True, variable="dask_gateway_lock_file", path="/site/gateway.lock"),
     ["dask_gateway_lock_file (/site/gateway.lock) is missing or empty on the control machine: give"
      " dask_gateway_lock_file the path of a lock (absolute, or relative to the inventory), or leave it empty for"
      " the role's"]),
    (_target(site=True, variable="spec_file of curated_envs_list entry notebook", path="locks/notebook.lock",
             python="3.13.0"),
     ["spec_file of curated_envs_list entry notebook (locks/notebook.lock) was made for Python 3.11 on"
      " x86_64-manylinux_2_28, but login1 has Python 3.13.0 (/usr/bin/python3) on x86_64: make a lock for it with"
      " scripts/lock.py <input>.in --python-version 3.13 --platform x86_64-manylinux_2_28 --output"
      " <inventory>/files/<name>.lock and set spec_file of curated_envs_list entry notebook to it"
      f" {FIX}"]),
])
def test_lock_target_errors(settings, expected):
    assert locks.lock_target_errors(settings) == expected


@pytest.mark.parametrize("platform, expected", [
    ("x86_64-manylinux_2_28", ("x86_64", "linux")),
    ("aarch64-manylinux2014", ("aarch64", "linux")),
    ("x86_64-unknown-linux-musl", ("x86_64", "linux")),
    ("linux", ("x86_64", "linux")),
    ("windows", ("x86_64", "windows")),
    ("aarch64-apple-darwin", ("aarch64", "macos")),
])
def test_platform_target(platform, expected):
    assert locks.platform_target(platform) == expected


@pytest.mark.parametrize("python", ["3.11.2", "3.13.5"], ids=["debian-12", "debian-13"])
def test_the_role_lock_chosen_for_debian_12s_and_13s_python_fits_it(python):
    from pathlib import Path

    from ansible_collections.hpc.datasci.plugins.filter.lock_selection import lock_for_python
    root = Path(__file__).resolve().parents[2]
    for source in sorted(root.glob("roles/*/files/locks/*.in")):
        chosen = source.parent.parent / lock_for_python(f"locks/{source.stem}.lock", python)
        settings = _target(text=chosen.read_text(encoding="utf-8"), python=python, path=str(chosen))
        assert locks.lock_target_errors(settings) == [], chosen


# --- lock_check: a role's description of its lock, on the control machine -----------

def _hub_lock(value="", inventory_dir="/site/inventory", authenticator="pam", requires=HUB):
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    return {"variable": "jupyterhub_lock_file", "value": value, "inventory_dir": inventory_dir,
            "role_lock": f"locks/hub-{authenticator}.lock", "files": str(root / "roles/jupyterhub/files"),
            "interpreter": "/usr/bin/python3", "requires": requires}


def test_lock_check_passes_the_roles_locks():
    assert locks.lock_check(_hub_lock()) == []


def test_lock_check_names_each_of_the_roles_locks():
    requires = [dict(HUB[0], value="5.6.0", version="5.6.0")]
    assert [error.split(" pins ")[0] for error in locks.lock_check(_hub_lock(requires=requires))] == [
        "jupyterhub_version is 5.6.0 but the role's lock locks/hub-pam.cp311.lock",
        "jupyterhub_version is 5.6.0 but the role's lock locks/hub-pam.cp313.lock"]


def test_lock_check_of_a_site_lock(tmp_path):
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "hub.lock").write_text(LOCK)
    assert locks.lock_check(_hub_lock(value="files/hub.lock", inventory_dir=str(tmp_path),
                                      requires=HUB + [LDAP])) == [
        f"jupyterhub_authenticator is ldap but jupyterhub_lock_file ({tmp_path}/files/hub.lock) has no"
        f" jupyterhub-ldapauthenticator: set jupyterhub_lock_file to a lock of your own that has"
        f" jupyterhub-ldapauthenticator ({HOW})"]
    assert locks.lock_check(_hub_lock(value="files/missing.lock", inventory_dir=str(tmp_path))) == [
        f"jupyterhub_lock_file ({tmp_path}/files/missing.lock) is missing or empty on the control machine: give"
        " jupyterhub_lock_file the path of a lock (absolute, or relative to the inventory), or leave it empty for"
        " the role's"]


def test_lock_check_without_role_locks(tmp_path):
    lock = dict(_hub_lock(), files=str(tmp_path))
    assert locks.lock_check(lock) == [f"the role has no lock locks/hub-pam.cp*.lock: run make lock ({HOW})"]
