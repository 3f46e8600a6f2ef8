"""Unit tests for the locked_venv module.

No real pip or venv is needed: FakePip answers the interpreter's version
probe, `-m venv`, `pip list`, `pip install` and `pip uninstall` from a
package table it keeps for the venv, and records every call, so the tests
check exactly which commands that write would run on the host.
"""

import json
import os

import locked_venv
import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args
from ansible_collections.hpc.datasci.plugins.module_utils.requirements_lock import parse_lock

INTERPRETER = "/usr/bin/python3"
UV = "/opt/envs/.tools/bin/uv"

LOCK = """\
# python: 3.11
# platform: x86_64-manylinux_2_28
jupyterhub==5.5.4 \\
    --hash=sha256:aaaa
jupyterhub-idle-culler==2.0.0 \\
    --hash=sha256:cccc
tornado==6.5 --hash=sha256:eeee
"""

CONVERGED = {"jupyterhub": "5.5.4", "jupyterhub-idle-culler": "2.0.0", "tornado": "6.5",
             "pip": "23.0.1", "setuptools": "66.1.1"}

ORIGIN = {"variable": "jupyterhub_lock_file", "site": False, "path": "locks/hub-pam.cp311.lock",
          "source": "roles/jupyterhub/files/locks/hub-pam.in", "host": "login1"}


class FakePip:
    """A runner for AnsibleModule.run_command backed by a package table."""

    def __init__(self, venv, packages=None, python="3.11.2", machine="x86_64", venv_python="3.11.2"):
        self.venv = str(venv)
        self.python = python
        self.machine = machine
        self.calls = []
        if packages is not None:
            self._make(venv_python)
            self.packages = dict(packages)
        else:
            self.packages = None

    def _make(self, version, key="version"):
        os.makedirs(os.path.join(self.venv, "bin"), exist_ok=True)
        with open(os.path.join(self.venv, "bin", "python"), "w") as handle:
            handle.write("")
        with open(os.path.join(self.venv, "pyvenv.cfg"), "w") as handle:
            handle.write("home = /usr/bin\n%s = %s\n" % (key, version))

    def __call__(self, argv):
        argv = list(argv)
        self.calls.append(argv)
        if argv[1] == "-c":
            return 0, "%s %s\n" % (self.python, self.machine), ""
        if argv[1:3] == ["-m", "venv"]:
            self._make(self.python)
            self.packages = {"pip": "23.0.1", "setuptools": "66.1.1"}
            return 0, "", ""
        if argv[:2] == [UV, "venv"]:
            assert argv[2:4] == ["--python", INTERPRETER], argv
            self._make(self.python, "version_info")
            self.packages = {}
            return 0, "", ""
        command = argv[argv.index("pip") + 1]
        if command == "list":
            return 0, json.dumps([{"name": n, "version": v} for n, v in sorted(self.packages.items())]), ""
        if command == "install":
            with open(argv[argv.index("--requirement") + 1]) as handle:
                pins = parse_lock(handle.read()).pins
            self.packages.update({pin.name: pin.version for pin in pins.values()})
            return 0, "Successfully installed ...\n", ""
        if command == "uninstall":
            names = argv[argv.index("--python") + 2:] if argv[0] == UV else argv[argv.index("--yes") + 1:]
            for name in names:
                self.packages.pop(name)
            return 0, "", ""
        raise AssertionError("unexpected command %s" % argv)

    @property
    def writes(self):
        """The calls that change the venv."""
        return [call for call in self.calls
                if "venv" in call[1:3] or "install" in call or "uninstall" in call]


@pytest.fixture
def host(tmp_path, monkeypatch):
    """(venv path, lock path, a function that sets the fake pip)."""
    venv = tmp_path / "venv"
    lock = tmp_path / "requirements.lock"
    state = {}

    def run_command(self, args, **kwargs):
        assert isinstance(args, list), "commands are run with an argument list"
        assert not kwargs.get("use_unsafe_shell")
        return state["fake"](args)

    monkeypatch.setattr(AnsibleModule, "run_command", run_command)

    def use(fake):
        state["fake"] = fake
        return fake

    return venv, lock, use


def call(args, capsys, check_mode=False, diff=False):
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exc:
            locked_venv.main()
    return exc.value.code, json.loads(capsys.readouterr().out)


def _args(venv, lock, **more):
    return dict({"venv": str(venv), "lock": str(lock), "content": LOCK, "interpreter": INTERPRETER,
                 "origin": ORIGIN}, **more)


