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
