"""Unit tests of the site checks (plugins/filter/slurm_validation.py).

The valid site is built from the role's defaults and the sample inventory,
rendered the way Ansible renders them for the validation play.
"""

import copy
import importlib.util
import pathlib

import jinja2
import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.filter.slurm_policy import slurm_policy

ROOT = pathlib.Path(__file__).resolve().parents[2]
_PATH = ROOT / "plugins" / "filter" / "slurm_validation.py"
_SPEC = importlib.util.spec_from_file_location("slurm_validation_filters", _PATH)
slurm_validation = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(slurm_validation)

errors_of = slurm_validation.slurm_site_errors
minutes = slurm_validation.slurm_time_minutes

SAMPLE = ROOT / "inventories" / "sample"
COMPUTE = ["node001", "node002", "node003", "node004"]
COMPUTE_CPUS = 16


def _load_vars():
    """The role's defaults with the sample inventory's group_vars over them."""
    values = yaml.safe_load((ROOT / "roles" / "slurm" / "defaults" / "main.yml").read_text())
    for path in sorted((SAMPLE / "group_vars" / "all").glob("*.yml")):
        values.update(yaml.safe_load(path.read_text()) or {})
    return values


def _render(value, context):
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    if isinstance(value, str) and "{{" in value:
        return env.from_string(value).render(context)
    if isinstance(value, dict):
        return {k: _render(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [_render(v, context) for v in value]
    return value


def sample_site():
    """The validation input of the sample inventory, as the role builds it:
    the effective policy (presets merged by the slurm_policy filter), then
    slurm.conf rendered with its bf_window."""
    values = _load_vars()
    policy = slurm_policy({
        "partitions_preset": values["slurm_partitions_preset"],
        "partitions": values["slurm_partitions"],
        "qos_preset": values["slurm_qos_preset"], "qos": values["slurm_qos"],
        "short_share_percent": values["slurm_sand_share_percent"],
        "compute_cpus": COMPUTE_CPUS, "sand_mode": values["slurm_sand_mode"],
        "sand_memory_percent": values["slurm_sand_memory_percent"], "nodes": [], "config": values["slurm_config"],
        "notebook_reserve_percent": values["slurm_sand_notebook_reserve_percent"],
        "burst_user_percent": values["slurm_sand_burst_user_percent"],
        "select_type_parameters": values["slurm_config_defaults"]["SelectTypeParameters"],
    })
    assert policy["errors"] == []
    context = dict(values, __slurm_controller_name="head1", __slurm_dbd_name="head1",
                   __slurm_bf_window=policy["bf_window"], inventory_dir=str(SAMPLE))
    # Only Slurm's settings are checked here (others may call Ansible lookups).
    values = {k: _render(v, context) if k.startswith("slurm_") else v for k, v in values.items()}
    values["slurm_partitions"] = policy["partitions"]
    values["slurm_qos"] = policy["qos"]
    config = {k: v for k, v in {**values["slurm_config_defaults"], **policy["config"], **values["slurm_config"]}.items()
              if v is not None}
    return {
        "cluster_name": values["slurm_cluster_name"],
        "partitions": values["slurm_partitions"],
        "qos": values["slurm_qos"],
        "accounts": values["slurm_accounts"],
        "config": config,
        "qos_purge": values["slurm_qos_purge"],
        "retired": {"slurm_preempt_scavenger": None},
        "short_share_percent": values["slurm_sand_share_percent"],
        "groups": {"slurm_controller": ["head1"], "slurm_dbd": ["head1"],
                   "slurm_compute": list(COMPUTE), "login": ["login1"]},
        "node_names": list(COMPUTE),
    }


@pytest.fixture
def site():
    return sample_site()


def _part(site, name):
    return next(p for p in site["partitions"] if p["name"] == name)


def _qos(site, name):
    return next(q for q in site["qos"] if q["name"] == name)


def test_sample_inventory_is_valid(site):
    assert errors_of(site) == []


def test_sample_with_requeue_preemption_is_valid(site):
    for qos in site["qos"]:
        if "Preempt" in qos:
            qos["Preempt"] = "scavenger"
    _qos(site, "scavenger")["PreemptMode"] = "requeue"
    site["config"].update(PreemptType="preempt/qos", PreemptMode="REQUEUE")
    assert errors_of(site) == []


def test_defer_in_scheduler_parameters_is_fine(site):
    site["config"]["SchedulerParameters"] += ",defer"
    assert errors_of(site) == []


def test_partitions_longer_than_slurms_window_need_only_its_maximum(site):
    """Slurm plans at most 43200 minutes (30 days) ahead: a 60-day partition
    with bf_window=43200, as the role derives it, is accepted."""
    site["partitions"][0]["MaxTime"] = "60-00:00:00"
    site["config"]["SchedulerParameters"] = "bf_continue,bf_window=43200"
    assert errors_of(site) == []
    site["config"]["SchedulerParameters"] = "bf_continue,bf_window=20000"
    assert errors_of(site) == [
        "slurm_config: SchedulerParameters bf_window=20000 (minutes) is shorter than the longest "
        "partition MaxTime ('60-00:00:00' = 86400 min, slurm_partitions[0] (batch)), so backfill "
        "cannot plan around long jobs; raise bf_window to at least 43200."]


def test_valid_extras_are_accepted(site):
    site["partitions"].append({
        "name": "gpu", "nodes": ["node[003-004]"], "MaxTime": 60, "DefaultTime": "0:30",
        "AllowQos": "ALL", "Hidden": True, "OverSubscribe": "NO", "maxnodes": 2,
    })
    site["accounts"].append({"name": "sub", "parent": "datasci", "users": ["carol"],
                             "qos": ["normal"], "default_qos": "normal"})
    site["config"].update(SlurmctldParameters="enable_configless", waittime=0)
    del site["config"]["WaitTime"]
    assert errors_of(site) == []


@pytest.mark.parametrize(("key", "value"), [
    ("GraceTime", "00:02:00"),          # a time, as the sacctmgr module reads it
    ("GraceTime", 120),                 # bare number: seconds
    ("GrpJobs", "UNLIMITED"),           # clears, as in the module
    ("GrpJobs", "7.0"),
    ("UsageFactor", -1),                # clears (Slurm's default of 1)
    ("MaxTRESPerUser", "cpu=4,mem=8G,gres/gpu=1"),
    ("GrpTRES", "cpu=-1"),
    ("PreemptMode", "gang,suspend"),
    ("PreemptMode", "OFF"),
    ("Flags", "-1"),
    ("Flags", ["DenyOnLimit", "noreserve"]),
])
def test_values_the_module_accepts_pass(site, key, value):
    _qos(site, "burst")[key] = value
    assert errors_of(site) == []


def _set(path, value):
    """A mutation setting site[...path] = value (path of keys/indexes)."""
    def mutate(site):
        target = site
        for key in path[:-1]:
            target = target[key] if not isinstance(key, str) or not key.startswith("=") \
                else next(i for i in target if i["name"] == key[1:])
        target[path[-1]] = value
    return mutate


def _delete(path):
    def mutate(site):
        target = site
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return mutate


BAD = [
    pytest.param(
        _set(["partitions", 1, "PriortyTier"], 10),
        ["slurm_partitions[1] (short): unknown key 'PriortyTier'; did you mean 'PriorityTier'? "
         "Keys are spelled as slurm.conf spells them."],
        id="partition-unknown-key"),
    pytest.param(
        _set(["partitions", 0, "Nodes"], "node[001-004]"),
        ["slurm_partitions[0] (batch): key 'Nodes' is not allowed; write the node list as `nodes` "
         "(lowercase): inventory hosts of group slurm_compute or hostlists such as 'node[001-004]'; "
         "leave it out for every compute node."],
        id="partition-Nodes"),
    pytest.param(
        _set(["partitions", 0, "PartitionName"], "batch"),
        ["slurm_partitions[0] (batch): key 'PartitionName' is not allowed; the partition's name is "
         "the `name` key."],
        id="partition-PartitionName"),
    pytest.param(
        _set(["partitions", 0, "Shared"], "NO"),
        ["slurm_partitions[0] (batch): key 'Shared' is not accepted; it is the old name of "
         "OverSubscribe; write OverSubscribe instead."],
        id="partition-deprecated-key"),
    pytest.param(
        _set(["partitions", 1, "nodes"], "node[003-006]"),
        ["slurm_partitions[1] (short): nodes entry 'node[003-006]' names node005, node006, which are "
         "not in inventory group slurm_compute; use hosts of inventory group slurm_compute (or their "
         "slurm_node_name), or leave `nodes` out for every compute node."],
        id="partition-nodes-unknown"),
    pytest.param(
        _set(["partitions", 1, "nodes"], "node[003-"),
        ["slurm_partitions[1] (short): nodes entry 'node[003-' is not a valid hostlist "
         "(unbalanced brackets); write host names or ranges such as 'node[001-004]'."],
        id="partition-nodes-bad-hostlist"),
    pytest.param(
        _set(["partitions", 1, "nodes"], []),
        ["slurm_partitions[1] (short): `nodes` is empty; use hosts of inventory group slurm_compute "
         "(or their slurm_node_name), or leave `nodes` out for every compute node."],
        id="partition-nodes-empty"),
    pytest.param(
        _set(["partitions", 1, "QOS"], "shrt"),
        ["slurm_partitions[1] (short): QOS names QOS 'shrt', which slurm_qos does not define "
         "(defined: burst, interactive, normal, scavenger, short). Add it to slurm_qos or correct "
         "the name."],
        id="partition-qos-undefined"),
    pytest.param(
        _set(["partitions", 0, "AllowQos"], "normal,gpu"),
        ["slurm_partitions[0] (batch): AllowQos names QOS 'gpu', which slurm_qos does not define "
         "(defined: burst, interactive, normal, scavenger, short). Add it to slurm_qos or correct "
         "the name."],
        id="partition-allowqos-undefined"),
    pytest.param(
        _set(["partitions", 0, "DenyQos"], ["burst", "ALL"]),
        ["slurm_partitions[0] (batch): DenyQos names QOS 'ALL', which slurm_qos does not define "
         "(defined: burst, interactive, normal, scavenger, short). Add it to slurm_qos or correct "
         "the name."],
        id="partition-denyqos-all"),
    pytest.param(
        _set(["partitions", 0, "MaxTime"], "2 days"),
        ["slurm_partitions[0] (batch): MaxTime '2 days' is not a time Slurm accepts (it matches none "
         "of the formats); use minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or UNLIMITED, "
         "e.g. '2-00:00:00' for two days or '30:00' for 30 minutes."],
        id="partition-bad-maxtime"),
    pytest.param(
        _set(["partitions", 1, "DefaultTime"], "3:00:00"),
        ["slurm_partitions[1] (short): DefaultTime '3:00:00' (180 min) is longer than MaxTime "
         "'2:00:00' (120 min), so Slurm would ignore it; lower DefaultTime or raise MaxTime."],
        id="partition-defaulttime-over-maxtime"),
    pytest.param(
        _set(["partitions", 1, "Default"], True),
        ["slurm_partitions: 2 partitions have Default: \"YES\" (batch, short); Slurm has one default "
         "partition. Keep Default: \"YES\" on one of them."],
        id="two-default-partitions"),
    pytest.param(
        _set(["partitions", 1, "name"], "batch"),
        ["slurm_partitions[1] (batch): partition 'batch' is defined twice (also slurm_partitions[0]); "
         "partition names must be unique."],
        id="duplicate-partition"),
    pytest.param(
        _delete(["partitions", 1, "name"]),
        ["slurm_partitions[1]: `name` is missing or empty; give every partition a name."],
        id="partition-missing-name"),
    pytest.param(
        _set(["partitions", 0, "State"], "OPEN"),
        ["slurm_partitions[0] (batch): State must be one of UP, DOWN, DRAIN, INACTIVE, not 'OPEN'."],
        id="partition-bad-state"),
    pytest.param(
        _set(["partitions"], []),
        ["slurm_partitions is empty; define at least one partition (the role's defaults define "
         "`batch` and `short`)."],
        id="no-partitions"),
    pytest.param(
        _set(["qos", "=burst", "MaxJobsPerUsr"], 4),
        ["slurm_qos[2] (burst): unknown key 'MaxJobsPerUsr'; did you mean 'MaxJobsPerUser'? QOS "
         "attributes are spelled as sacctmgr spells them (see 'man sacctmgr', SPECIFICATIONS FOR "
         "QOS)."],
        id="qos-unknown-key"),
    pytest.param(
        _set(["qos", "=burst", "MaxTRES"], "cpu=4"),
        ["slurm_qos[2] (burst): key 'MaxTRES' is an alias; write MaxTRESPerJob instead, so that each "
         "attribute has one spelling."],
        id="qos-alias"),
    pytest.param(
        _set(["qos", "=interactive", "MaxWall"], "8h"),
        ["slurm_qos[1] (interactive): MaxWall '8h' is not a time Slurm accepts (it matches none of "
         "the formats); use minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or UNLIMITED, e.g. "
         "'2-00:00:00' for two days or '30:00' for 30 minutes."],
        id="qos-bad-maxwall"),
    pytest.param(
        _set(["qos", "=burst", "GrpWall"], "1:99:00"),
        ["slurm_qos[2] (burst): GrpWall '1:99:00' is not a time Slurm accepts (minutes must be 0-59); "
         "use minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or UNLIMITED, e.g. '2-00:00:00' "
         "for two days or '30:00' for 30 minutes."],
        id="qos-bad-grpwall"),
    pytest.param(
        _set(["qos", "=normal", "Preempt"], "scavenger,lowprio"),
        ["slurm_qos[0] (normal): Preempt names QOS 'lowprio', which slurm_qos does not define "
         "(defined: burst, interactive, normal, scavenger, short). Add it to slurm_qos or correct "
         "the name."],
        id="qos-preempt-undefined"),
    pytest.param(
        _set(["qos", "=normal", "Preempt"], "normal"),
        ["slurm_qos[0] (normal): Preempt names the QOS itself; a QOS cannot preempt its own jobs. "
         "Remove 'normal' from Preempt."],
        id="qos-preempt-itself"),
    pytest.param(
        _set(["qos", "=burst", "Flags"], "DenyOnLimit,NoReserv"),
        ["slurm_qos[2] (burst): unknown QOS flag 'NoReserv' (did you mean 'NoReserve'?); Flags takes "
         "a comma-separated list of DenyOnLimit, EnforceUsageThreshold, NoDecay, NoReserve, "
         "OverPartQOS, PartitionMaxNodes, PartitionMinNodes, PartitionTimeLimit, "
         "RequiresReservation, UsageFactorSafe."],
        id="qos-unknown-flag"),
    pytest.param(
        _set(["qos", "=burst", "Priority"], "high"),
        ["slurm_qos[2] (burst): Priority must be a whole number (-1 clears it), not 'high'."],
        id="qos-priority-not-number"),
    pytest.param(
        _set(["qos", "=burst", "Flags"], "NoReserve,Relative"),
        ["slurm_qos[2] (burst): unknown QOS flag 'Relative'; Flags takes a comma-separated list of "
         "DenyOnLimit, EnforceUsageThreshold, NoDecay, NoReserve, OverPartQOS, PartitionMaxNodes, "
         "PartitionMinNodes, PartitionTimeLimit, RequiresReservation, UsageFactorSafe."],
        id="qos-flag-relative-is-not-in-slurm-22.05"),
    pytest.param(
        _set(["qos", "=burst", "Flags"], "+NoReserve"),
        ["slurm_qos[2] (burst): unknown QOS flag '+NoReserve' (did you mean 'NoReserve'?); Flags "
         "takes a comma-separated list of DenyOnLimit, EnforceUsageThreshold, NoDecay, NoReserve, "
         "OverPartQOS, PartitionMaxNodes, PartitionMinNodes, PartitionTimeLimit, "
         "RequiresReservation, UsageFactorSafe."],
        id="qos-flag-relative-entry"),
    pytest.param(
        _set(["qos", "=burst", "MaxTRESPerUser"], "cpu=4,mem=lots"),
        ["slurm_qos[2] (burst): MaxTRESPerUser 'cpu=4,mem=lots' is not a TRES list (mem=lots is "
         "not a memory size); write name=count pairs such as 'cpu=4,mem=8G,gres/gpu=1'."],
        id="qos-bad-tres-memory"),
    pytest.param(
        _set(["qos", "=burst", "GrpTRES"], "cpu:4"),
        ["slurm_qos[2] (burst): GrpTRES 'cpu:4' is not a TRES list ('cpu:4' is not name=count); "
         "write name=count pairs such as 'cpu=4,mem=8G,gres/gpu=1'."],
        id="qos-bad-tres-pair"),
    pytest.param(
        _set(["qos", "=scavenger", "PreemptMode"], "kill"),
        ["slurm_qos[3] (scavenger): PreemptMode 'kill' is not a preemption mode; expected one of "
         "cluster, cancel, requeue, suspend, gang, within, off."],
        id="qos-bad-preempt-mode"),
    pytest.param(
        _set(["qos", "=normal", "Preempt"], "+scavenger"),
        ["slurm_qos[0] (normal): Preempt entry '+scavenger' adds or removes a QOS; give the "
         "complete list of QOS names (e.g. Preempt: scavenger), which the role sets as it is."],
        id="qos-preempt-relative"),
    pytest.param(
        _set(["qos", "=scavenger", "GraceTime"], "2m"),
        ["slurm_qos[3] (scavenger): GraceTime '2m' is not a time Slurm accepts (it matches none of "
         "the formats); use seconds, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or UNLIMITED, e.g. "
         "'2-00:00:00' for two days or '30:00' for 30 minutes."],
        id="qos-bad-gracetime"),
    pytest.param(
        _set(["qos", 4, "name"], "burst"),
        ["slurm_qos[4] (burst): QOS 'burst' is defined twice (also slurm_qos[2]); QOS names must be "
         "unique.",
         "slurm_partitions[1] (short): QOS names QOS 'short', which slurm_qos does not define "
         "(defined: burst, interactive, normal, scavenger). Add it to slurm_qos or correct the name."],
        id="duplicate-qos"),
    pytest.param(
        _set(["qos", 2, "name"], "Burst"),
        ["slurm_qos[2] (Burst): name 'Burst' is not a valid QOS name; use lowercase letters, digits, "
         "'_', '-' or '.' (Slurm stores QOS names in lowercase)."],
        id="qos-uppercase-name"),
    pytest.param(
        _set(["accounts", 0, "user"], ["carol"]),
        ["slurm_accounts[0] (datasci): unknown key 'user'; did you mean 'users'? Account keys are "
         "name, users, qos, default_qos, description, organization, parent."],
        id="account-unknown-key"),
    pytest.param(
        _set(["accounts", 0, "qos"], ["normal", "gpu"]),
        ["slurm_accounts[0] (datasci): qos names QOS 'gpu', which slurm_qos does not define "
         "(defined: burst, interactive, normal, scavenger, short). Add it to slurm_qos or correct "
         "the name."],
        id="account-qos-undefined"),
    pytest.param(
        _set(["accounts", 0, "default_qos"], "short"),
        ["slurm_accounts[0] (datasci): default_qos 'short' is not in the account's qos list (normal, "
         "interactive, burst, scavenger); add it to qos or choose one of them."],
        id="account-default-qos-not-in-qos"),
    pytest.param(
        _set(["accounts", 0, "users"], "alice,bob"),
        ["slurm_accounts[0] (datasci): users must be a list of Unix user names, e.g. users: [alice, "
         "bob], not a string."],
        id="account-users-string"),
    pytest.param(
        _set(["accounts", 0, "parent"], "physics"),
        ["slurm_accounts[0] (datasci): parent 'physics' is not an account listed before this one in "
         "slurm_accounts; accounts are created in list order, so list 'physics' first (or leave "
         "parent out to use root)."],
        id="account-parent-unknown"),
    pytest.param(
        lambda s: s["accounts"].append({"name": "datasci", "qos": ["normal"]}),
        ["slurm_accounts[1] (datasci): account 'datasci' is defined twice (also slurm_accounts[0]); "
         "account names must be unique."],
        id="duplicate-account"),
    pytest.param(
        _set(["groups", "slurm_controller"], []),
        ["Inventory group slurm_controller has no host; it must hold exactly one (it runs "
         "slurmctld). Add one host to it in the inventory's hosts file."],
        id="no-controller"),
    pytest.param(
        _set(["groups", "slurm_dbd"], ["head1", "head2"]),
        ["Inventory group slurm_dbd has 2 hosts (head1, head2); it must hold exactly one (it runs "
         "slurmdbd and its MariaDB). Keep one host in it."],
        id="two-dbd"),
    pytest.param(
        lambda s: s.update(groups=dict(s["groups"], slurm_compute=[]), node_names=[],
                           partitions=[{k: v for k, v in p.items() if k != "nodes"}
                                       for p in s["partitions"]]),
        ["Inventory group slurm_compute has no host; add the compute nodes (they run slurmd) to it "
         "in the inventory's hosts file."],
        id="no-compute"),
    pytest.param(
        _set(["node_names"], ["node001", "node001", "node003", "node004"]),
        ["Slurm node name 'node001' is used by more than one host of group slurm_compute; give each "
         "host its own slurm_node_name (or none, to use the host name)."],
        id="duplicate-node-name"),
    pytest.param(
        lambda s: s.update(cluster_name="My-Cluster", config=dict(s["config"], ClusterName="My-Cluster")),
        ["slurm_cluster_name 'My-Cluster' is not a valid cluster name; use lowercase letters, digits "
         "and '_', starting with a letter, at most 40 characters (slurmdbd folds cluster names to "
         "lowercase)."],
        id="cluster-name-invalid"),
    pytest.param(
        lambda s: s.update(cluster_name="", config=dict(s["config"], ClusterName="")),
        ["slurm_cluster_name is not set; set it in the inventory's group_vars (lowercase letters, "
         "digits and '_', starting with a letter, at most 40 characters), e.g. slurm_cluster_name: "
         "mycluster."],
        id="cluster-name-empty"),
    pytest.param(
        _set(["config", "ClusterName"], "other"),
        ["slurm_config: ClusterName is 'other' but slurm_cluster_name is 'sample'; set "
         "slurm_cluster_name only and drop ClusterName from slurm_config."],
        id="cluster-name-overridden"),
    pytest.param(
        _set(["qos_purge"], "false"),
        ["slurm_qos_purge is the string 'false', not a boolean: write slurm_qos_purge: false "
         "without quotes (on the command line: -e '{\"slurm_qos_purge\": false}')."],
        id="qos-purge-string"),
    pytest.param(
        _set(["retired", "slurm_preempt_scavenger"], True),
        ["slurm_preempt_scavenger was replaced by slurm_sand_mode: write slurm_sand_mode: requeue for true "
         "(scavenger jobs requeued), or keep the default slurm_sand_mode: suspend (nothing lost) for false; then "
         "drop slurm_preempt_scavenger."],
        id="preempt-scavenger-retired"),
    pytest.param(
        _set(["short_share_percent"], 0),
        ["slurm_sand_share_percent must be a whole number from 1 to 100 (percent of the compute "
         "CPUs that jobs of partition QOS `short` may hold at once); it is 0."],
        id="short-share-zero"),
    pytest.param(
        _set(["short_share_percent"], 150),
        ["slurm_sand_share_percent must be a whole number from 1 to 100 (percent of the compute "
         "CPUs that jobs of partition QOS `short` may hold at once); it is 150."],
        id="short-share-over-100"),
    pytest.param(
        _set(["config", "SchedulerParameters"], "bf_continue,bf_window=1440,defer"),
        ["slurm_config: SchedulerParameters bf_window=1440 (minutes) is shorter than the longest "
         "partition MaxTime ('2-00:00:00' = 2880 min, slurm_partitions[0] (batch)), so backfill "
         "cannot plan around long jobs; raise bf_window to at least 2880."],
        id="bf-window-too-small"),
    pytest.param(
        _set(["config", "SchedulerParameters"], "bf_continue"),
        ["slurm_config: SchedulerParameters has no bf_window, so backfill plans 1440 minutes ahead, "
         "less than the longest partition MaxTime ('2-00:00:00' = 2880 min, slurm_partitions[0] "
         "(batch)); add bf_window=2880 (or more) to SchedulerParameters."],
        id="bf-window-missing"),
    pytest.param(
        _set(["config", "SchedulerParameter"], "defer"),
        ["slurm_config: unknown key 'SchedulerParameter'; did you mean 'SchedulerParameters'? Keys "
         "are spelled as slurm.conf spells them (see 'man slurm.conf')."],
        id="config-unknown-key"),
    pytest.param(
        _set(["config", "ControlMachine"], "head2"),
        ["slurm_config: key 'ControlMachine' is not allowed; it is replaced by SlurmctldHost, which "
         "the role writes from inventory group slurm_controller."],
        id="config-control-machine"),
    pytest.param(
        _set(["config", "schedulerparameters"], "bf_window=4000"),
        ["slurm_config: keys 'SchedulerParameters', 'schedulerparameters' are one slurm.conf key, "
         "and slurm.conf would get both (slurm_config is merged over slurm_config_defaults); spell "
         "the key exactly as slurm_config_defaults does so that it replaces the preset's value."],
        id="config-key-two-spellings"),
]


@pytest.mark.parametrize(("mutate", "expected"), BAD)
def test_bad_input_gives_exactly_the_expected_errors(site, mutate, expected):
    mutate(site)
    assert errors_of(site) == expected


def test_the_share_out_of_range_is_named_as_the_inventory_spells_it(site):
    """An inventory that still uses the old name of the share is told that name."""
    site["short_share_percent"] = 150
    site["share_variable"] = "slurm_short_share_percent"
    assert errors_of(site) == [
        "slurm_short_share_percent must be a whole number from 1 to 100 (percent of the compute "
        "CPUs that jobs of partition QOS `short` may hold at once); it is 150."]


def test_a_preset_key_in_another_spelling_is_reported(site):
    preset = next(k for k in site["config"] if k.lower() == "waittime")
    site["config"]["WAITTIME"] = 5
    assert errors_of(site) == [
        f"slurm_config: keys '{preset}', 'WAITTIME' are one slurm.conf key, and slurm.conf would get "
        "both (slurm_config is merged over slurm_config_defaults); spell the key exactly as "
        "slurm_config_defaults does so that it replaces the preset's value."]


def test_all_errors_are_reported_at_once(site):
    site["cluster_name"] = site["config"]["ClusterName"] = "Bad Name"
    site["qos_purge"] = "no"
    site["partitions"][1]["PriortyTier"] = 1
    site["accounts"][0]["default_qos"] = "short"
    site["groups"]["slurm_dbd"] = []
    errors = errors_of(site)
    assert len(errors) == 5
    assert [e.split(" ")[0] for e in errors] == [
        "Inventory", "slurm_cluster_name", "slurm_qos_purge", "slurm_partitions[1]", "slurm_accounts[0]"]


def test_non_dict_items_are_reported(site):
    site["partitions"].append("gpu")
    site["qos"] = {"name": "normal"}
    assert errors_of(site)[:2] == [
        "slurm_qos must be a list of QOS (dicts with a `name`), not a dict.",
        "slurm_partitions[2] must be a dict with at least `name`, not a string ('gpu').",
    ]


def test_input_is_not_modified(site):
    before = copy.deepcopy(site)
    errors_of(site)
    assert site == before


def test_site_must_be_a_dict():
    with pytest.raises(AnsibleFilterError, match="expects a dict"):
        errors_of(["not", "a", "dict"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (90, 90),
        (0, 0),
        ("90", 90),
        (" 45 ", 45),
        ("30:00", 30),
        ("30:01", 31),        # seconds round up, as in Slurm
        ("90:00", 90),        # MM:SS takes any number of minutes
        ("1:00:00", 60),
        ("2:30:00", 150),
        ("2-00:00:00", 2880),
        ("2-0", 2880),
        ("7-0", 10080),
        ("1-12", 2160),
        ("1-12:30", 2190),
        ("1-00:00:30", 1441),
        ("UNLIMITED", None),
        ("infinite", None),
        ("-1", None),
        (-1, None),
    ],
)
def test_time_minutes(value, expected):
    assert minutes(value) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "it matches none of the formats"),
        ("2 days", "it matches none of the formats"),
        ("8h", "it matches none of the formats"),
        ("1.5", "it matches none of the formats"),
        ("1:2:3:4", "it matches none of the formats"),
        ("1-2-3", "it matches none of the formats"),
        ("1:75:00", "minutes must be 0-59"),
        ("10:61", "seconds must be 0-59"),
        ("1-24:00:00", "hours after the days must be 0-23"),
        (-5, "a negative number is not a time"),
        (True, "a boolean is not a time"),
        (1.5, "a float is not a time"),
        (None, "null is not a time"),
    ],
)
def test_time_minutes_rejects(value, reason):
    with pytest.raises(AnsibleFilterError) as err:
        minutes(value)
    assert str(err.value) == (
        f"slurm_time_minutes: {value!r} is not a Slurm time ({reason}); use minutes, MM:SS, "
        "HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or UNLIMITED")


def test_filters_are_registered():
    filters = slurm_validation.FilterModule().filters()
    assert filters["slurm_site_errors"] is errors_of
    assert filters["slurm_time_minutes"] is minutes


@pytest.mark.parametrize(
    ("keys", "vocabulary_size"),
    [(slurm_validation.PARTITION_KEYS, 39), (slurm_validation.QOS_KEYS, 33)],
)
def test_vocabularies_have_no_duplicates(keys, vocabulary_size):
    assert len(keys) == len({k.lower() for k in keys}) == vocabulary_size


def test_slurm_conf_vocabulary_has_no_duplicates():
    keys = slurm_validation.SLURM_CONF_KEYS
    assert len(keys) == len({k.lower() for k in keys})
    assert not {k.lower() for k in keys} & {k.lower() for k in slurm_validation.SLURM_CONF_REJECTED}