def _result(out):
    return {key: out[key] for key in ("changed", "created", "installed", "upgraded", "removed")}


def test_fresh_install(host, capsys):
    venv, lock, use = host
    lock.write_text(LOCK)
    fake = use(FakePip(venv))
    code, out = call(_args(venv, lock), capsys)
    assert code == 0
    assert _result(out) == {"changed": True, "created": True,
                            "installed": ["jupyterhub==5.5.4", "jupyterhub-idle-culler==2.0.0", "tornado==6.5"],
                            "upgraded": [], "removed": []}
    assert out["python"] == {"version": "3.11.2", "machine": "x86_64"}
    python = str(venv / "bin" / "python")
    assert fake.calls == [
        [INTERPRETER, "-c", locked_venv.PROBE],
        [INTERPRETER, "-m", "venv", str(venv)],
        [python, "-I", "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--require-hashes",
         "--requirement", str(lock)],
    ]
    assert fake.packages == CONVERGED


def test_up_to_date_venv_is_no_change(host, capsys):
    venv, lock, use = host
    lock.write_text(LOCK)
    fake = use(FakePip(venv, dict(CONVERGED, wheel="0.45.1")))
    code, out = call(_args(venv, lock), capsys)
    assert code == 0
    assert _result(out) == {"changed": False, "created": False,
                            "installed": [], "upgraded": [], "removed": []}
    assert fake.writes == []
    assert [call[1:] for call in fake.calls] == [
        ["-c", locked_venv.PROBE],
        ["-I", "-m", "pip", "list", "--disable-pip-version-check", "--format=json"],
    ]


def test_up_to_date_venv_without_content_reads_the_hosts_lock(host, capsys):
    venv, lock, use = host
    lock.write_text(LOCK)
    fake = use(FakePip(venv, CONVERGED))
    code, out = call(_args(venv, lock, content=None), capsys)
    assert (code, out["changed"], fake.writes) == (0, False, [])


def test_drift_upgrades_and_removes(host, capsys):
    venv, lock, use = host
    lock.write_text(LOCK)
    fake = use(FakePip(venv, dict(CONVERGED, jupyterhub="5.4.0", oauthenticator="17.3.0", Mako="1.3.10")))
    del fake.packages["tornado"]
    code, out = call(_args(venv, lock, pip_args=["--index-url", "https://pypi.example.org/simple"]), capsys)
    assert code == 0
    assert _result(out) == {"changed": True, "created": False,
                            "installed": ["tornado==6.5"],
                            "upgraded": [{"name": "jupyterhub", "before": "5.4.0", "after": "5.5.4"}],
                            "removed": ["Mako", "oauthenticator"]}
    python = str(venv / "bin" / "python")
    assert fake.writes == [
        [python, "-I", "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--require-hashes",
         "--index-url", "https://pypi.example.org/simple", "--requirement", str(lock)],
        [python, "-I", "-m", "pip", "uninstall", "--disable-pip-version-check", "--yes", "Mako", "oauthenticator"],
    ]
    assert fake.packages == CONVERGED


def test_only_extras_are_removed_without_an_install(host, capsys):
    venv, lock, use = host
    lock.write_text(LOCK)
    fake = use(FakePip(venv, dict(CONVERGED, ldap3="2.9.1")))
    code, out = call(_args(venv, lock), capsys)
    assert (out["changed"], out["removed"], out["installed"], out["upgraded"]) == (True, ["ldap3"], [], [])
    assert [call[3:5] for call in fake.writes] == [["pip", "uninstall"]]


@pytest.mark.parametrize("packages", [None, dict(CONVERGED, jupyterhub="5.4.0", ldap3="2.9.1")])
def test_check_mode_runs_no_write_command(host, capsys, packages):
    venv, lock, use = host
    fake = use(FakePip(venv, packages))
    code, out = call(_args(venv, lock), capsys, check_mode=True)
    assert (code, out["changed"]) == (0, True)
    assert fake.writes == []
    assert not lock.exists()
    if packages is None:
        assert not venv.exists()
        assert out["installed"] == ["jupyterhub==5.5.4", "jupyterhub-idle-culler==2.0.0", "tornado==6.5"]
    else:
        assert (out["upgraded"], out["removed"]) == ([{"name": "jupyterhub", "before": "5.4.0", "after": "5.5.4"}],
                                                     ["ldap3"])


