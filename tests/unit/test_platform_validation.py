"""Unit tests of the tested platforms (plugins/filter/platform_validation.py)
and of the roles' meta, which must name exactly those."""

import pathlib

import pytest
import yaml
from ansible_collections.hpc.datasci.plugins.filter.platform_validation import TESTED_PLATFORMS, platform_errors

ROOT = pathlib.Path(__file__).resolve().parents[2]


def facts(name, major):
    return {"distribution": name, "distribution_major_version": major}


@pytest.mark.parametrize(("mode", "hosts", "errors"), [
    ("managed", {"ctl": facts("Debian", "12")}, []),
    ("overlay", {"ctl": facts("Debian", "13")}, []),
    ("managed", {"ctl": facts("Debian", "13"), "c1": facts("Debian", "12")}, [
        "ctl runs Debian 13; in slurm_mode managed the bundle is tested on Debian 12 (bookworm) only. Run it on a "
        "tested platform (overlay mode: Debian 13 with the site's Slurm), or remove the host from the inventory."]),
    ("overlay", {"login1": facts("Ubuntu", "24")}, [
        "login1 runs Ubuntu 24; in slurm_mode overlay the bundle is tested on Debian 13 (trixie) only. Run it on a "
        "tested platform (managed mode: Debian 12), or remove the host from the inventory."]),
    ("overlay", {"c9": {}}, [
        "c9 runs an unknown OS; in slurm_mode overlay the bundle is tested on Debian 13 (trixie) only. Run it on a "
        "tested platform (managed mode: Debian 12), or remove the host from the inventory."]),
    ("bogus", {"ctl": facts("Debian", "12")}, []),
])
def test_hosts_on_untested_platforms_are_refused(mode, hosts, errors):
    assert platform_errors({"mode": mode, "hosts": hosts}) == errors


# Roles that run in both modes, and those of managed mode alone.
BOTH = ["curated_envs", "dask_gateway", "jupyterhub", "login_firewall", "miniforge", "site_check", "slurm"]
MANAGED_ONLY = ["munge"]


@pytest.mark.parametrize("role", BOTH + MANAGED_ONLY)
def test_each_roles_meta_names_exactly_the_tested_platforms(role):
    meta = yaml.safe_load((ROOT / "roles" / role / "meta" / "main.yml").read_text())
    named = {(p["name"], v) for p in meta["galaxy_info"]["platforms"] for v in p["versions"]}
    modes = ["managed"] if role in MANAGED_ONLY else ["managed", "overlay"]
    assert named == {(name, codename) for mode in modes for name, _major, codename in TESTED_PLATFORMS[mode]}
