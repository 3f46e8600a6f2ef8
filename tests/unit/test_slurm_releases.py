"""Unit tests of what differs between the Slurm releases the bundle supports
(plugins/module_utils/slurm_releases.py), of the checks that use it (the
platform play's slurm_release_errors, the first play's cgroup.conf keys),
and of the slurm role's cgroup.conf for both releases."""

import pathlib
import re

import jinja2
import pytest
import yaml
from _modules import load_file
from ansible.errors import AnsibleFilterError
from ansible.plugins.filter.core import comment
from ansible_collections.hpc.datasci.plugins.filter.platform_validation import slurm_release_errors
from ansible_collections.hpc.datasci.plugins.filter.slurm_conf import slurm_conf_value
from ansible_collections.hpc.datasci.plugins.filter.slurm_overlay import UNSET_MEANS
from ansible_collections.hpc.datasci.plugins.module_utils import slurm_releases as rel
from ansible_collections.hpc.datasci.plugins.module_utils import slurm_vocab as vocab

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULTS = yaml.safe_load((ROOT / "roles" / "slurm" / "defaults" / "main.yml").read_text())
OLD, NEW = (22, 5), (24, 11)

_PATH = ROOT / "plugins" / "filter" / "slurm_validation.py"
slurm_validation = load_file("slurm_validation_for_releases", _PATH)


def lowered(keys):
    return {str(k).lower() for k in keys}


# --- The releases and their platforms ----------------------------------------------------

@pytest.mark.parametrize(("debian", "version"), [("12", OLD), ("13", NEW), (13, NEW), ("11", None), ("", None)])
def test_each_managed_debian_has_its_slurm_release(debian, version):
    assert rel.release_of_debian(debian) == version


def test_releases_are_named_as_slurm_names_them():
    assert rel.release_name((22, 5, 8)) == "22.05"
    assert rel.releases_on_debian() == "22.05 on Debian 12, 24.11 on Debian 13"


def test_the_releases_are_the_managed_platforms():
    from ansible_collections.hpc.datasci.plugins.filter.platform_validation import TESTED_PLATFORMS
    assert [(p["debian"], p["codename"]) for p in rel.RELEASES.values()] == [
        (major, codename) for _name, major, codename in TESTED_PLATFORMS["managed"]]


# --- One definition of each fact -----------------------------------------------------------

def test_the_vocabulary_takes_the_releases_flags_and_retired_keys():
    assert vocab.QOS_FLAGS is rel.QOS_FLAGS
    assert not lowered(rel.QOS_FLAGS_ADDED) & lowered(rel.QOS_FLAGS)
    for key, why in rel.SLURM_CONF_RETIRED.items():
        assert vocab.SLURM_CONF_REJECTED[key] == why
    assert not lowered(vocab.SLURM_CONF_KEYS) & lowered(rel.SLURM_CONF_RETIRED)


def test_reconfigure_and_unset_keys_come_from_the_releases():
    assert rel.reconfigure_applies_all(OLD) is False
    assert rel.reconfigure_applies_all(rel.RECONFIGURE_APPLIES_ALL_FROM) is True
    assert rel.reconfigure_applies_all(None) is False
    assert UNSET_MEANS["preempttype"] == rel.UNSET_PLUGIN_MEANS["PreemptType"] == "preempt/none"
    assert OLD < rel.UNSET_PRINTED_NULL_FROM <= NEW


def test_the_module_documentation_names_the_release_of_relative():
    import slurm_sacctmgr
    text = " ".join(slurm_sacctmgr.DOCUMENTATION.split())
    for flag, since in rel.QOS_FLAGS_ADDED.items():
        assert f"C({flag}) (Slurm {rel.release_name(since)} and later) is refused" in text


# --- The tables of changed keys ---------------------------------------------------------------

