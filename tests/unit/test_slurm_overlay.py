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
    slurm_qos_in_use,
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
PartitionName=express Nodes=c[1-2] MaxTime=04:00:00 PriorityTier=1 PriorityJobFactor=2
Include /etc/slurm/hpc-datasci.conf
"""

SHORT = {"name": "short", "PriorityJobFactor": 10, "MaxTime": "2:00:00", "QOS": "short", "State": "UP",
         "OverSubscribe": "FORCE:1", "DefMemPerCPU": 540}


def site(conf=SITE_CONF, live=None, fragment=None, jobs=(), version=(24, 11, 5), nodes=("c1", "c2")):
    files = parse_conf(conf, "/etc/slurm/slurm.conf")
    partitions = {name: {"PartitionName": name, "Nodes": e["attrs"].get("Nodes"),
                         "PriorityTier": e["attrs"].get("PriorityTier", "1"),
                         "OverSubscribe": e["attrs"].get("OverSubscribe", "NO"),
                         "Default": e["attrs"].get("Default", "NO")}
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
        "PartitionName=short Nodes=c[1-2] PriorityJobFactor=10 MaxTime=2:00:00 QOS=short State=UP"
        " OverSubscribe=FORCE:1 DefMemPerCPU=540 PriorityTier=2",
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
    short = dict(SHORT, PriorityTier=1)
    assert plan(partitions=[short])["errors"] == [
        "slurm_partitions.short.PriorityTier is 1, not above the site's partitions on the same nodes (express, "
        "general: up to 1); sand must come first. Leave PriorityTier out (the role then sets 2) or set it above 1."]


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
    errors = plan(partitions=[dict(SHORT, nodes="c1,gpu7")])["errors"]
    assert errors == [
        "slurm_partitions.short: the nodes gpu7 are not nodes of the site's Slurm (c[1-2]): set slurm_node_name in "
        "the host_vars of each compute host to its Slurm NodeName, or give the partition nodes: that Slurm knows."]


def test_compute_hosts_slurm_does_not_know_are_refused_once():
    # Their sizes come from the site's node records; the partition on them
    # (every compute node by default) is not reported again.
    errors = plan(node_names=["c1", "gpu7", "n9"], node_name_of={"c1": "c1", "gpu7": "gpu7", "node9": "n9"})["errors"]
    assert errors == [
        "slurm_compute: the hosts gpu7, node9 (slurm_node_name n9) are not nodes of the site's Slurm (c[1-2]), "
        "whose node records give the nodes' CPUs and memory in overlay mode: set slurm_node_name in the host_vars "
        "of each to its Slurm NodeName, or take them out of the inventory group slurm_compute."]


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
    return slurm_overlay_qos_plan({"qos": [{"name": q} for q in wanted], "existing": existing, "jobs": list(jobs),
                                   "marker": MARKER, "accounts": [{"name": "datasci", "qos": list(referenced)}],
                                   "partitions": []})


def test_the_bundles_qos_are_created_or_changed_and_the_sites_left_alone():
    existing = [{"Name": "normal", "Description": "Normal QOS default"}, {"Name": "premium", "Description": ""},
                {"Name": "burst", "Description": MARKER}]
    assert qos_plan(existing, referenced=["normal", "premium", "burst"]) == {"delete": [], "errors": []}


def test_a_qos_of_the_sites_with_a_bundle_name_is_reported():
    result = qos_plan([{"Name": "burst", "Description": "the site's burst"}])
    assert result["errors"] == [
        "slurm_qos: QOS burst already exists at the site (Description 'the site's burst') and is not the bundle's; "
        "the bundle never changes a QOS of the site's. Drop it from the bundle's (slurm_qos: {burst: null}) and "
        "give the bundle's QOS another name (and the hub's profiles and the gateway with it)."]


def test_a_bundle_qos_no_longer_listed_is_deleted_unless_a_job_uses_it():
    existing = [{"Name": "trial", "Description": MARKER}, {"Name": "old", "Description": "site"}]
    assert qos_plan(existing) == {"delete": ["trial"], "errors": []}
    busy = qos_plan(existing, jobs=[{"id": "7", "qos": "trial", "partitions": ["short"]}])
    assert busy == {"delete": [], "errors": [
        "slurm_qos: QOS trial (the bundle's) is no longer listed, but jobs still use it (7); let them end, then run "
        "again to remove it."]}


def test_an_account_naming_a_qos_nobody_has_is_reported():
    assert qos_plan([{"Name": "normal", "Description": ""}], referenced=["normal", "premum"])["errors"] == [
        "slurm_accounts or slurm_partitions name QOS premum, which is neither the bundle's (slurm_qos) nor one of the site's (normal): "
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
                                             "slurm_overlay_plan", "slurm_overlay_qos_plan", "slurm_qos_in_use"}


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


def test_on_the_24_11_center_handing_over_preemption_would_let_express_suspend_general():
    """The center as captured gave express a higher PriorityTier than general
    on the same nodes: harmless under its preempt/none, but with
    preempt/partition_prio handed over express would suspend general's jobs."""
    result = plan(site=real_site("24.11"), partitions=[{"name": "sand", "MaxTime": "2:00:00"}], sand_partition="sand")
    assert result["errors"] == [
        "slurm_overlay_keys hands PreemptType=preempt/partition_prio to the bundle, which would also let the site's "
        "partitions preempt each other where they share nodes: express (PriorityTier 2) over general (PriorityTier "
        "1). Give the site's partitions one PriorityTier (PriorityJobFactor still orders their queue, without "
        "preemption), or choose slurm_sand_mode: tiers."]
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


