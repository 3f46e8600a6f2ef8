"""Unit tests of overlay mode's plan (plugins/filter/slurm_overlay.py): the
bundle's fragment of a site's slurm.conf and every reason not to apply it,
the QOS plan and the check after `scontrol reconfigure`."""

import copy
import pathlib

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.filter.slurm_overlay import (
    FilterModule,
    handed_key_errors,
    slurm_overlay_applied_errors,
    slurm_overlay_plan,
    slurm_overlay_qos_plan,
)
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_conf_reader import (
    parse_conf,
    scontrol_config,
    scontrol_records,
    slurm_version,
)

SITE_CONF = """\
ClusterName=center
SlurmctldHost=ctl
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerParameters=bf_continue
NodeName=c[1-2] CPUs=2 RealMemory=1800
PartitionName=DEFAULT State=UP OverSubscribe=FORCE:1
PartitionName=general Nodes=c[1-2] Default=YES MaxTime=14-00:00:00 PriorityTier=1
PartitionName=express Nodes=c[1-2] MaxTime=04:00:00 PriorityTier=2
Include /etc/slurm/hpc-datasci.conf
"""

SHORT = {"name": "short", "PriorityJobFactor": 10, "MaxTime": "2:00:00", "QOS": "short",
         "OverSubscribe": "FORCE:1", "DefMemPerCPU": 540}


def site(conf=SITE_CONF, live=None, fragment=None, jobs=(), version=(24, 11, 5), nodes=("c1", "c2")):
    files = parse_conf(conf, "/etc/slurm/slurm.conf")
    partitions = {name: {"PartitionName": name, "Nodes": e["attrs"].get("Nodes"),
                         "PriorityTier": e["attrs"].get("PriorityTier", "1"),
                         "OverSubscribe": e["attrs"].get("OverSubscribe", "NO")}
                  for name, e in files["partitions"].items()}
    config = {"ClusterName": "center", "PreemptType": "preempt/none", "PreemptMode": "OFF",
              "SelectTypeParameters": "CR_CORE_MEMORY", "SchedulerParameters": "bf_continue"}
    config.update(live or {})
    return {"version": list(version), "conf_path": "/etc/slurm/slurm.conf",
            "fragment_path": "/etc/slurm/hpc-datasci.conf", "fragment": fragment or {},
            "site": files, "config": config, "partitions": partitions, "nodes": list(nodes),
            "jobs": list(jobs)}


def plan(**changes):
    data = {"site": site(), "config": {"PreemptType": "preempt/partition_prio", "PreemptMode": "SUSPEND,GANG",
                                       "SchedulerParameters": "bf_continue,bf_window=2880"},
            "handed_keys": ["PreemptType", "PreemptMode"], "partitions": [copy.deepcopy(SHORT)],
            "node_names": ["c1", "c2"], "sand_mode": "suspend", "sand_partition": "short", "cluster_name": ""}
    data.update(changes)
    return slurm_overlay_plan(data)


def test_the_fragment_holds_the_handed_keys_and_the_bundles_partition_above_the_sites():
    result = plan()
    assert result["errors"] == []
    assert result["lines"] == [
        "PreemptType=preempt/partition_prio",
        "PreemptMode=SUSPEND,GANG",
        "PartitionName=short Nodes=c[1-2] PriorityJobFactor=10 MaxTime=2:00:00 QOS=short OverSubscribe=FORCE:1"
        " DefMemPerCPU=540 PriorityTier=3",
    ]
    assert result["partitions"] == ["short"] and result["removed"] == []


def test_a_handed_key_the_site_sets_otherwise_is_a_conflict_named_with_its_line():
    result = plan(handed_keys=["PreemptType", "PreemptMode", "SchedulerParameters"])
    assert result["errors"] == [
        "SchedulerParameters is set to bf_continue in /etc/slurm/slurm.conf:5, and slurm_overlay_keys hands it to "
        "the bundle, which sets bf_continue,bf_window=2880: remove the line from the site's file (the bundle's "
        "fragment then sets it), or take SchedulerParameters out of slurm_overlay_keys (and out of what the "
        "bundle needs). Nothing was changed."]


def test_a_handed_key_the_site_sets_to_the_same_value_is_no_conflict():
    conf = SITE_CONF.replace("SchedulerParameters=bf_continue", "PreemptMode=GANG,SUSPEND")
    assert plan(site=site(conf))["errors"] == []


def test_a_handed_key_without_a_value_is_reported():
    assert plan(handed_keys=["PreemptType", "PreemptMode", "PriorityWeightAge"])["errors"] == [
        "slurm_overlay_keys hands PriorityWeightAge to the bundle, but no value is set for it: set "
        "slurm_config.PriorityWeightAge, or take PriorityWeightAge out of slurm_overlay_keys."]