def test_removed_slurm_conf_keys_are_keys_22_05_reads():
    # Removed after 22.05: the first play accepts them, the platform play
    # reports them on the release that dropped them.
    assert lowered(rel.SLURM_CONF_REMOVED) <= lowered(vocab.SLURM_CONF_KEYS)
    assert {key for key, _value in rel.SLURM_CONF_VALUES_REMOVED} <= set(vocab.SLURM_CONF_KEYS)


def test_changed_cgroup_keys_are_in_the_cgroup_vocabulary():
    assert lowered(rel.CGROUP_CONF_REMOVED) | lowered(rel.CGROUP_CONF_ADDED) <= lowered(rel.CGROUP_CONF_KEYS)
    assert not lowered(rel.CGROUP_CONF_RETIRED) & lowered(rel.CGROUP_CONF_KEYS)


@pytest.mark.parametrize("table", ["SLURM_CONF_REMOVED", "SLURM_CONF_VALUES_REMOVED", "CGROUP_CONF_REMOVED"])
def test_each_removal_lies_between_the_two_releases(table):
    for change in getattr(rel, table).values():
        assert OLD < change.since <= NEW
        assert change.effect in (rel.REFUSED, rel.IGNORED)
        assert change.fix and change.fix[0].islower()


def test_each_addition_lies_between_the_two_releases():
    for since in rel.CGROUP_CONF_ADDED.values():
        assert OLD < since <= NEW


def test_the_docstring_table_names_every_changed_key():
    doc = rel.__doc__
    keys = (list(rel.SLURM_CONF_REMOVED) + list(rel.CGROUP_CONF_REMOVED) + list(rel.CGROUP_CONF_ADDED)
            + [f"{key}={value}" for key, value in rel.SLURM_CONF_VALUES_REMOVED] + list(rel.QOS_FLAGS_ADDED))
    for key in keys:
        assert f"`{key}`" in doc, key


def test_the_docs_table_names_every_changed_key():
    text = (ROOT / "docs" / "slurm-releases.md").read_text()
    keys = (list(rel.SLURM_CONF_REMOVED) + list(rel.CGROUP_CONF_REMOVED) + list(rel.CGROUP_CONF_ADDED)
            + list(rel.SLURM_CONF_RETIRED) + list(rel.CGROUP_CONF_RETIRED) + list(rel.QOS_FLAGS_ADDED))
    for key in keys:
        assert f"`{key}" in text, key


# --- release_errors: what each release does not take ---------------------------------------------

@pytest.mark.parametrize("key", list(rel.SLURM_CONF_REMOVED))
def test_a_removed_slurm_conf_key_is_reported_on_24_11_only(key):
    change = rel.SLURM_CONF_REMOVED[key]
    errors = rel.release_errors(NEW, {key.lower(): "x"}, {})
    assert len(errors) == 1
    assert errors[0].startswith(f"slurm_config: {key.lower()} was removed in Slurm {rel.release_name(change.since)}; "
                                "Slurm 24.11 (Debian 13, this site's hosts) ")
    assert change.fix[1:] in errors[0]
    assert rel.release_errors(OLD, {key: "x"}, {}) == []


@pytest.mark.parametrize("key", list(rel.CGROUP_CONF_REMOVED))
def test_a_removed_cgroup_key_is_reported_on_24_11_only(key):
    errors = rel.release_errors(NEW, {}, {key: "no"})
    assert len(errors) == 1 and errors[0].startswith(f"slurm_cgroup_config: {key} was removed in Slurm 23.11")
    assert rel.release_errors(OLD, {}, {key: "no"}) == []


@pytest.mark.parametrize("key", list(rel.CGROUP_CONF_ADDED))
def test_a_cgroup_key_of_a_later_release_is_reported_on_22_05_only(key):
    errors = rel.release_errors(OLD, {}, {key: "yes"})
    assert len(errors) == 1 and errors[0].startswith(f"slurm_cgroup_config: {key} came with Slurm ")
    assert errors[0].endswith("Remove it, or run the site on Debian 13 (Slurm 24.11).")
    assert rel.release_errors(NEW, {}, {key: "yes"}) == []


