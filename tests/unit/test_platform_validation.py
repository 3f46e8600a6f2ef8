"""Unit tests of the tested platforms (plugins/filter/platform_validation.py)
and of the roles' meta, which must name exactly those."""

import base64
import pathlib

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.filter.platform_validation import (
    BUNDLE_SLURM_CONF_MARK,
    TESTED_PLATFORMS,
    platform_errors,
    slurm_foreign_conf_errors,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]


def facts(name, major):
    return {"distribution": name, "distribution_major_version": major}


@pytest.mark.parametrize(("mode", "hosts", "errors"), [
    ("managed", {"ctl": facts("Debian", "12")}, []),
    ("overlay", {"ctl": facts("Debian", "13")}, []),
    ("managed", {"ctl": facts("Debian", "13"), "c1": facts("Debian", "13")}, []),
    ("managed", {"ctl": facts("Debian", "13"), "c1": facts("Debian", "12"), "c2": facts("Debian", "12")}, [
        "the site's hosts run Debian 12 (c1, c2) and Debian 13 (ctl); in slurm_mode managed every host of a site "
        "runs one platform, as Debian's Slurm releases differ (22.05 on Debian 12, 24.11 on Debian 13) and do not "
        "mix. Install one Debian release on every host, or split the inventory into one site per platform."]),
    ("managed", {"ctl": facts("Debian", "11")}, [
        "ctl runs Debian 11; in slurm_mode managed the bundle is tested on Debian 12 (bookworm) or Debian 13 "
        "(trixie) only. Run it on a tested platform (overlay mode: Debian 13 with the site's Slurm), or remove "
        "the host from the inventory."]),
    ("overlay", {"login1": facts("Ubuntu", "24")}, [
        "login1 runs Ubuntu 24; in slurm_mode overlay the bundle is tested on Debian 13 (trixie) only. Run it on a "
        "tested platform (managed mode: Debian 12 or 13), or remove the host from the inventory."]),
    ("overlay", {"c9": {}}, [
        "c9 runs an unknown OS; in slurm_mode overlay the bundle is tested on Debian 13 (trixie) only. Run it on a "
        "tested platform (managed mode: Debian 12 or 13), or remove the host from the inventory."]),
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


def _b64(text):
    return base64.b64encode(text.encode()).decode()


OURS = (ROOT / "roles" / "slurm" / "templates" / "etc" / "slurm" / "slurm.conf.j2").read_text()


def test_the_mark_is_in_the_header_the_slurm_role_writes():
    assert BUNDLE_SLURM_CONF_MARK in OURS


@pytest.mark.parametrize(("contents", "errors"), [
    ({"ctl": None, "c1": None}, []),
    ({"ctl": _b64(OURS), "c1": ""}, []),
    # What slurp registers: its content, or a skipped result where there is no file.
    ({"ctl": {"content": _b64(OURS), "encoding": "base64"}, "c1": {"skipped": True, "changed": False}}, []),
    ({"ctl": {"content": _b64("ClusterName=center\n")}, "c1": {"skipped": True}}, [
        "ctl already runs a Slurm the bundle did not install (/etc/slurm/slurm.conf was not written by it); "
        "slurm_mode managed would take over that Slurm, its munge key and its configuration. Set slurm_mode: "
        "overlay to lay the bundle onto the site's Slurm (docs/overlay.md), or move /etc/slurm/slurm.conf away on "
        "those hosts if the bundle is to install and own Slurm there."]),
    ({"ctl": _b64("ClusterName=center\nSlurmctldHost=ctl\n"), "c1": None}, [
        "ctl already runs a Slurm the bundle did not install (/etc/slurm/slurm.conf was not written by it); "
        "slurm_mode managed would take over that Slurm, its munge key and its configuration. Set slurm_mode: "
        "overlay to lay the bundle onto the site's Slurm (docs/overlay.md), or move /etc/slurm/slurm.conf away on "
        "those hosts if the bundle is to install and own Slurm there."]),
    ({"c2": _b64("# Ansible managed\nClusterName=x\n"), "c1": _b64("ClusterName=x\n"), "ctl": _b64(OURS)}, [
        "c1, c2 already run a Slurm the bundle did not install (/etc/slurm/slurm.conf was not written by it); "
        "slurm_mode managed would take over that Slurm, its munge key and its configuration. Set slurm_mode: "
        "overlay to lay the bundle onto the site's Slurm (docs/overlay.md), or move /etc/slurm/slurm.conf away on "
        "those hosts if the bundle is to install and own Slurm there."]),
])
def test_managed_mode_stops_on_a_slurm_of_the_sites(contents, errors):
    assert slurm_foreign_conf_errors(contents, "/etc/slurm/slurm.conf") == errors


def test_foreign_conf_check_wants_a_dict():
    with pytest.raises(AnsibleFilterError, match="expects a dict"):
        slurm_foreign_conf_errors(["ctl"], "/etc/slurm/slurm.conf")