@pytest.mark.parametrize(("mode", "handed", "message"), [
    ("suspend", [], "slurm_sand_mode suspend needs PreemptType=preempt/partition_prio, PreemptMode=SUSPEND,GANG, "
                    "but the site runs PreemptType=preempt/none, PreemptMode=OFF. Hand the keys to the bundle "
                    "(slurm_overlay_keys: [PreemptType, PreemptMode]), or set them in the site's slurm.conf "
                    "yourself, or choose another slurm_sand_mode (docs/overlay.md)."),
    ("requeue", ["PreemptType"], "slurm_sand_mode requeue needs PreemptMode=REQUEUE, but the site runs "
                                 "PreemptMode=OFF. Hand the keys to the bundle (slurm_overlay_keys: "
                                 "[PreemptMode]), or set them in the site's slurm.conf yourself, or choose "
                                 "another slurm_sand_mode (docs/overlay.md)."),
])
def test_a_sand_mode_whose_keys_are_neither_handed_nor_set_is_refused(mode, handed, message):
    config = {"PreemptType": "preempt/qos" if mode == "requeue" else "preempt/partition_prio"}
    assert message in plan(sand_mode=mode, handed_keys=handed, config=config)["errors"]


@pytest.mark.parametrize("unset", ["preempt/none", "(null)", ""])
def test_tiers_needs_nothing_on_a_site_without_preemption(unset):
    # 22.05 shows an unset PreemptType as preempt/none, 24.11 as (null).
    running = site(live={"PreemptType": unset})
    assert plan(site=running, sand_mode="tiers", handed_keys=[], config={})["errors"] == []


def test_a_sand_mode_the_site_already_runs_needs_no_key():
    running = site(live={"PreemptType": "preempt/partition_prio", "PreemptMode": "GANG,SUSPEND"})
    result = plan(site=running, handed_keys=[])
    assert result["errors"] == [] and result["lines"][0].startswith("PartitionName=short")


def test_suspend_needs_the_sites_partitions_suspendable_and_memory_tracked():
    conf = SITE_CONF.replace("PartitionName=DEFAULT State=UP OverSubscribe=FORCE:1", "PartitionName=DEFAULT State=UP")
    errors = plan(site=site(conf, live={"SelectTypeParameters": "CR_CORE"}))["errors"]
    assert errors == [
        "slurm_sand_mode suspend: the site's partitions express, general share nodes with the sand partition "
        "short but do not have OverSubscribe=FORCE:1, so sand could not suspend their jobs. That is a key of the "
        "site's partitions, which the bundle does not write: add OverSubscribe=FORCE:1 to them in the site's "
        "slurm.conf, or choose slurm_sand_mode: tiers.",
        "slurm_sand_mode suspend needs memory tracked by the scheduler, but the site runs "
        "SelectTypeParameters=CR_CORE: a suspended job keeps its memory. Set a *_Memory value in the site's "
        "slurm.conf, or choose slurm_sand_mode: tiers."]


def test_a_priority_tier_not_above_the_sites_is_refused():
    short = dict(SHORT, PriorityTier=2)
    assert plan(partitions=[short])["errors"] == [
        "slurm_partitions.short.PriorityTier is 2, not above the site's partitions on the same nodes (express: up "
        "to 2); sand must come first. Leave PriorityTier out (the role then sets 3) or set it above 2."]


def test_a_partition_name_of_the_sites_is_never_taken():
    errors = plan(partitions=[dict(SHORT, name="express")], sand_partition="express")["errors"]
    assert errors == [
        "slurm_partitions: partition express is the site's (/etc/slurm/slurm.conf:9); the bundle never changes a "
        "partition of the site's. Give the bundle's another name (slurm_partitions: {express: null, <new name>: "
        "{...}})."]


def test_a_partition_made_at_run_time_by_the_site_is_the_sites_too():
    running = site()
    running["partitions"]["debug"] = {"PartitionName": "debug", "Nodes": "c1"}
    assert "partition debug is the site's (slurmctld)" in plan(
        site=running, partitions=[dict(SHORT, name="debug")], sand_partition="debug")["errors"][0]


def test_nodes_slurm_does_not_know_are_refused():
    errors = plan(node_names=["c1", "gpu7"])["errors"]
    assert errors == [
        "slurm_partitions.short: the nodes gpu7 are not nodes of the site's Slurm (c[1-2]): set slurm_node_name in "
        "the host_vars of each compute host to its Slurm NodeName, or give the partition nodes: that Slurm knows."]


