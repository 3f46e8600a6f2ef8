"""Exact results of plugins/filter/lock_drift.py: what pip installs and
uninstalls to make a venv hold exactly its lock's pins."""

import json

import pytest
from _filters import load_filter
from ansible.errors import AnsibleFilterError

drift = load_filter("lock_drift")

LOCK = """\
# python: 3.11
jupyterhub==5.5.4 \\
    --hash=sha256:aaaa
Jupyterhub_Idle.Culler==2.0.0 \\
    --hash=sha256:cccc
    # via -r hub-pam.in
ruamel.yaml==0.18.10 --hash=sha256:dddd
tornado==6.5 --hash=sha256:eeee
"""


def _pip_list(*packages):
    """`pip list --format=json` output of name==version strings."""
    return json.dumps([dict(zip(("name", "version"), p.split("=="))) for p in packages])


CONVERGED = ["jupyterhub==5.5.4", "jupyterhub-idle-culler==2.0.0", "ruamel.yaml==0.18.10", "tornado==6.5",
             "pip==23.0.1", "setuptools==66.1.1"]


@pytest.mark.parametrize("installed, expected", [
    # A first install: no venv yet, or a venv with only its own packages.
    ("", {"install": ["jupyterhub", "Jupyterhub_Idle.Culler", "ruamel.yaml", "tornado"], "remove": []}),
    (None, {"install": ["jupyterhub", "Jupyterhub_Idle.Culler", "ruamel.yaml", "tornado"], "remove": []}),
    (_pip_list("pip==23.0.1", "setuptools==66.1.1", "wheel==0.45.1"),
     {"install": ["jupyterhub", "Jupyterhub_Idle.Culler", "ruamel.yaml", "tornado"], "remove": []}),
    # Converged: nothing to do, whatever pip, setuptools and wheel are.
    (_pip_list(*CONVERGED), {"install": [], "remove": []}),
    (_pip_list(*CONVERGED, "wheel==0.45.1"), {"install": [], "remove": []}),
    # Names as PEP 503 compares them; versions as PEP 440 does.
    (_pip_list("JupyterHub==5.5.4", "jupyterhub_idle_culler==2.0.0", "Ruamel-YAML==0.18.10", "tornado==6.5.0"),
     {"install": [], "remove": []}),
    # A version bump in the lock, a package the lock gained.
    (_pip_list("jupyterhub==5.4.0", "jupyterhub-idle-culler==2.0.0", "ruamel.yaml==0.18.10", "pip==23.0.1"),
     {"install": ["jupyterhub", "tornado"], "remove": []}),
    # Packages the lock no longer has (another authenticator, a dropped
    # dependency) go, in the order of their canonical names.
    (_pip_list(*CONVERGED, "oauthenticator==17.3.0", "Mako==1.3.10", "jupyterhub-ldapauthenticator==2.0.2"),
     {"install": [], "remove": ["jupyterhub-ldapauthenticator", "Mako", "oauthenticator"]}),
    # Both at once.
    (_pip_list("jupyterhub==5.5.4", "jupyterhub-idle-culler==1.4.0", "tornado==6.5", "ldap3==2.9.1"),
     {"install": ["Jupyterhub_Idle.Culler", "ruamel.yaml"], "remove": ["ldap3"]}),
    # An installed version pip shows that is not PEP 440 differs.
    (_pip_list("jupyterhub==5.5.4", "jupyterhub-idle-culler==2.0.0", "ruamel.yaml==0.18.10", "tornado==dev-build"),
     {"install": ["tornado"], "remove": []}),
    # The listing already parsed (from_json).
    (json.loads(_pip_list(*CONVERGED[:3])), {"install": ["tornado"], "remove": []}),
])
def test_lock_drift(installed, expected):
    assert drift.lock_drift(installed, LOCK) == expected


def test_lock_pins_of_the_venv_own_packages_are_installed():
    lock = LOCK + "setuptools==80.9.0 --hash=sha256:ffff\n"
    assert drift.lock_drift(_pip_list(*CONVERGED), lock) == {"install": ["setuptools"], "remove": []}


@pytest.mark.parametrize("installed, lock, message", [
    ("Traceback (most recent call last):", LOCK,
     "lock_drift: the venv's package list is not pip's JSON: Expecting value: line 1 column 1 (char 0)"),
    ('{"jupyterhub": "5.5.4"}', LOCK, "lock_drift: the venv's package list is not a list of {name, version}"),
    ('[{"name": "jupyterhub"}]', LOCK, "lock_drift: the venv's package list is not a list of {name, version}"),
    ("", "# python: 3.11\n", "lock_drift: the lock pins no package"),
])
def test_lock_drift_refuses(installed, lock, message):
    with pytest.raises(AnsibleFilterError) as error:
        drift.lock_drift(installed, lock)
    assert str(error.value) == message


@pytest.mark.parametrize("left, right, same", [
    ("5.5.4", "5.5.4", True),
    ("6.5", "6.5.0", True),
    ("2026.08.0", "2026.8.0", True),
    ("1.0rc1", "1.0.0-rc.1", True),
    ("5.5.4", "5.5.5", False),
    ("1.0+local", "1.0", False),
    ("dev-build", "dev-build", True),
    ("dev-build", "1.0", False),
])
def test_same_version(left, right, same):
    assert drift.same_version(left, right) is same