def test_the_messages_name_the_release_the_effect_and_the_fix():
    assert rel.release_errors(NEW, {"SelectType": "select/cons_res", "LaunchType": "launch/slurm"},
                              {"CgroupAutomount": "yes", "ConstrainKmemSpace": "no"}) == [
        "slurm_config: LaunchType was removed in Slurm 23.02; Slurm 24.11 (Debian 13, this site's hosts) reads it "
        "and ignores it. Remove it: srun starts the tasks itself (the launch plugins were removed).",
        "slurm_config: SelectType=select/cons_res was removed in Slurm 23.11; Slurm 24.11 (Debian 13, this site's "
        "hosts) does not start slurmctld with it. Write SelectType: select/cons_tres (the role's default).",
        "slurm_cgroup_config: CgroupAutomount was removed in Slurm 23.11; Slurm 24.11 (Debian 13, this site's "
        "hosts) reads it and ignores it. Remove it: the kernel and systemd mount the cgroup file system.",
        "slurm_cgroup_config: ConstrainKmemSpace was removed in Slurm 23.11; Slurm 24.11 (Debian 13, this site's "
        "hosts) does not start slurmd with it (cgroup.conf cannot be read). Remove it (a cgroup v1 setting, "
        "deprecated in Slurm 23.02)."]
    assert rel.release_errors(OLD, {}, {"SystemdTimeout": 3000}) == [
        "slurm_cgroup_config: SystemdTimeout came with Slurm 24.05; Slurm 22.05 (Debian 12, this site's hosts) does "
        "not know it and does not start slurmd with it (cgroup.conf cannot be read). Remove it, or run the site on "
        "Debian 13 (Slurm 24.11)."]


@pytest.mark.parametrize(("value", "reported"), [
    ("select/cons_res", True), ("Select/Cons_Res", True), ("select/cons_tres", False), ("select/linear", False)])
def test_select_cons_res_is_reported_on_24_11(value, reported):
    assert bool(rel.release_errors(NEW, {"selecttype": value}, {})) is reported
    assert rel.release_errors(OLD, {"SelectType": value}, {}) == []


def test_an_unsupported_release_reports_nothing():
    assert rel.release_errors((25, 5), {"LaunchType": "x"}, {"SystemdTimeout": 1}) == []


# --- The platform play's filter ------------------------------------------------------------------

def test_the_platform_filter_maps_debian_to_the_release():
    data = {"config": {"PowerPlugin": "power/none"}, "cgroup_config": {"EnableControllers": "yes"}}
    assert [e.split(":")[1].split()[0] for e in slurm_release_errors(dict(data, debian="13"))] == ["PowerPlugin"]
    assert [e.split(":")[1].split()[0] for e in slurm_release_errors(dict(data, debian="12"))] == ["EnableControllers"]
    assert slurm_release_errors(dict(data, debian="11")) == []
    assert slurm_release_errors({"debian": "13", "config": None, "cgroup_config": None}) == []


@pytest.mark.parametrize("data", [None, [], {"debian": "13", "config": ["LaunchType"]},
                                  {"debian": "12", "cgroup_config": "CgroupAutomount=yes"}])
def test_the_platform_filter_refuses_other_input(data):
    with pytest.raises(AnsibleFilterError):
        slurm_release_errors(data)


# --- The first play: cgroup.conf keys neither release reads ------------------------------------

def cgroup_errors(config, mode="managed"):
    checker = slurm_validation._Checker({"mode": mode, "cgroup_config": config})
    checker.cgroup_config()
    return checker.errors


def test_cgroup_keys_of_either_release_pass_the_first_play():
    assert cgroup_errors({key: "yes" for key in rel.CGROUP_CONF_KEYS}) == []
    assert cgroup_errors({"constrainramspace": "yes", "CGROUPAUTOMOUNT": "yes"}) == []