def test_a_second_default_partition_is_refused():
    errors = plan(partitions=[dict(SHORT, Default="YES")])["errors"]
    assert errors == ["slurm_partitions.short: Default=YES, but the site's default partition is general; remove "
                      "Default from the bundle's partition."]


def test_the_cluster_name_must_be_the_sites():
    assert plan(cluster_name="other")["errors"] == [
        "slurm_cluster_name is other, but the site's Slurm is cluster center: leave slurm_cluster_name empty in "
        "overlay mode (the site's name is used) or set it to center."]
    assert plan(cluster_name="Center")["errors"] == []


def _with_previous(jobs):
    previous = parse_conf("PartitionName=short Nodes=c[1-2]\nPartitionName=extra Nodes=c2\n", "fragment")
    running = site(fragment=previous, jobs=jobs)
    running["partitions"]["extra"] = {"PartitionName": "extra", "Nodes": "c2"}
    return running


def test_a_partition_of_the_last_fragment_is_removed_when_no_job_uses_it():
    result = plan(site=_with_previous([]))
    assert result["errors"] == [] and result["removed"] == ["extra"]


def test_a_removed_partition_with_jobs_stops_the_play():
    jobs = [{"id": "41", "partitions": ["extra"], "qos": "normal", "state": "RUNNING"}]
    assert plan(site=_with_previous(jobs))["errors"] == [
        "slurm_partitions: partition extra is no longer listed, but jobs still use it (41); removing it now would "
        "lose them. Let them end (or `scontrol update PartitionName=extra State=DRAIN` and wait), then run again."]


@pytest.mark.parametrize(("version", "refused"), [((22, 5, 8), True), ((23, 11, 0), False), ((24, 11, 5), False)])
def test_slurm_before_23_11_needs_a_restart_for_plugin_keys(version, refused):
    errors = plan(site=site(version=version))["errors"]
    message = ("slurm_overlay_keys: Slurm 22.05 applies PreemptType only when slurmctld restarts (from 23.11 "
               "`scontrol reconfigure` applies it), and overlay mode never restarts the site's daemons. Set "
               "PreemptType=preempt/partition_prio in the site's slurm.conf and restart slurmctld in a maintenance "
               "window, then run again (the fragment then changes nothing).")
    assert (message in errors) is refused
    if refused:
        assert len(errors) == 2  # PreemptMode as well


def test_the_plan_needs_the_sites_reading():
    with pytest.raises(AnsibleFilterError):
        slurm_overlay_plan({"config": {}})


@pytest.mark.parametrize(("keys", "errors"), [
    (["PreemptType", "preemptmode", "PriorityWeightQOS", "SchedulerParameters"], []),
    (["SlurmctldHost"], ["slurm_overlay_keys: SlurmctldHost is not a scheduling or priority key; in overlay mode "
                         "the site keeps every other key of its slurm.conf. Only Preempt*, Priority* and Scheduler* "
                         "keys may be handed to the bundle."]),
    (["PreemtType"], ["slurm_overlay_keys: PreemtType is not a slurm.conf key; check its spelling (slurm.conf(5))."]),
    ("PreemptType", ["slurm_overlay_keys must be a list of slurm.conf key names, e.g. [PreemptType, PreemptMode]."]),
])
def test_the_handed_keys_are_checked_before_any_host(keys, errors):
    assert handed_key_errors(keys) == errors


MARKER = "hpc.datasci overlay"


def qos_plan(existing, jobs=(), wanted=("interactive", "burst"), referenced=()):
    return slurm_overlay_qos_plan({"qos": list(wanted), "existing": existing, "jobs": list(jobs),
                                   "marker": MARKER, "referenced": list(referenced)})


def test_the_bundles_qos_are_created_or_changed_and_the_sites_left_alone():
    existing = [{"Name": "normal", "Description": "Normal QOS default"}, {"Name": "premium", "Description": ""},
                {"Name": "burst", "Description": MARKER}]
    assert qos_plan(existing, referenced=["normal", "premium", "burst"]) == {"delete": [], "errors": []}


def test_a_qos_of_the_sites_with_a_bundle_name_is_reported():
    result = qos_plan([{"Name": "burst", "Description": "the site's burst"}])
    assert result["errors"] == [
        "slurm_qos: QOS burst already exists at the site (Description 'the site's burst') and is not the bundle's; "
        "the bundle never changes a QOS of the site's. Drop it from the bundle's (slurm_qos: {burst: null}) and "
        "use another name, or name the site's QOS where the hub and gateway should use it."]