def test_keys_the_site_defaults_for_every_partition_are_reported_unless_the_bundle_sets_them():
    conf = SITE_CONF.replace("PartitionName=DEFAULT State=UP OverSubscribe=FORCE:1",
                             "PartitionName=DEFAULT State=UP OverSubscribe=FORCE:1 AllowAccounts=physics")
    assert plan(site=site(conf))["errors"] == [
        "slurm_partitions.short: the site's PartitionName=DEFAULT sets AllowAccounts=physics, which the bundle's "
        "partition would inherit (its fragment is read after the site's lines): give the partition its own value "
        "of each in slurm_partitions.short."]


def test_every_controller_of_the_site_must_be_in_the_inventory():
    running = site(live={"SlurmctldHost[0]": "ctl", "SlurmctldHost[1]": "ctl2(10.0.0.9)"})
    assert plan(site=running, controllers=["ctl", "ctl2"])["errors"] == []
    assert plan(site=running, controllers=["ctl"])["errors"] == [
        "the site's controllers ctl, ctl2 read the fragment too, but ctl2 is not in the inventory group "
        "slurm_controller: add it (slurm_node_name where the host's name differs)."]


def test_the_sites_slurm_user_must_be_the_one_the_gateway_reads_as():
    running = site(live={"SlurmUser": "slurmsvc(401)"})
    assert plan(site=running, slurm_user="slurm")["errors"] == [
        "the site's SlurmUser is slurmsvc, not slurm: set slurm_config.SlurmUser: slurmsvc (with PrivateData=jobs "
        "only that user sees every job; the gateway reads job states as dask_gateway_slurm_user, which must be it)."]


@pytest.mark.parametrize(("key", "running", "wanted"), [
    ("PriorityDecayHalfLife", "14-00:00:00", "14-0"),
    ("PriorityCalcPeriod", "00:05:00", 5),
    ("SchedulerTimeSlice", "30 sec", 30),
])
def test_times_spelled_as_scontrol_prints_them_are_the_same(key, running, wanted):
    result = plan(site=site(live={key: running}), handed_keys=["PreemptType", "PreemptMode", key],
                  config={"PreemptType": "preempt/partition_prio", "PreemptMode": "SUSPEND,GANG", key: wanted})
    after = site(live={key: running, "PreemptType": "preempt/partition_prio", "PreemptMode": "GANG,SUSPEND"})
    after["partitions"]["short"] = {}
    assert slurm_overlay_applied_errors({"plan": result, "site": after}) == []


def test_an_account_of_the_sites_named_in_slurm_accounts_is_reported():
    data = {"qos": [], "existing": [], "jobs": [], "marker": MARKER, "accounts": [{"name": "physics"}, {"name": "datasci"}],
            "existing_accounts": [{"Name": "physics", "Organization": "physics dept"},
                                  {"Name": "datasci", "Organization": MARKER}]}
    assert slurm_overlay_qos_plan(data)["errors"] == [
        "slurm_accounts: account physics already exists at the site (Organization 'physics dept') and is not the "
        "bundle's; the bundle never changes an account of the site's. Give the bundle's account another name (and "
        "jupyterhub_slurm_account and dask_gateway_account with it)."]


# --- what the run takes from the site besides the fragment ------------------------
def test_the_plan_names_the_cluster_marker_and_include_from_the_sites_reading():
    result = plan()
    assert {k: result[k] for k in ("cluster_name", "marker", "include_target", "configless", "pending")} == {
        "cluster_name": "center", "marker": "hpc.datasci overlay center", "include_target": "hpc-datasci.conf",
        "configless": False, "pending": True}
    # The inventory's name when set; a fragment elsewhere is included by its path; configless.
    elsewhere = site(live={"SlurmctldParameters": "enable_configless,idle_on_node_suspend"})
    elsewhere["fragment_path"] = "/etc/slurm/site.d/hpc-datasci.conf"
    result = plan(site=elsewhere, cluster_name="Center")
    assert (result["cluster_name"], result["marker"], result["include_target"], result["configless"]) == (
        "Center", "hpc.datasci overlay Center", "/etc/slurm/site.d/hpc-datasci.conf", True)


