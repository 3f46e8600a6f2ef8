"""Unit tests of the effective Slurm policy (plugins/filter/slurm_policy.py):
the presets of roles/slurm/defaults/main.yml merged with a site's
slurm_partitions / slurm_qos, the derived values and the shape errors."""

import copy
import pathlib

import pytest
import yaml
from _site_records import NO_DEFAULT, center
from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.filter.slurm_policy import (
    FilterModule,
    sand_burst_caps,
    slurm_policy,
    slurm_qos_unlisted,
    slurm_renamed_variables,
    slurm_short_share_cpus,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEFAULTS = yaml.safe_load((ROOT / "roles" / "slurm" / "defaults" / "main.yml").read_text())

# The effective QOS of the demo site (4 compute CPUs, 100 % short share,
# preemption off), as the role applied them before the presets were keyed
# by name.
DEMO_QOS = [
    {"name": "normal", "Priority": 10, "Preempt": ""},
    {"name": "interactive", "Priority": 5000, "MaxWall": "8:00:00", "MaxJobsPerUser": 2,
     "MaxSubmitJobsPerUser": 4, "Flags": "DenyOnLimit", "Preempt": ""},
    {"name": "burst", "Priority": 10000, "MaxWall": "1:00:00", "MaxJobsPerUser": 64,
     "MaxSubmitJobsPerUser": 128, "UsageFactor": 2,
     "Flags": "DenyOnLimit,OverPartQOS", "Preempt": ""},
    {"name": "scavenger", "Priority": 0, "Flags": "NoReserve", "PreemptMode": "cluster"},
    {"name": "short", "Priority": 0, "GrpTRES": "cpu=4"},
]
DEMO_PARTITIONS = [
    {"name": "batch", "Default": "YES", "PriorityTier": 1, "PriorityJobFactor": 1,
     "MaxTime": "2-00:00:00", "DefaultTime": "1:00:00", "State": "UP"},
    {"name": "short", "PriorityTier": 10, "PriorityJobFactor": 10, "DefaultTime": "30:00",
     "MaxTime": "2:00:00", "QOS": "short", "State": "UP"},
]


def policy(**changes):
    """The role's input for the demo site, with `changes` over it."""
    value = {
        "partitions_preset": copy.deepcopy(DEFAULTS["slurm_partitions_preset"]),
        "partitions": {},
        "qos_preset": copy.deepcopy(DEFAULTS["slurm_qos_preset"]),
        "qos": {},
        "short_share_percent": 100,
        "compute_cpus": 4,
        "sand_mode": "tiers",
        "sand_memory_percent": 25,
        "notebook_reserve_percent": 25,
        "burst_user_percent": 75,
        "nodes": [],
        "config": {},
        "select_type_parameters": "CR_Core_Memory",
    }
    value.update(changes)
    return value


def qos_of(result, name):
    return next(q for q in result["qos"] if q["name"] == name)


def with_changes(items, name, **changes):
    """`items` with `changes` applied to the entry `name` (None deletes)."""
    out = copy.deepcopy(items)
    entry = next(i for i in out if i["name"] == name)
    for key, value in changes.items():
        if value is None:
            entry.pop(key)
        else:
            entry[key] = value
    return out


def test_the_role_defaults_are_the_empty_dicts_over_the_presets():
    assert DEFAULTS["slurm_partitions"] == {}
    assert DEFAULTS["slurm_qos"] == {}


def test_the_preset_alone_gives_the_demo_policy():
    result = slurm_policy(policy())
    assert result == {"partitions": DEMO_PARTITIONS, "qos": DEMO_QOS, "bf_window": 2880,
                      "short_share_cpus": 4, "errors": [], "overlay_errors": [], "sand_memory_mb": None,
                      "sand_partition": "short", "config": {"PreemptType": "preempt/none", "PreemptMode": "OFF"},
                      "sand_share": {"partition": "short", "derived": True, "cpus": 4, "percent": 100,
                                     "compute_cpus": None, "variable": "slurm_sand_share_percent",
                                     "burst": None}}


def test_the_presets_hold_no_jinja_and_no_derived_values():
    text = yaml.safe_dump([DEFAULTS["slurm_partitions_preset"], DEFAULTS["slurm_qos_preset"]])
    assert "{{" not in text and "{%" not in text
    for attrs in DEFAULTS["slurm_qos_preset"].values():
        assert not {"GrpTRES", "Preempt", "PreemptMode"} & set(attrs)


@pytest.mark.parametrize(("site_qos", "expected"), [
    pytest.param({"burst": {"Priority": 20000}},
                 with_changes(DEMO_QOS, "burst", Priority=20000), id="one-line-burst-priority"),
    pytest.param({"scavenger": None},
                 [{k: v for k, v in q.items() if k != "Preempt"}
                  for q in DEMO_QOS if q["name"] != "scavenger"], id="remove-a-qos-with-null"),
    pytest.param({"burst": {"UsageFactor": None, "Flags": None}},
                 with_changes(DEMO_QOS, "burst", UsageFactor=None, Flags=None),
                 id="remove-attributes-with-null"),
    pytest.param({"gpu": {"Priority": 500, "MaxWall": "4:00:00"}, "lowprio": {}},
                 DEMO_QOS + [{"name": "gpu", "Priority": 500, "MaxWall": "4:00:00", "Preempt": ""},
                             {"name": "lowprio"}], id="site-qos-added-after-the-preset"),
    pytest.param({"interactive": {"MaxWall": "12:00:00", "name": "interactive"}},
                 with_changes(DEMO_QOS, "interactive", MaxWall="12:00:00"), id="name-equal-to-key"),
    pytest.param({"short": {"GrpTRES": "cpu=2"}},
                 with_changes(DEMO_QOS, "short", GrpTRES="cpu=2"), id="site-grptres-wins"),
    pytest.param({"short": {"GrpTRES": None}},
                 with_changes(DEMO_QOS, "short", GrpTRES=None), id="grptres-null-is-not-derived"),
    pytest.param({"burst": {"Preempt": "scavenger,normal"}},
                 with_changes(DEMO_QOS, "burst", Preempt="scavenger,normal"), id="site-preempt-wins"),
    pytest.param({"scavenger": {"PreemptMode": "suspend"}},
                 with_changes(DEMO_QOS, "scavenger", PreemptMode="suspend"), id="site-preemptmode-wins"),
])
def test_a_dict_changes_the_qos_preset_one_key_at_a_time(site_qos, expected):
    result = slurm_policy(policy(qos=site_qos))
    assert result["errors"] == []
    assert result["qos"] == expected


@pytest.mark.parametrize(("site_partitions", "expected"), [
    pytest.param({"short": {"MaxTime": "4:00:00"}},
                 with_changes(DEMO_PARTITIONS, "short", MaxTime="4:00:00"), id="one-key"),
    pytest.param({"batch": {"DefaultTime": None}},
                 with_changes(DEMO_PARTITIONS, "batch", DefaultTime=None), id="key-removed"),
    pytest.param({"gpu": {"nodes": ["node004"], "MaxTime": "1-00:00:00"}},
                 DEMO_PARTITIONS + [{"name": "gpu", "nodes": ["node004"], "MaxTime": "1-00:00:00"}],
                 id="partition-added"),
])
def test_a_dict_changes_the_partition_preset_one_key_at_a_time(site_partitions, expected):
    result = slurm_policy(policy(partitions=site_partitions))
    assert result["errors"] == []
    assert result["partitions"] == expected


def test_without_the_short_partition_no_grptres_is_derived():
    result = slurm_policy(policy(partitions={"short": None}))
    assert result["partitions"] == DEMO_PARTITIONS[:1]
    assert qos_of(result, "short") == {"name": "short", "Priority": 0}


def test_the_short_partition_qos_is_followed_to_another_qos():
    result = slurm_policy(policy(partitions={"short": {"QOS": "quick"}},
                                 qos={"quick": {"Priority": 0}}))
    assert qos_of(result, "short") == {"name": "short", "Priority": 0}
    assert qos_of(result, "quick") == {"name": "quick", "Priority": 0, "GrpTRES": "cpu=4"}


def test_the_full_list_form_replaces_the_preset():
    site_qos = [{"name": "normal", "Priority": 10}, {"name": "short", "MaxWall": "2:00:00"}]
    site_partitions = [{"name": "work", "Default": "YES", "MaxTime": "1-00:00:00", "QOS": "short"}]
    result = slurm_policy(policy(qos=site_qos, partitions=site_partitions))
    assert result == {
        "partitions": site_partitions,
        "qos": [{"name": "normal", "Priority": 10}, {"name": "short", "MaxWall": "2:00:00"}],
        "bf_window": 2880, "short_share_cpus": 4, "errors": [], "overlay_errors": [], "sand_memory_mb": None,
        "sand_partition": None, "config": {"PreemptType": "preempt/none", "PreemptMode": "OFF"},
        "sand_share": {"partition": None, "derived": False, "cpus": 4, "percent": 100, "compute_cpus": None,
                       "variable": "slurm_sand_share_percent", "burst": None}}


def burst_share(share, reserve, group, user, derived, notebook=0, site_group=None):
    """sand_share's `burst` with the default percentages."""
    return {"qos": "burst", "share_cpus": share, "reserve_cpus": reserve, "group_cpus": group, "user_cpus": user,
            "derived": derived, "reserve_percent": 25, "user_percent": 75, "notebook_cpus": notebook,
            "site_group_cpus": site_group}


@pytest.mark.parametrize(("changes", "expected"), [
    pytest.param({"nodes": [{"CPUs": 2, "RealMemory": 2000}] * 2, "short_share_percent": 50},
                 {"derived": True, "cpus": 2, "percent": 50, "compute_cpus": 4,
                  "burst": burst_share(2, 1, 1, 1, ["GrpTRES", "MaxTRESPerUser"])}, id="sizes-known"),
    pytest.param({"nodes": [{"CPUs": 2, "RealMemory": 2000}, {"CPUs": 0, "RealMemory": 0}]},
                 {"derived": True, "cpus": 4, "percent": 100, "compute_cpus": None, "burst": None},
                 id="a-size-unknown"),
    pytest.param({"nodes": [{"CPUs": 4}], "qos": {"short": {"GrpTRES": "cpu=1"}}},
                 {"derived": False, "cpus": 4, "percent": 100, "compute_cpus": 4,
                  "burst": burst_share(1, 0, 1, 1, ["MaxTRESPerUser"])}, id="site-grptres"),
    pytest.param({"nodes": [{"CPUs": 4}], "share_variable": "slurm_short_share_percent"},
                 {"derived": True, "cpus": 4, "percent": 100, "compute_cpus": 4,
                  "variable": "slurm_short_share_percent",
                  "burst": burst_share(4, 1, 3, 3, ["GrpTRES", "MaxTRESPerUser"])}, id="old-name"),
])
def test_the_sand_share_says_how_the_sand_cap_was_found(changes, expected):
    share = slurm_policy(policy(**changes))["sand_share"]
    assert share == {"partition": "short", "variable": "slurm_sand_share_percent", **expected}


def test_the_old_full_list_gives_what_it_gave():
    """An inventory that copied the old preset list, its expressions rendered:
    its burst QOS (no OverPartQOS, its own MaxTRESPerUser) gets no derived cap,
    also once the nodes' sizes are known."""
    old = with_changes(DEMO_QOS, "burst", Flags="DenyOnLimit", MaxTRESPerUser="cpu=256")
    for nodes in ([], [{"CPUs": 2, "RealMemory": 2000}] * 2):
        result = slurm_policy(policy(qos=copy.deepcopy(old), partitions=copy.deepcopy(DEMO_PARTITIONS), nodes=nodes))
        assert result["qos"] == old
        assert result["partitions"] == DEMO_PARTITIONS


def test_the_list_form_gets_the_derived_values_it_does_not_set():
    site_qos = [{"name": "scavenger", "Priority": 0}, {"name": "normal", "Priority": 10},
                {"name": "short"}]
    result = slurm_policy(policy(qos=site_qos, sand_mode="requeue"))
    assert result["qos"] == [
        {"name": "scavenger", "Priority": 0, "PreemptMode": "requeue"},
        {"name": "normal", "Priority": 10, "Preempt": "scavenger"},
        {"name": "short", "GrpTRES": "cpu=4"}]


def test_the_list_form_keeps_duplicate_names_for_validation():
    site_qos = [{"name": "normal", "Priority": 10}, {"name": "normal", "Priority": 20}]
    assert slurm_policy(policy(qos=site_qos))["qos"] == site_qos


def test_the_input_is_not_modified():
    value = policy(qos={"burst": {"Priority": 1}}, partitions=[{"name": "x", "MaxTime": 5}])
    before = copy.deepcopy(value)
    slurm_policy(value)
    assert value == before


@pytest.mark.parametrize(("cpus", "percent", "share"), [
    (8, 50, 4), (4, 100, 4), (3, 10, 1), (0, 50, 1), ("16", "25", 4), (7, 50, 3),
    ("x", 50, None), (8, None, None),
])
def test_short_share_cpus(cpus, percent, share):
    assert slurm_short_share_cpus(cpus, percent) == share
    result = slurm_policy(policy(compute_cpus=cpus, short_share_percent=percent))
    expected = {"name": "short", "Priority": 0}
    if share is not None:
        expected["GrpTRES"] = f"cpu={share}"
    assert qos_of(result, "short") == expected


@pytest.mark.parametrize(("sand_mode", "preempt", "mode"), [
    ("requeue", "scavenger", "requeue"),
    ("tiers", "", "cluster"),
    ("suspend", "", "cluster"),
])
def test_preempt_lists_follow_the_sand_mode(sand_mode, preempt, mode):
    result = slurm_policy(policy(sand_mode=sand_mode))
    assert [(q["name"], q.get("Preempt")) for q in result["qos"]] == [
        ("normal", preempt), ("interactive", preempt), ("burst", preempt),
        ("scavenger", None), ("short", None)]
    assert qos_of(result, "scavenger")["PreemptMode"] == mode


def test_preempt_follows_scavenger_priority():
    result = slurm_policy(policy(qos={"scavenger": {"Priority": 100}}, sand_mode="requeue"))
    assert [(q["name"], q.get("Preempt")) for q in result["qos"]] == [
        ("normal", None), ("interactive", "scavenger"), ("burst", "scavenger"),
        ("scavenger", None), ("short", None)]


@pytest.mark.parametrize(("max_times", "window"), [
    pytest.param({"batch": "2-00:00:00"}, 2880, id="2-days"),
    pytest.param({"batch": "3-00:00:00"}, 4320, id="3-days"),
    pytest.param({"batch": "7-00:00:00"}, 10080, id="7-days"),
    pytest.param({"batch": "7-00:00:01"}, 10081, id="seconds-round-up"),
    pytest.param({"batch": "UNLIMITED", "short": "INFINITE"}, 2880, id="unlimited-only"),
    pytest.param({"batch": "60-00:00:00"}, 43200, id="60-days"),
    pytest.param({"batch": "1:00:00", "short": "30"}, 2880, id="short-partitions"),
    pytest.param({"batch": "2 days"}, 2880, id="bad-time-left-to-validation"),
    pytest.param({"batch": None}, 2880, id="maxtime-removed"),
])
def test_bf_window_is_the_longest_finite_max_time(max_times, window):
    site = {name: {"MaxTime": value} for name, value in max_times.items()}
    assert slurm_policy(policy(partitions=site))["bf_window"] == window


def test_bf_window_of_a_partition_list():
    partitions = [{"name": "long", "MaxTime": "5-00:00:00"}, {"name": "open"}]
    assert slurm_policy(policy(partitions=partitions))["bf_window"] == 7200


SHAPE_ERRORS = [
    pytest.param(
        {"qos": "burst"},
        ["slurm_qos must be a dict of QOS by name (merged over slurm_qos_preset one key at a time) "
         "or a list of QOS (dicts with a `name`, replacing the preset), not a string; the preset "
         "is used."],
        id="qos-a-string"),
    pytest.param(
        {"partitions": 3},
        ["slurm_partitions must be a dict of partitions by name (merged over "
         "slurm_partitions_preset one key at a time) or a list of partitions (dicts with a "
         "`name`, replacing the preset), not a number; the preset is used."],
        id="partitions-a-number"),
    pytest.param(
        {"qos": {"burst": "high"}},
        ["slurm_qos.burst must be a dict of QOS attributes (merged over the preset's, one key at "
         "a time), or null to remove the QOS; it is a string ('high')."],
        id="qos-entry-a-string"),
    pytest.param(
        {"partitions": {"short": ["MaxTime", "4:00:00"]}},
        ["slurm_partitions.short must be a dict of slurm.conf partition keys (merged over the "
         "preset's, one key at a time), or null to remove the partition; it is a list "
         "(['MaxTime', '4:00:00'])."],
        id="partition-entry-a-list"),
    pytest.param(
        {"qos": {"scavanger": None}},
        ["slurm_qos.scavanger is null, which removes the preset's QOS 'scavanger', but the "
         "preset has none of that name (it has normal, interactive, burst, scavenger, short); "
         "correct the name or drop the line."],
        id="null-for-a-name-not-in-the-preset"),
    pytest.param(
        {"qos": {"burst": {"name": "premium", "Priority": 1}}},
        ["slurm_qos.burst: `name` is 'premium', but in the dict form the key is the QOS's name; "
         "drop `name`, or rename the key to 'premium'."],
        id="name-differs-from-key"),
    pytest.param(
        {"qos": [{"name": "normal"}, "gpu"]},
        ["slurm_qos[1] must be a dict with at least `name`, not a string ('gpu')."],
        id="list-item-a-string"),
    pytest.param(
        {"partitions": [{"name": "batch"}, {"MaxTime": "2:00:00"}]},
        ["slurm_partitions[1]: `name` is missing or empty; give every partition a name."],
        id="list-item-without-name"),
    pytest.param(
        {"qos": [{"name": " "}, {"name": True}]},
        ["slurm_qos[0]: `name` is missing or empty; give every QOS a name.",
         "slurm_qos[1]: `name` is missing or empty; give every QOS a name."],
        id="list-items-with-bad-names"),
    pytest.param(
        {"qos_preset": [{"name": "normal"}]},
        ["slurm_qos_preset must be a dict of QOS by name, each a dict of QOS attributes, not a "
         "list; change single entries through slurm_qos instead."],
        id="preset-a-list"),
    pytest.param(
        {"partitions": "batch", "qos": {"burst": 1, "normal": None}},
        ["slurm_partitions must be a dict of partitions by name (merged over "
         "slurm_partitions_preset one key at a time) or a list of partitions (dicts with a "
         "`name`, replacing the preset), not a string; the preset is used.",
         "slurm_qos.burst must be a dict of QOS attributes (merged over the preset's, one key at "
         "a time), or null to remove the QOS; it is a number (1)."],
        id="all-reported-at-once"),
]


@pytest.mark.parametrize(("changes", "errors"), SHAPE_ERRORS)
def test_shape_errors_are_reported_exactly(changes, errors):
    assert slurm_policy(policy(**changes))["errors"] == errors


def test_bad_entries_are_left_out_and_the_rest_applies():
    result = slurm_policy(policy(partitions="batch", qos={"burst": 1, "normal": {"Priority": 11}}))
    assert result["partitions"] == DEMO_PARTITIONS
    assert result["qos"] == with_changes(DEMO_QOS, "normal", Priority=11)
    bad_items = slurm_policy(policy(qos=[{"name": "normal"}, "gpu", {"Priority": 1}]))
    assert bad_items["qos"] == [{"name": "normal"}]


@pytest.mark.parametrize("value", [None, [], "x"])
def test_the_input_must_be_a_dict(value):
    with pytest.raises(AnsibleFilterError, match="slurm_policy expects a dict"):
        slurm_policy(value)


def test_null_site_values_mean_the_preset():
    assert slurm_policy(policy(qos=None, partitions=None))["qos"] == DEMO_QOS


def test_the_filters_are_registered():
    assert set(FilterModule().filters()) == {
        "slurm_policy", "slurm_qos_unlisted", "slurm_renamed_variables", "slurm_short_share_cpus"}


def test_a_key_in_another_case_replaces_the_preset_key():
    """slurm.conf and sacctmgr read keys in any case: the merge must not keep
    both spellings (two MaxWall values, or a Preempt the role's two-pass
    apply would miss)."""
    result = slurm_policy(policy(qos={"burst": {"maxwall": "2:00:00", "preempt": ""}},
                                 partitions={"batch": {"maxtime": "7-00:00:00"}}))
    burst = qos_of(result, "burst")
    assert burst["MaxWall"] == "2:00:00" and "maxwall" not in burst
    assert burst["Preempt"] == "" and "preempt" not in burst
    batch = next(p for p in result["partitions"] if p["name"] == "batch")
    assert batch["MaxTime"] == "7-00:00:00" and "maxtime" not in batch
    assert result["bf_window"] == 10080


def test_a_renamed_sand_partition_keeps_its_share():
    """A center that calls its short partition `express` (its QOS too): the
    share follows the partition with the highest PriorityTier, not a name."""
    result = slurm_policy(policy(
        partitions={"short": None, "express": {"PriorityTier": 10, "MaxTime": "2:00:00", "QOS": "express"}},
        qos={"short": None, "express": {"Priority": 0}}, short_share_percent=50))
    assert qos_of(result, "express") == {"name": "express", "Priority": 0, "GrpTRES": "cpu=2"}
    assert result["errors"] == []


def test_a_sand_partition_without_a_qos_cannot_carry_the_share():
    result = slurm_policy(policy(
        partitions={"short": None, "express": {"PriorityTier": 10, "MaxTime": "2:00:00"}},
        qos={"short": None}, short_share_percent=50))
    assert result["errors"] == [
        "slurm_sand_share_percent (50) caps the partition with the highest PriorityTier, 'express', through "
        "its partition QOS, but 'express' has none: give it `QOS: express` in slurm_partitions and a QOS "
        "'express' in slurm_qos (the role derives its GrpTRES), or set slurm_sand_share_percent: 100 for no cap."]


def test_the_share_is_named_as_the_inventory_spells_it():
    result = slurm_policy(dict(policy(
        partitions={"short": None, "express": {"PriorityTier": 10, "MaxTime": "2:00:00"}},
        qos={"short": None}, short_share_percent=50), share_variable="slurm_short_share_percent"))
    assert result["errors"][0].startswith("slurm_short_share_percent (50) caps the partition")
    assert result["errors"][0].endswith("or set slurm_short_share_percent: 100 for no cap.")


RENAMED_WARNING = (
    "slurm_short_share_percent is deprecated and will be removed in the next release: it is now "
    "slurm_sand_share_percent (the share applies to whichever partition is the sand partition, the one "
    "with the highest PriorityTier, whatever its name). This run uses slurm_short_share_percent: 30; "
    "rename it to slurm_sand_share_percent in the inventory.")


@pytest.mark.parametrize(("given", "expected"), [
    pytest.param({"slurm_sand_share_percent": 50, "slurm_short_share_percent": None},
                 {"effective": {"slurm_sand_share_percent": 50},
                  "source": {"slurm_sand_share_percent": "slurm_sand_share_percent"}, "warnings": []},
                 id="new-name"),
    pytest.param({"slurm_sand_share_percent": 50},
                 {"effective": {"slurm_sand_share_percent": 50},
                  "source": {"slurm_sand_share_percent": "slurm_sand_share_percent"}, "warnings": []},
                 id="old-name-not-given"),
    pytest.param({"slurm_sand_share_percent": 50, "slurm_short_share_percent": 30},
                 {"effective": {"slurm_sand_share_percent": 30},
                  "source": {"slurm_sand_share_percent": "slurm_short_share_percent"},
                  "warnings": [RENAMED_WARNING]},
                 id="old-name-wins-and-warns"),
])
def test_renamed_variables(given, expected):
    assert slurm_renamed_variables(given) == expected


def test_renamed_variables_needs_a_dict():
    with pytest.raises(AnsibleFilterError, match="slurm_renamed_variables expects a dict"):
        slurm_renamed_variables(["slurm_short_share_percent"])


def test_a_full_share_needs_no_partition_qos():
    result = slurm_policy(policy(
        partitions={"short": None, "express": {"PriorityTier": 10, "MaxTime": "2:00:00"}},
        qos={"short": None}, short_share_percent=100))
    assert result["errors"] == []


@pytest.mark.parametrize("partitions", [
    {"short": None},                                          # one partition: nothing to share with
    {"short": {"PriorityTier": 1}},                           # equal tiers: no sand partition
])
def test_no_single_highest_tier_derives_no_share(partitions):
    result = slurm_policy(policy(partitions=partitions, short_share_percent=50))
    assert "GrpTRES" not in qos_of(result, "short")
    assert result["errors"] == []


def test_preemption_without_a_scavenger_qos_is_an_error():
    result = slurm_policy(policy(qos={"scavenger": None}, sand_mode="requeue"))
    assert result["errors"] == [
        "slurm_sand_mode is requeue, but slurm_qos has no QOS 'scavenger', the QOS whose jobs it lets the "
        "others requeue: keep the preset's (or add one of that name), or choose another slurm_sand_mode."]


# --- Sand modes -------------------------------------------------------------------
DEMO_NODES = [{"CPUs": 2, "RealMemory": 2000}, {"CPUs": 2, "RealMemory": 2000}]


def partition_of(result, name):
    return next(p for p in result["partitions"] if p["name"] == name)


@pytest.mark.parametrize(("sand_mode", "preempt_type", "preempt_mode"), [
    ("suspend", "preempt/partition_prio", "SUSPEND,GANG"),
    ("tiers", "preempt/none", "OFF"),
    ("requeue", "preempt/qos", "REQUEUE"),
])
def test_each_mode_sets_the_preemption_keys_and_a_memory_default(sand_mode, preempt_type, preempt_mode):
    result = slurm_policy(policy(sand_mode=sand_mode, nodes=DEMO_NODES))
    assert result["errors"] == []
    assert result["config"] == {"PreemptType": preempt_type, "PreemptMode": preempt_mode, "DefMemPerCPU": 1000}


def test_suspend_makes_the_lower_partitions_suspendable_with_memory_left_for_sand():
    result = slurm_policy(policy(sand_mode="suspend", nodes=DEMO_NODES, sand_memory_percent=40))
    assert result["errors"] == []
    assert partition_of(result, "batch") == {**DEMO_PARTITIONS[0], "OverSubscribe": "FORCE:1",
                                             "MaxMemPerCPU": 600, "DefMemPerCPU": 600}
    # The sand partition shares too (one job per CPU), or no long job could
    # start on a node where sand runs.
    assert partition_of(result, "short") == {**DEMO_PARTITIONS[1], "OverSubscribe": "FORCE:1", "DefMemPerCPU": 400}
    # Two 600 MiB CPUs of rocks leave 800 MiB of the 2000 MiB node.
    assert result["sand_memory_mb"] == 800


def test_suspend_uses_the_leanest_and_the_smallest_node():
    nodes = [{"CPUs": 128, "RealMemory": 515000}, {"CPUs": 64, "RealMemory": 1030000}, {"CPUs": 32, "RealMemory": 120000}]
    result = slurm_policy(policy(sand_mode="suspend", nodes=nodes))
    assert result["config"]["DefMemPerCPU"] == 3750
    assert partition_of(result, "batch")["MaxMemPerCPU"] == 3750 * 75 // 100
    assert result["sand_memory_mb"] == 120000 * 25 // 100


def test_suspend_keeps_what_the_site_sets():
    result = slurm_policy(policy(
        sand_mode="suspend", nodes=DEMO_NODES,
        partitions={"batch": {"OverSubscribe": "FORCE:2", "MaxMemPerNode": 1500}, "short": {"DefMemPerCPU": 100}},
        config={"DefMemPerNode": 500}))
    assert result["errors"] == []
    batch = partition_of(result, "batch")
    assert (batch["OverSubscribe"], batch["MaxMemPerNode"], "MaxMemPerCPU" in batch) == ("FORCE:2", 1500, False)
    assert partition_of(result, "short")["DefMemPerCPU"] == 100
    assert "DefMemPerCPU" not in result["config"]


def test_node_sizes_unknown_derive_no_memory():
    result = slurm_policy(policy(sand_mode="suspend", nodes=[{"CPUs": 0, "RealMemory": 0}]))
    assert result["errors"] == []
    assert "DefMemPerCPU" not in result["config"]
    assert "MaxMemPerCPU" not in partition_of(result, "batch")
    assert partition_of(result, "batch")["OverSubscribe"] == "FORCE:1"
    assert result["sand_memory_mb"] is None


@pytest.mark.parametrize(("changes", "errors"), [
    pytest.param({"sand_mode": "lane"}, [
        "slurm_sand_mode must be one of suspend, tiers, requeue, not 'lane' (docs/sand-policy.md compares them)."],
        id="unknown-mode"),
    pytest.param({"sand_memory_percent": 95}, [
        "slurm_sand_memory_percent must be a whole number from 1 to 90 (percent of each compute node's memory "
        "that jobs of the lower partitions leave free for sand in suspend mode); it is 95."], id="percent-range"),
    pytest.param({"config": {"preempttype": "preempt/qos"}}, [
        "slurm_config sets PreemptType, which slurm_sand_mode sets (suspend: PreemptType=preempt/partition_prio); "
        "remove PreemptType from slurm_config and choose the mode with slurm_sand_mode."], id="preempt-type-by-hand"),
    pytest.param({"select_type_parameters": "CR_Core"}, [
        "slurm_sand_mode suspend needs memory tracked by the scheduler (SelectTypeParameters with _Memory, e.g. "
        "CR_Core_Memory; it is 'CR_Core'): a suspended job keeps its memory, and without tracking sand would start "
        "on nodes whose memory is full. Set slurm_config.SelectTypeParameters: CR_Core_Memory, or choose "
        "slurm_sand_mode: tiers."], id="memory-not-tracked"),
    pytest.param({"partitions": {"batch": {"OverSubscribe": "NO"}}}, [
        "slurm_partitions.batch: OverSubscribe=NO, but in slurm_sand_mode suspend the sand partition 'short' can "
        "suspend only jobs of partitions with OverSubscribe=FORCE; remove the key (the role sets FORCE:1) or choose "
        "slurm_sand_mode: tiers."], id="not-suspendable"),
    pytest.param({"partitions": {"short": {"OverSubscribe": "EXCLUSIVE"}}}, [
        "slurm_partitions.short: OverSubscribe=EXCLUSIVE, but in slurm_sand_mode suspend no long job could start on "
        "a node while a job of the sand partition 'short' runs there (Slurm keeps such a node away from jobs that "
        "share); remove the key (the role sets FORCE:1) or choose slurm_sand_mode: tiers."], id="sand-not-sharing"),
])
def test_sand_mode_mistakes(changes, errors):
    result = slurm_policy(policy(**{"sand_mode": "suspend", "nodes": DEMO_NODES, **changes}))
    assert result["errors"] == errors


def test_suspend_without_a_sand_partition_suspends_nothing():
    result = slurm_policy(policy(sand_mode="suspend", nodes=DEMO_NODES, partitions={"short": {"PriorityTier": 1}},
                                 select_type_parameters="CR_Core"))
    assert result["errors"] == []
    assert result["config"] == {"PreemptType": "preempt/none", "PreemptMode": "OFF", "DefMemPerCPU": 1000}
    assert "OverSubscribe" not in partition_of(result, "batch")
    assert result["sand_partition"] is None


def test_the_sites_select_type_parameters_count_in_any_letter_case():
    result = slurm_policy(policy(sand_mode="suspend", nodes=DEMO_NODES, config={"selecttypeparameters": "CR_Core"}))
    assert result["errors"] == [
        "slurm_sand_mode suspend needs memory tracked by the scheduler (SelectTypeParameters with _Memory, e.g. "
        "CR_Core_Memory; it is 'CR_Core'): a suspended job keeps its memory, and without tracking sand would start "
        "on nodes whose memory is full. Set slurm_config.SelectTypeParameters: CR_Core_Memory, or choose "
        "slurm_sand_mode: tiers."]


def overlay(**changes):
    """The role's input in overlay mode: the overlay preset, without `normal`."""
    qos = copy.deepcopy(DEFAULTS["slurm_qos_preset"])
    qos.pop("normal")
    return policy(mode="overlay", partitions_preset=copy.deepcopy(DEFAULTS["slurm_overlay_partitions_preset"]),
                  qos_preset=qos, sand_mode="suspend", nodes=[{"CPUs": 2, "RealMemory": 2000}] * 2, **changes)


def test_in_overlay_mode_the_bundles_only_partition_is_sand_and_suspendable():
    result = slurm_policy(overlay())
    assert result["errors"] == []
    assert result["sand_partition"] == "short"
    assert result["partitions"] == [{
        "name": "short", "PriorityJobFactor": 10, "DefaultTime": "30:00", "MaxTime": "2:00:00", "QOS": "short",
        "State": "UP", "DefMemPerCPU": 250, "OverSubscribe": "FORCE:1"}]
    assert result["config"]["PreemptType"] == "preempt/partition_prio"
    assert qos_of(result, "short")["GrpTRES"] == "cpu=4"
    assert "normal" not in [q["name"] for q in result["qos"]]


def test_in_overlay_mode_a_partition_without_tier_outranks_one_with():
    result = slurm_policy(overlay(partitions={"extra": {"PriorityTier": 5, "MaxTime": "1:00:00"}}))
    assert result["sand_partition"] == "short"
    two = slurm_policy(overlay(partitions={"short": {"PriorityTier": 7}, "extra": {"PriorityTier": 5}}))
    assert two["sand_partition"] == "short"


def test_in_managed_mode_a_single_partition_is_not_sand():
    result = slurm_policy(policy(partitions_preset={"batch": {"MaxTime": "1-0"}}))
    assert result["sand_partition"] is None


def test_the_qos_a_purge_deletes_are_those_the_inventory_does_not_list_but_never_normal():
    records = [{"Name": "normal"}, {"Name": "interactive"}, {"Name": "old"}, {"Name": "premium"}, {}]
    assert slurm_qos_unlisted(records, [{"name": "interactive"}, {"name": "short"}]) == ["old", "premium"]
    assert slurm_qos_unlisted(None, []) == []


# --- Overlay mode: the sand partition's memory beside the site's jobs --------------
def on_the_center(records, **changes):
    """overlay() on the site's Slurm (`records`, _site_records.center: c1
    and c2 of 2 CPUs), 60 % for sand as in the overlay scenario, `changes`
    over it."""
    value = overlay()
    value.update(site=records, node_names=["c1", "c2"], node_name_of={"c1": "c1", "c2": "c2"}, sand_memory_percent=60,
                 nodes=[{"CPUs": r["CPUs"], "RealMemory": r["RealMemory"]} for r in records["node_records"].values()])
    value.update(changes)
    return slurm_policy(value)


@pytest.mark.parametrize(("percent", "expected"), [(60, 900), (25, 375), (90, 952)])
def test_in_overlay_mode_sand_memory_fits_beside_the_sites_jobs(percent, expected):
    # RealMemory=3000 for 2 CPUs, the site's DefMemPerCPU=1024: 952 MiB stay
    # free beside two jobs of the site's; 60 % of 1500 MiB per CPU fits.
    result = on_the_center(center(), sand_memory_percent=percent)
    assert (result["errors"], result["overlay_errors"]) == ([], [])
    assert partition_of(result, "short")["DefMemPerCPU"] == expected
    assert result["sand_memory_mb"] == 952


def test_in_overlay_mode_a_sand_default_that_cannot_fit_is_reported_not_written():
    site = center(config=NO_DEFAULT, express={"DefMemPerNode": None, "DefMemPerCPU": "1600"})
    result = on_the_center(site)
    assert "DefMemPerCPU" not in partition_of(result, "short")
    assert result["sand_memory_mb"] == 0 and result["errors"] == []
    assert result["overlay_errors"] == [
        "slurm_partitions.short: a job of the sand partition short that names no memory would find none free on a "
        "node that the site's jobs fill (a suspended job keeps its memory): c[1-2] (2 CPUs, 3000 MiB for jobs: "
        "RealMemory less MemSpecLimit) in the site's partitions general (the whole node to a job without --mem: no "
        "DefMemPerCPU, DefMemPerNode=UNLIMITED), express (up to 1600 MiB per CPU: DefMemPerCPU=1600). The bundle "
        "does not write a DefMemPerCPU that cannot fit. Give the site's partitions general, express a DefMemPerCPU "
        "in the site's slurm.conf that leaves memory free, or set slurm_partitions.short.DefMemPerCPU in the "
        "inventory (written as given)."]


@pytest.mark.parametrize("key", ["DefMemPerCPU", "DefMemPerNode"])
def test_in_overlay_mode_the_inventorys_sand_default_is_written_as_given(key):
    result = on_the_center(center(config=NO_DEFAULT), partitions={"short": {key: 200}})
    assert partition_of(result, "short")[key] == 200
    assert result["overlay_errors"] == []
    fits = on_the_center(center(), partitions={"short": {key: 2000}})
    assert partition_of(result, "short")[key] == 200 and partition_of(fits, "short")[key] == 2000


def test_in_overlay_mode_only_the_sand_partitions_nodes_count():
    # general, which gives a job the whole node, only on c2.
    site = center(config=NO_DEFAULT, express={"DefMemPerNode": None, "DefMemPerCPU": "500"})
    site["node_records"]["c1"]["Partitions"] = ["express", "short"]
    on_c1 = on_the_center(site, partitions={"short": {"nodes": "c1"}})
    assert partition_of(on_c1, "short")["DefMemPerCPU"] == 900 and on_c1["sand_memory_mb"] == 2000
    everywhere = on_the_center(site, partitions={"short": {"nodes": "ALL"}})
    assert "c2 (2 CPUs, 3000 MiB for jobs: RealMemory less MemSpecLimit) in the site's partitions general" in \
        everywhere["overlay_errors"][0]
    # An inventory host is placed by its Slurm name.
    renamed = on_the_center(site, partitions={"short": {"nodes": "node1"}}, node_name_of={"node1": "c1", "node2": "c2"})
    assert renamed["overlay_errors"] == [] and renamed["sand_memory_mb"] == 2000


def test_in_overlay_mode_the_bundles_partitions_of_the_last_run_are_not_the_sites():
    site = center(config=NO_DEFAULT, general={"DefMemPerNode": None, "DefMemPerCPU": "100"},
                  express={"DefMemPerNode": None, "DefMemPerCPU": "100"})
    site["fragment"] = {"partitions": {"old": {}}}
    for record in site["node_records"].values():
        record["Partitions"] += ["short", "old"]
    result = on_the_center(site)
    assert result["overlay_errors"] == [] and result["sand_memory_mb"] == 2800


def test_the_sites_records_change_nothing_outside_overlay_mode_or_before_they_are_read():
    managed = on_the_center(center(config=NO_DEFAULT), mode="managed",
                            partitions_preset=copy.deepcopy(DEFAULTS["slurm_partitions_preset"]))
    assert managed["overlay_errors"] == [] and managed["sand_memory_mb"] == 3000 * 60 // 100
    assert partition_of(managed, "short")["DefMemPerCPU"] == 900
    unread = on_the_center(center(), site=None)
    assert partition_of(unread, "short")["DefMemPerCPU"] == 900 and unread["sand_memory_mb"] == 1800


@pytest.mark.parametrize(("share", "reserve", "user", "expected"), [
    pytest.param(4, 25, 75, (3, 3, 1), id="demo"),
    pytest.param(500, 25, 75, (375, 375, 125), id="large-site"),
    pytest.param(8, 25, 50, (6, 4, 2), id="user-below-group"),
    pytest.param(2, 1, 100, (1, 1, 1), id="reserve-at-least-one-cpu"),
    pytest.param(4, 0, 75, (4, 3, 0), id="no-reserve"),
    pytest.param(1, 25, 75, (1, 1, 0), id="one-cpu-share-reserves-nothing"),
    pytest.param(10, 99, 100, (1, 1, 9), id="burst-keeps-one-cpu"),
    pytest.param(4, "x", 75, None, id="bad-input"),
])
def test_the_burst_caps_come_from_the_sand_share(share, reserve, user, expected):
    assert sand_burst_caps(share, reserve, user) == expected


@pytest.mark.parametrize(("share", "reserve", "notebook", "expected"), [
    pytest.param(4, 25, 2, (2, 2, 2), id="a-4-cpu-share-holds-a-2-cpu-notebook"),
    pytest.param(4, 25, 1, (3, 3, 1), id="demo-1-cpu-notebook-unchanged"),
    pytest.param(8, 25, 2, (6, 6, 2), id="percent-and-notebook-agree"),
    pytest.param(1000, 25, 2, (750, 750, 250), id="1000-cpu-site-unchanged"),
    pytest.param(1000, 25, 400, (600, 600, 400), id="a-notebook-above-the-percent"),
    pytest.param(2, 25, 2, (1, 1, 1), id="burst-keeps-the-last-cpu"),
    pytest.param(4, 25, 8, (1, 1, 3), id="a-notebook-over-the-share"),
    pytest.param(4, 0, 2, (4, 3, 0), id="0-percent-still-reserves-nothing"),
    pytest.param(4, 25, "x", None, id="bad-notebook"),
])
def test_the_reserve_holds_the_largest_notebook(share, reserve, notebook, expected):
    assert sand_burst_caps(share, reserve, 75, notebook) == expected


def test_the_demo_reserves_its_2_cpu_notebook():
    """The demo's sizes (two nodes of 2 CPUs, the whole machine sand) with the
    hub role's default profiles: the 2-CPU notebook is reserved, burst jobs
    hold 2; the partition long's notebooks do not count."""
    result = slurm_policy(policy(nodes=DEMO_NODES, notebook_cpus={"short": 2, "long": 16}))
    burst = qos_of(result, "burst")
    assert (burst["GrpTRES"], burst["MaxTRESPerUser"]) == ("cpu=2", "cpu=2")
    assert result["sand_share"]["burst"] == burst_share(4, 2, 2, 2, ["GrpTRES", "MaxTRESPerUser"], notebook=2)
    assert result["errors"] == []


def test_a_1000_cpu_site_keeps_its_percent():
    nodes = [{"CPUs": 100, "RealMemory": 200000}] * 20
    burst = qos_of(slurm_policy(policy(nodes=nodes, compute_cpus=2000, short_share_percent=50, notebook_cpus={"short": 2})), "burst")
    assert (burst["GrpTRES"], burst["MaxTRESPerUser"]) == ("cpu=750", "cpu=750")


def test_the_sites_burst_grptres_is_reported_when_it_binds():
    result = slurm_policy(policy(nodes=DEMO_NODES, notebook_cpus={"short": 2}, qos={"burst": {"GrpTRES": "cpu=3"}}))
    assert result["sand_share"]["burst"]["site_group_cpus"] == 3
    assert qos_of(result, "burst")["GrpTRES"] == "cpu=3"
    loose = slurm_policy(policy(nodes=DEMO_NODES, qos={"burst": {"GrpTRES": "cpu=3", "Flags": "DenyOnLimit"}}))
    assert loose["sand_share"]["burst"]["site_group_cpus"] is None


@pytest.mark.parametrize("value", [[2], {"short": -1}, {"short": "two"}])
def test_a_bad_notebook_cpus_is_reported(value):
    result = slurm_policy(policy(nodes=DEMO_NODES, notebook_cpus=value))
    assert len(result["errors"]) == 1 and result["errors"][0].startswith("slurm_notebook_cpus must be a dict")
    assert result["sand_share"]["burst"] is None


DEMO_NODES = [{"CPUs": 2, "RealMemory": 2000}] * 2


def test_the_burst_qos_leaves_part_of_the_share_to_notebooks_once_the_sizes_are_known():
    burst = qos_of(slurm_policy(policy(nodes=DEMO_NODES)), "burst")
    assert (burst["GrpTRES"], burst["MaxTRESPerUser"], burst["Flags"]) == ("cpu=3", "cpu=3", "DenyOnLimit,OverPartQOS")
    burst = qos_of(slurm_policy(policy(nodes=DEMO_NODES, short_share_percent=50, burst_user_percent=50)), "burst")
    assert (burst["GrpTRES"], burst["MaxTRESPerUser"]) == ("cpu=1", "cpu=1")


@pytest.mark.parametrize(("site_burst", "grp", "per_user"), [
    pytest.param({"GrpTRES": "cpu=2"}, "cpu=2", "cpu=3", id="site-grptres-wins"),
    pytest.param({"MaxTRESPerUser": "cpu=256"}, "cpu=3", "cpu=256", id="site-per-user-wins"),
    pytest.param({"GrpTRES": None, "MaxTRESPerUser": None}, None, None, id="null-means-no-cap"),
    pytest.param({"Flags": "DenyOnLimit"}, None, "cpu=3", id="no-overpartqos-no-reserve"),
])
def test_the_site_burst_caps_win(site_burst, grp, per_user):
    burst = qos_of(slurm_policy(policy(nodes=DEMO_NODES, qos={"burst": site_burst})), "burst")
    assert (burst.get("GrpTRES"), burst.get("MaxTRESPerUser")) == (grp, per_user)


def test_the_burst_caps_follow_the_sites_own_share():
    result = slurm_policy(policy(nodes=DEMO_NODES, qos={"short": {"GrpTRES": "cpu=2,mem=1G"}}))
    assert qos_of(result, "burst")["GrpTRES"] == "cpu=1"
    assert result["sand_share"]["burst"]["share_cpus"] == 2


@pytest.mark.parametrize(("changes", "message"), [
    pytest.param({"notebook_reserve_percent": 100},
                 "slurm_sand_notebook_reserve_percent must be a whole number from 0 to 99", id="reserve"),
    pytest.param({"burst_user_percent": 0},
                 "slurm_sand_burst_user_percent must be a whole number from 1 to 100", id="per-user"),
])
def test_the_burst_percentages_are_checked(changes, message):
    errors = slurm_policy(policy(**changes))["errors"]
    assert len(errors) == 1 and errors[0].startswith(message)