def test_an_unknown_cgroup_key_is_reported_with_the_closest_name():
    assert cgroup_errors({"ConstrainRAM": "yes"}) == [
        "slurm_cgroup_config: unknown key 'ConstrainRAM'; did you mean 'ConstrainRAMSpace'? Keys are spelled as "
        "cgroup.conf spells them (see 'man cgroup.conf')."]
    assert cgroup_errors({"Bogus": 1}) == [
        "slurm_cgroup_config: unknown key 'Bogus'. Keys are spelled as cgroup.conf spells them (see 'man "
        "cgroup.conf')."]


def test_a_cgroup_key_both_releases_refuse_is_reported():
    assert cgroup_errors({"CgroupReleaseAgentDir": "/etc/slurm/cgroup"}) == [
        "slurm_cgroup_config: key 'CgroupReleaseAgentDir' is not allowed; it was removed: slurmd of Slurm 22.05 "
        "and 24.11 stops at start with it."]


def test_overlay_mode_writes_no_cgroup_conf_and_checks_none():
    assert cgroup_errors({"Bogus": 1}, mode="overlay") == []
    assert cgroup_errors(None) == []


def test_accounting_storage_loc_is_refused_for_both_releases():
    checker = slurm_validation._Checker({"config": {"AccountingStorageLoc": "/var/log/slurm/accounting"}})
    checker.config()
    assert checker.errors == [
        "slurm_config: key 'AccountingStorageLoc' is not allowed; it was removed: slurmctld and slurmd of Slurm "
        "22.05 and 24.11 stop at start with it (job records go to slurmdbd)."]


# --- The role's cgroup.conf and slurm.conf presets on both releases -------------------------------

def test_the_role_presets_are_taken_by_both_releases():
    for version in rel.RELEASES:
        assert rel.release_errors(version, DEFAULTS["slurm_config_defaults"],
                                  DEFAULTS["slurm_cgroup_config_defaults"]) == []
    assert cgroup_errors(DEFAULTS["slurm_cgroup_config_defaults"]) == []


def test_the_cgroup_preset_is_the_same_on_cgroup_v1_and_v2():
    preset = DEFAULTS["slurm_cgroup_config_defaults"]
    # No CgroupPlugin: both releases default to autodetect, cgroup/v1 or
    # cgroup/v2 as the host mounts it. No swap, kmem or v1-only keys: the
    # limits are memory.max and cpuset.cpus on v2, their v1 counterparts on v1.
    assert list(preset) == ["ConstrainCores", "ConstrainRAMSpace", "ConstrainDevices"]
    assert preset == {"ConstrainCores": "yes", "ConstrainRAMSpace": "yes", "ConstrainDevices": "no"}
    # ConstrainRAMSpace takes effect only where Slurm tracks memory (CR_*_Memory).
    assert re.search(r"_memory$", DEFAULTS["slurm_config_defaults"]["SelectTypeParameters"].lower())


def test_the_rendered_cgroup_conf_is_unchanged():
    env = jinja2.Environment(keep_trailing_newline=True, trim_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters.update({"comment": comment, "hpc.datasci.slurm_conf_value": slurm_conf_value})
    template = env.from_string((ROOT / "roles" / "slurm" / "templates" / "etc" / "slurm" / "cgroup.conf.j2").read_text())
    text = template.render(ansible_managed="Ansible managed", slurm_cluster_name="demo",
                           __slurm_cgroup_config=DEFAULTS["slurm_cgroup_config_defaults"])
    assert text == (
        "#\n# Ansible managed\n#\n"
        "# cgroup.conf of cluster demo (slurm_cgroup_config over\n"
        "# the role's defaults).\n"
        "ConstrainCores=yes\nConstrainRAMSpace=yes\nConstrainDevices=no\n")