def test_check_mode_sees_a_new_lock_before_it_is_written(host, capsys):
    venv, lock, use = host
    lock.write_text(LOCK.replace("5.5.4", "5.4.0"))
    fake = use(FakePip(venv, dict(CONVERGED, jupyterhub="5.4.0")))
    code, out = call(_args(venv, lock), capsys, check_mode=True)
    assert (out["changed"], out["upgraded"]) == (True, [{"name": "jupyterhub", "before": "5.4.0", "after": "5.5.4"}])
    assert fake.writes == []
    assert "5.4.0" in lock.read_text()


def test_a_lock_on_the_host_other_than_content_is_refused(host, capsys):
    venv, lock, use = host
    lock.write_text(LOCK.replace("5.5.4", "5.4.0"))
    fake = use(FakePip(venv, CONVERGED))
    code, out = call(_args(venv, lock), capsys)
    assert (code, out["msg"]) == (1, "the lock %s on the host is not the text given in content: put it there"
                                     " before (ansible.builtin.copy)" % lock)
    assert fake.calls == []


def test_diff_shows_the_package_versions(host, capsys):
    venv, lock, use = host
    lock.write_text(LOCK)
    use(FakePip(venv, dict(CONVERGED, jupyterhub="5.4.0", ldap3="2.9.1")))
    code, out = call(_args(venv, lock), capsys, check_mode=True, diff=True)
    assert out["diff"] == {
        "before_header": "%s (packages)" % venv, "after_header": "%s (packages)" % venv,
        "before": "jupyterhub==5.4.0\njupyterhub-idle-culler==2.0.0\nldap3==2.9.1\npip==23.0.1\n"
                  "setuptools==66.1.1\ntornado==6.5\n",
        "after": "jupyterhub==5.5.4\njupyterhub-idle-culler==2.0.0\npip==23.0.1\nsetuptools==66.1.1\ntornado==6.5\n",
    }


def test_lock_for_another_python_is_refused(host, capsys):
    venv, lock, use = host
    lock.write_text(LOCK)
    fake = use(FakePip(venv, CONVERGED, python="3.13.5", venv_python="3.13.5"))
    code, out = call(_args(venv, lock), capsys)
    assert code == 1
    assert out["msg"] == (
        "the role's lock locks/hub-pam.cp311.lock was made for Python 3.11 on x86_64-manylinux_2_28, but login1 has"
        " Python 3.13.5 (/usr/bin/python3) on x86_64: make a lock for it with scripts/lock.py"
        " roles/jupyterhub/files/locks/hub-pam.in --python-version 3.13 --platform x86_64-manylinux_2_28"
        " --output <inventory>/files/<name>.lock and set jupyterhub_lock_file to it"
        " (docs/software-environments.md#locks)")
    assert fake.writes == []


def test_lock_for_another_platform_is_refused(host, capsys):
    venv, lock, use = host
    lock.write_text(LOCK)
    fake = use(FakePip(venv, None, machine="aarch64"))
    origin = {"variable": "dask_gateway_lock_file", "site": True, "path": "/srv/site/gateway.lock", "host": "login1"}
    code, out = call(_args(venv, lock, origin=origin), capsys)
    assert code == 1
    assert out["msg"] == (
        "dask_gateway_lock_file (/srv/site/gateway.lock) was made for Python 3.11 on x86_64-manylinux_2_28, but"
        " login1 has Python 3.11.2 (/usr/bin/python3) on aarch64: make a lock for it with scripts/lock.py"
        " <input>.in --python-version 3.11 --platform aarch64-manylinux_2_28 --output <inventory>/files/<name>.lock"
        " and set dask_gateway_lock_file to it (docs/software-environments.md#locks)")
    assert fake.writes == []


def test_the_filter_gives_the_same_message(host, capsys):
    """The module and the roles' host check (lock_target_errors) share one text."""
    from _filters import load_filter
    venv, lock, use = host
    lock.write_text(LOCK)
    use(FakePip(venv, CONVERGED, python="3.13.5", venv_python="3.13.5"))
    code, out = call(_args(venv, lock), capsys)
    settings = dict(ORIGIN, text=LOCK, python="3.13.5", architecture="x86_64", interpreter=INTERPRETER)
    assert load_filter("lock_validation").lock_target_errors(settings) == [out["msg"]]