def test_the_fragment_is_pending_until_slurmctld_runs_it():
    running = site(live={"PreemptType": "preempt/partition_prio", "PreemptMode": "GANG,SUSPEND"})
    running["partitions"]["short"] = {"PartitionName": "short", "Nodes": "c[1-2]", "PriorityTier": "2"}
    running["fragment"] = {"partitions": {"short": {}}}
    assert plan(site=running, handed_keys=[])["pending"] is False
    assert plan(site=running)["pending"] is False
    running["partitions"].pop("short")
    assert plan(site=running)["pending"] is True


# --- nodes: ALL and slurm_node_name ----------------------------------------------
def test_nodes_all_is_every_node_of_the_site():
    result = plan(partitions=[dict(SHORT, nodes="ALL")])
    assert result["errors"] == []
    assert result["lines"][-1] == ("PartitionName=short Nodes=ALL PriorityJobFactor=10 MaxTime=2:00:00 QOS=short "
                                   "State=UP OverSubscribe=FORCE:1 DefMemPerCPU=540 PriorityTier=2")


def test_nodes_all_lies_over_every_site_partition_for_tier_and_suspend():
    conf = (SITE_CONF.replace("PartitionName=DEFAULT State=UP OverSubscribe=FORCE:1", "PartitionName=DEFAULT State=UP")
            .replace("NodeName=c[1-2] CPUs=2 RealMemory=1800", "NodeName=c[1-3] CPUs=2 RealMemory=1800")
            .replace("PartitionName=express Nodes=c[1-2]", "PartitionName=express Nodes=c3 OverSubscribe=FORCE:1"))
    conf = conf.replace("PriorityTier=1 PriorityJobFactor=2", "PriorityTier=4 PriorityJobFactor=2")
    running = site(conf, nodes=("c1", "c2", "c3"))
    # On c[1-2] only general lies below; on ALL express (tier 4, on c3) too.
    assert plan(site=running, node_names=["c1", "c2"])["lines"][-1].endswith(" PriorityTier=2")
    result = plan(site=running, partitions=[dict(SHORT, nodes="ALL")])
    assert result["lines"][-1].endswith(" PriorityTier=5")
    assert result["errors"] == [
        "slurm_sand_mode suspend: the site's partitions general share nodes with the sand partition short but do "
        "not have OverSubscribe=FORCE:1, so sand could not suspend their jobs. That is a key of the site's "
        "partitions, which the bundle does not write: add OverSubscribe=FORCE:1 to them in the site's slurm.conf, "
        "or choose slurm_sand_mode: tiers."]
    low = plan(site=running, partitions=[dict(SHORT, nodes="ALL", PriorityTier=3)])["errors"]
    assert "slurm_partitions.short.PriorityTier is 3, not above the site's partitions on the same nodes (express: " \
           "up to 4); sand must come first. Leave PriorityTier out (the role then sets 5) or set it above 4." in low


def test_inventory_host_names_are_written_as_their_slurm_node_names():
    renamed = {"node1": "c1", "node2": "c2"}
    result = plan(partitions=[dict(SHORT, nodes="node[1-2]")], node_name_of=renamed)
    assert result["errors"] == []
    assert result["lines"][-1].startswith("PartitionName=short Nodes=c[1-2] ")
    # Without the map the inventory's names are not the site's.
    assert plan(partitions=[dict(SHORT, nodes="node[1-2]")])["errors"][0].startswith(
        "slurm_partitions.short: the nodes node1, node2 are not nodes of the site's Slurm (c[1-2])")


# --- the QOS that accounts and partitions name ------------------------------------
def test_the_qos_in_use_are_those_of_accounts_and_partitions_each_once():
    accounts = [{"name": "datasci", "qos": ["normal", "interactive", ["burst"], None], "default_qos": "normal"},
                {"name": "physics", "qos": None, "default_qos": ""}, {"name": "bare"}]
    partitions = [{"name": "short", "QOS": "short", "AllowQos": "interactive,premium"},
                  {"name": "batch", "AllowQos": "ALL"}, {"name": "debug", "QOS": ""},
                  {"name": "gpu", "AllowQos": ["gpu", "premium"]}]
    assert slurm_qos_in_use(accounts, partitions) == ["normal", "interactive", "burst", "short", "premium", "gpu"]
    assert slurm_qos_in_use(None, None) == []