def test_a_bundle_qos_no_longer_listed_is_deleted_unless_a_job_uses_it():
    existing = [{"Name": "trial", "Description": MARKER}, {"Name": "old", "Description": "site"}]
    assert qos_plan(existing) == {"delete": ["trial"], "errors": []}
    busy = qos_plan(existing, jobs=[{"id": "7", "qos": "trial", "partitions": ["short"]}])
    assert busy == {"delete": [], "errors": [
        "slurm_qos: QOS trial (the bundle's) is no longer listed, but jobs still use it (7); let them end, then run "
        "again to remove it."]}


def test_an_account_naming_a_qos_nobody_has_is_reported():
    assert qos_plan([{"Name": "normal", "Description": ""}], referenced=["normal", "premum"])["errors"] == [
        "slurm_accounts names QOS premum, which is neither the bundle's (slurm_qos) nor one of the site's (normal): "
        "correct the name, or add it to slurm_qos."]


def test_after_reconfigure_missing_partitions_and_keys_are_reported():
    result = plan(site=_with_previous([]))
    after = site(live={"PreemptType": "preempt/partition_prio", "PreemptMode": "GANG,SUSPEND"})
    after["partitions"]["short"] = {"PartitionName": "short"}
    assert slurm_overlay_applied_errors({"plan": result, "site": after}) == []
    after["partitions"].pop("short")
    after["partitions"]["extra"] = {}
    after["config"]["PreemptMode"] = "OFF"
    errors = slurm_overlay_applied_errors({"plan": result, "site": after})
    assert [e.split(":")[0] for e in errors] == [
        "after `scontrol reconfigure` slurmctld does not run the partitions short of the bundle's fragment "
        "/etc/slurm/hpc-datasci.conf",
        "after `scontrol reconfigure` slurmctld still runs the partitions extra that the fragment no longer has; "
        "read slurmctld's log.",
        "after `scontrol reconfigure` slurmctld runs PreemptMode=OFF, not SUSPEND,GANG as the fragment sets"]


def test_the_filters_are_registered():
    assert set(FilterModule().filters()) == {"slurm_overlay_applied_errors", "slurm_overlay_handed_key_errors",
                                             "slurm_overlay_plan", "slurm_overlay_qos_plan"}


# --- the plan on real output of both releases ------------------------------------
FIXTURES = pathlib.Path(__file__).parent / "fixtures"


def real_site(release):
    folder = FIXTURES / f"slurm-{release}"
    config = scontrol_config((folder / "scontrol_show_config.txt").read_text())
    return {"version": list(slurm_version(config["SLURM_VERSION"])), "conf_path": config["SLURM_CONF"],
            "fragment_path": "/etc/slurm/hpc-datasci.conf", "fragment": {},
            "site": parse_conf((folder / "slurm.conf").read_text(), config["SLURM_CONF"]), "config": config,
            "partitions": scontrol_records((folder / "scontrol_show_partition_o.txt").read_text(), "PartitionName"),
            "nodes": sorted(scontrol_records((folder / "scontrol_show_node_o.txt").read_text(), "NodeName")),
            "jobs": []}


def test_on_the_24_11_center_the_suspend_keys_are_handed_over_and_sand_goes_above_express():
    result = plan(site=real_site("24.11"), partitions=[{"name": "sand", "MaxTime": "2:00:00"}], sand_partition="sand")
    assert result["errors"] == []
    assert result["lines"][-1] == "PartitionName=sand Nodes=c[1-2] MaxTime=2:00:00 PriorityTier=3"
    # 24.11 prints the unset PreemptType as (null): tiers needs nothing there.
    assert plan(site=real_site("24.11"), sand_mode="tiers", handed_keys=[], config={},
                partitions=[{"name": "sand"}], sand_partition="sand")["errors"] == []


def test_on_a_22_05_site_plugin_keys_it_already_runs_need_no_restart_but_others_do():
    site_2205 = real_site("22.05")
    # The managed test site runs preempt/partition_prio with SUSPEND,GANG already;
    # its highest partition tier is short's 10.
    result = plan(site=site_2205, partitions=[{"name": "sand"}], sand_partition="sand")
    assert result["errors"] == []
    assert result["lines"] == ["PreemptType=preempt/partition_prio", "PreemptMode=SUSPEND,GANG",
                               "PartitionName=sand Nodes=c[1-2] PriorityTier=11"]
    requeue = plan(site=site_2205, sand_mode="requeue", config={"PreemptType": "preempt/qos", "PreemptMode": "REQUEUE"},
                   partitions=[{"name": "sand"}], sand_partition="sand")["errors"]
    assert any(e.startswith("slurm_overlay_keys: Slurm 22.05 applies PreemptType only when slurmctld restarts")
               for e in requeue)