def test_venv_of_another_python_is_not_deleted(host, capsys):
    venv, lock, use = host
    lock.write_text(LOCK)
    fake = use(FakePip(venv, CONVERGED, venv_python="3.9.2"))
    code, out = call(_args(venv, lock), capsys)
    assert code == 1
    assert out["msg"] == (
        "%s was made with Python 3.9 but /usr/bin/python3 is Python 3.11.2: the venv must be made again. Stop the"
        " service that runs from it, remove %s and run again (or set recreate)" % (venv, venv))
    assert fake.writes == []
    assert (venv / "bin" / "python").exists()


def test_recreate_makes_the_venv_again(host, capsys):
    venv, lock, use = host
    lock.write_text(LOCK)
    fake = use(FakePip(venv, dict(CONVERGED, ldap3="2.9.1"), venv_python="3.9.2"))
    code, out = call(_args(venv, lock, recreate=True), capsys)
    assert (code, out["changed"], out["created"], out["removed"]) == (0, True, True, [])
    assert [call[1:3] for call in fake.writes] == [["-m", "venv"], ["-I", "-m"]]
    assert fake.packages == CONVERGED


def test_failed_install_names_the_command(host, capsys, monkeypatch):
    venv, lock, use = host
    lock.write_text(LOCK)
    fake = use(FakePip(venv, None))
    real = fake.__call__

    def failing(argv):
        if "install" in argv:
            fake.calls.append(list(argv))
            return 1, "", "ERROR: THESE PACKAGES DO NOT MATCH THE HASHES\n"
        return real(argv)

    use(failing)
    code, out = call(_args(venv, lock), capsys)
    assert code == 1
    assert out["msg"].startswith("Installing the lock %s into %s failed (" % (lock, venv))
    assert out["msg"].endswith(", rc 1): ERROR: THESE PACKAGES DO NOT MATCH THE HASHES")


def test_missing_lock_without_content_fails(host, capsys):
    venv, lock, use = host
    use(FakePip(venv, CONVERGED))
    code, out = call(_args(venv, lock, content=None), capsys)
    assert (code, out["msg"]) == (1, "the lock %s is not on the host" % lock)


def test_uv_makes_installs_and_removes(host, capsys):
    venv, lock, use = host
    lock.write_text(LOCK)
    fake = use(FakePip(venv))
    code, out = call(_args(venv, lock, installer="uv", uv=UV, content=None), capsys)
    assert (code, out["changed"], out["created"]) == (0, True, True)
    python = str(venv / "bin" / "python")
    assert fake.writes == [
        [UV, "venv", "--python", INTERPRETER, str(venv)],
        [UV, "pip", "install", "--python", python, "--require-hashes", "--requirement", str(lock)],
    ]
    fake.packages["ldap3"] = "2.9.1"
    fake.calls.clear()
    code, out = call(_args(venv, lock, installer="uv", uv=UV), capsys)
    assert (code, out["changed"], out["removed"]) == (0, True, ["ldap3"])
    assert fake.calls[1] == [UV, "pip", "list", "--python", python, "--format=json"]
    assert fake.writes == [[UV, "pip", "uninstall", "--python", python, "ldap3"]]
    code, out = call(_args(venv, lock, installer="uv", uv=UV), capsys)
    assert (code, out["changed"]) == (0, False)


def test_a_directory_with_a_python_but_no_pyvenv_cfg_is_left_alone(host, capsys):
    venv, lock, use = host
    lock.write_text(LOCK)
    fake = use(FakePip(venv, CONVERGED))
    (venv / "pyvenv.cfg").unlink()
    code, out = call(_args(venv, lock), capsys)
    assert (code, out["msg"]) == (1, "%s has bin/python but no version in its pyvenv.cfg: it is no venv made with"
                                     " python -m venv; move it away and run again" % venv)
    assert fake.writes == []


@pytest.mark.parametrize("left, right, same", [
    ("1.0", "1.0.0", True), ("v2.1", "2.1.0", True), ("6.5", "6.5.1", False), ("1.0rc1", "1.0rc1", True),
    ("dev-build", "dev-build", True), ("2024.01.0", "2024.1", True),
])
def test_versions_compare_without_packaging(monkeypatch, left, right, same):
    """A managed host without packaging still sees 1.0 and 1.0.0 as one release."""
    from ansible_collections.hpc.datasci.plugins.module_utils import venv_lock
    monkeypatch.setattr(venv_lock, "Version", None)
    assert venv_lock.same_version(left, right) is same