def test_a_partition_naming_a_qos_nobody_has_is_reported_and_its_allowed_qos_too():
    data = {"qos": [{"name": "short"}], "existing": [{"Name": "normal", "Description": ""}], "jobs": [],
            "marker": MARKER, "accounts": [], "partitions": [{"name": "short", "QOS": "short",
                                                              "AllowQos": "normal,shrot,ALL"}]}
    assert slurm_overlay_qos_plan(data)["errors"] == [
        "slurm_accounts or slurm_partitions name QOS shrot, which is neither the bundle's (slurm_qos) nor one of the "
        "site's (normal): correct the name, or add it to slurm_qos."]


def test_only_the_bundles_unlisted_qos_without_jobs_are_deleted():
    existing = [{"Name": "normal", "Description": ""}, {"Name": "old", "Description": MARKER},
                {"Name": "busy", "Description": MARKER}, {"Name": "interactive", "Description": MARKER},
                {"Name": "premium", "Description": "site"}]
    jobs = [{"id": "9", "qos": "busy", "partitions": ["short"]}, {"id": "10", "qos": "premium", "partitions": []}]
    result = qos_plan(existing, jobs=jobs, wanted=("interactive",), referenced=["normal", "interactive"])
    assert result["delete"] == ["old"]
    assert result["errors"] == ["slurm_qos: QOS busy (the bundle's) is no longer listed, but jobs still use it (9); "
                                "let them end, then run again to remove it."]


HOLDING = [{"job_id": 3, "partition": "general", "user": "carol", "state": "RUNNING", "nodes": "c2",
            "end": 1796822880},
           {"job_id": 9, "partition": "express", "user": "dave", "state": "SUSPENDED", "nodes": "c[3-4]",
            "end": None}]


def _blocked_errors(errors):
    return [e for e in errors if "started while their partition was not OverSubscribe=FORCE" in e]


def test_suspend_names_the_running_jobs_that_would_block_the_sand_nodes_with_their_ends():
    reading = site()
    reading["one_row_jobs"] = HOLDING
    assert _blocked_errors(plan(site=reading)["errors"]) == [
        "slurm_sand_mode suspend: these running jobs started while their partition was not OverSubscribe=FORCE, "
        "and Slurm starts no job of a FORCE partition (the sand partition short in suspend mode, and the site's "
        "own partitions once they have OverSubscribe=FORCE:1) on their nodes until they end: job 3 (carol, "
        "partition general) on c2 until 2026-12-09 13:28 UTC. The nodes c2 would be blocked for sand. Ways "
        "through (docs/overlay.md, \"Adopting suspend mode while the site's jobs run\"): run again once these "
        "jobs have ended; or choose slurm_sand_mode: tiers now and suspend once they have ended; or leave those "
        "nodes out of the sand partition until then (slurm_partitions: {short: {nodes: [...]}}); or accept that "
        "sand starts there only once they have ended: slurm_sand_accept_blocking_jobs: [3]."]


def test_the_same_jobs_are_named_before_the_site_made_its_partitions_force():
    conf = SITE_CONF.replace("PartitionName=DEFAULT State=UP OverSubscribe=FORCE:1", "PartitionName=DEFAULT State=UP")
    reading = site(conf)
    reading["one_row_jobs"] = HOLDING[:1]
    errors = plan(site=reading)["errors"]
    assert "do not have OverSubscribe=FORCE:1" in errors[0]
    assert "job 3 (carol, partition general) on c2" in _blocked_errors(errors)[0]


@pytest.mark.parametrize("mode, holding, partitions", [
    ("tiers", HOLDING, None),          # tiers: the sand partition is not FORCE, it starts beside them
    ("suspend", [], None),             # no job holds a node
    ("suspend", None, None),           # unknown (Slurm 22.05's squeue --json): the site check finds it
    ("suspend", HOLDING, [dict(SHORT, nodes=["c1"])]),   # the sand partition left off c2
    ("accepted", HOLDING, None),       # slurm_sand_accept_blocking_jobs: [3]
])
def test_no_blocked_node_is_reported_where_sand_does_not_meet_one(mode, holding, partitions):
    reading = site()
    reading["one_row_jobs"] = holding
    changes = {"site": reading, "sand_mode": mode}
    if mode == "accepted":
        changes.update(sand_mode="suspend", accepted_jobs=["3"])
    if mode == "tiers":
        changes.update(config={"PreemptType": "preempt/none"}, handed_keys=["PreemptType"],
                       partitions=[{k: v for k, v in SHORT.items() if k != "OverSubscribe"}])
    if partitions:
        changes["partitions"] = partitions
    assert _blocked_errors(plan(**changes)["errors"]) == []
