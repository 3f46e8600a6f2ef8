"""The Dask Gateway's checks (plugins/filter/dask_gateway_validation.py):
every message exactly, each from the sample's good settings with one thing
broken."""

import copy

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.filter.dask_gateway_validation import (
    FilterModule,
    dask_gateway_errors,
    dask_gateway_sand_fit,
)
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_vocab import TIME_FORMATS, SlurmValueError, parse_time

# The sample's Slurm policy, as the slurm role's output slurm_effective_policy gives it.
POLICY = {
    "partitions": [
        {"name": "batch", "Default": "YES", "MaxTime": "2-00:00:00"},
        {"name": "short", "MaxTime": "2:00:00", "QOS": "short"},
    ],
    "qos": [
        {"name": "normal", "MaxWall": "2-00:00:00"},
        {"name": "interactive", "MaxWall": "8:00:00"},
        {"name": "burst", "MaxWall": "1:00:00"},
        {"name": "scavenger"},
        {"name": "short"},
    ],
    "accounts": [
        {"name": "datasci", "users": ["alice", "bob"], "qos": ["normal", "interactive", "burst", "scavenger"]},
        {"name": "physics", "users": ["carol"], "qos": []},
    ],
    "slurm_user": "slurm",
}

# The role's inputs as tasks/validate.yml passes them, from the sample.
GOOD = {
    "api_token_length": 0,
    "service_name": "dask-gateway",
    "hub_api_url": "",
    "hub_services": [],
    "policy": POLICY,
    "partition_choices": ["short"],
    "qos_choices": ["burst"],
    "account": "",
    "job_time": "55:00",
    "worker_cores": {"default": 1, "min": 1, "max": 4},
    "worker_memory_gib": {"default": 2, "min": 1, "max": 8},
    "environments": {"notebook": "/opt/software/envs/notebook"},
    "scheduler_cores": 1,
    "scheduler_memory_gib": 2,
    "cluster_max_workers": 64,
    "cluster_max_cores": 256,
    "cluster_max_memory_gib": 1024,
    "start_timeout": 600,
    "idle_timeout": 1800,
    "bind_address": "",
    "home_dirs": ["/home"],
    "slurm_user": "slurm",
}

CAPS = ("the scheduler (dask_gateway_scheduler_cores, dask_gateway_scheduler_memory_gib) must fit in the cluster caps"
        " (dask_gateway_cluster_max_cores, dask_gateway_cluster_max_memory_gib), which count it")


def _reason(value):
    """The vocabulary's own words for a time it cannot read."""
    with pytest.raises(SlurmValueError) as err:
        parse_time(value)
    return str(err.value)


def _with(**changes):
    gateway = copy.deepcopy(GOOD)
    gateway.update(changes)
    return gateway


@pytest.mark.parametrize("changes", [
    {},
    {"api_token_length": 64},  # a token from the inventory (Vault)
    {"api_token_length": "32"},
    {"hub_api_url": "http://hub.internal:8081/hub/api"},
    {"hub_services": [{"name": "grafana", "url": "http://mon1:3000"}]},
    {"account": "datasci", "qos_choices": ["burst", "normal"]},
    {"account": "physics", "qos_choices": ["burst", "normal"]},  # no qos list: any QOS
    {"job_time": "1:00:00"},  # exactly burst's MaxWall
    {"job_time": 60},
    {"partition_choices": ["batch", "short"], "job_time": "30:00"},
    {"qos_choices": ["scavenger"], "job_time": "2:00:00"},  # no MaxWall
    {"idle_timeout": 0},
    {"idle_timeout": "600"},
    {"worker_memory_gib": {"default": 0.5, "min": 0.25, "max": 1}},
    {"scheduler_memory_gib": 0.5, "cluster_max_memory_gib": 2.5},
    {"policy": dict(POLICY, qos=[{"name": "burst", "maxwall": "1:00:00"}])},  # keys in any case
    {"bind_address": "10.20.0.5"},
    {"bind_address": "0.0.0.0"},  # every interface, when a site asks for it
    {"home_dirs": ["/home", "/users/"]},
    {"slurm_user": "slurmadm", "policy": dict(POLICY, slurm_user="slurmadm")},
    {"slurm_user": "slurmadm", "policy": {k: v for k, v in POLICY.items() if k != "slurm_user"}},
])
def test_good_settings_pass(changes):
    assert dask_gateway_errors(_with(**changes)) == []


BIND = ("is not an IPv4 address: give the gateway host's address on the site network, or leave it empty to have it"
        " found from the compute nodes")
HOMES = ("dask_gateway_home_dirs must list the absolute directories that hold users' homes, e.g. [/home]: the"
         " gateway's launcher writes each cluster's staging directory there")


@pytest.mark.parametrize(("changes", "message"), [
    ({"bind_address": "login1"}, "dask_gateway_bind_address login1 " + BIND),
    ({"bind_address": "10.0.0.300"}, "dask_gateway_bind_address 10.0.0.300 " + BIND),
    ({"bind_address": "fd00::5"}, "dask_gateway_bind_address fd00::5 " + BIND),
    ({"home_dirs": []}, HOMES),
    ({"home_dirs": "/home"}, HOMES),
    ({"home_dirs": ["home"]}, HOMES),
    ({"home_dirs": ["/"]}, HOMES),
    ({"slurm_user": "dask"},
     "dask_gateway_slurm_user dask is not slurm.conf's SlurmUser (slurm): set it to slurm, the one user besides root"
     " who sees every user's jobs under PrivateData"),
    ({"api_token_length": 12},
     "dask_gateway_api_token must have at least 32 characters: give one from Ansible Vault, or leave it empty to have"
     " one generated once in the inventory's .secrets/"),
    ({"service_name": "Dask_Gateway"},
     "dask_gateway_service_name Dask_Gateway must be lowercase letters, digits and dashes: it names the gateway's"
     " service in the hub (/services/<name>)"),
    ({"service_name": ""},
     "dask_gateway_service_name \"\" must be lowercase letters, digits and dashes: it names the gateway's service in"
     " the hub (/services/<name>)"),
    ({"hub_services": [{"name": "grafana", "url": "http://mon1:3000"},
                       {"name": "dask-gateway", "url": "http://login1:8010", "api_token": "x" * 64}]},
     "jupyterhub_services[1] is named dask-gateway, the gateway's service: remove it; the hub gets the gateway's"
     " entry (url and token) from the dask_gateway role (playbooks/jupyterhub.yml)"),
    ({"hub_api_url": "login1:8081"},
     "dask_gateway_hub_api_url login1:8081 is not an http(s) URL such as http://login1:8081/hub/api; leave it empty"
     " to use the hub's own address"),
    ({"partition_choices": []},
     "dask_gateway_partition_choices is empty: give at least one name (the first is the default)"),
    ({"qos_choices": []},
     "dask_gateway_qos_choices is empty: give at least one name (the first is the default)"),
    ({"partition_choices": ["short", "gpu"]},
     "dask_gateway_partition_choices: gpu is not in slurm_partitions (batch, short)"),
    ({"qos_choices": ["burst", "premium"]},
     "dask_gateway_qos_choices: premium is not in slurm_qos (normal, interactive, burst, scavenger, short)"),
    ({"job_time": "1:30:00"},
     "dask_gateway_job_time 1:30:00 is above the MaxWall of burst (1:00:00): jobs would be refused"),
    ({"job_time": "1:75:00"},
     "dask_gateway_job_time 1:75:00 is not a Slurm time: minutes must be 0-59; write " + TIME_FORMATS + ", e.g. 55:00"),
    ({"job_time": "soon"},
     "dask_gateway_job_time soon is not a Slurm time: " + _reason("soon") + "; write " + TIME_FORMATS + ", e.g. 55:00"),
    ({"account": "chemistry"},
     "dask_gateway_account chemistry is not in slurm_accounts (datasci, physics)"),
    ({"account": "datasci", "qos_choices": ["burst", "short"]},
     "dask_gateway_qos_choices: short is not among the qos of the account datasci in slurm_accounts: add it there"),
    ({"worker_cores": {"default": 8, "min": 1, "max": 4}},
     "dask_gateway_worker_cores: need 0 < min <= default <= max, not {\"default\": 8, \"min\": 1, \"max\": 4}"),
    ({"worker_memory_gib": {"default": 1, "min": 0, "max": 4}},
     "dask_gateway_worker_memory_gib: need 0 < min <= default <= max, not {\"default\": 1, \"min\": 0, \"max\": 4}"),
    ({"worker_cores": {"default": 1, "max": 4}},
     "dask_gateway_worker_cores must be {default: N, min: N, max: N} with numbers"),
    ({"worker_memory_gib": {"default": "2G", "min": 1, "max": 8}},
     "dask_gateway_worker_memory_gib must be {default: N, min: N, max: N} with numbers"),
    ({"worker_memory_gib": 2},
     "dask_gateway_worker_memory_gib must be {default: N, min: N, max: N} with numbers"),
    ({"worker_cores": {"default": 1, "min": 0.5, "max": 2}},
     "dask_gateway_worker_cores: default, min and max must be whole numbers of cores, not"
     " {\"default\": 1, \"min\": 0.5, \"max\": 2}"),
    ({"environments": {}},
     "dask_gateway_environments must map at least one name to an environment prefix"),
    ({"environments": ["/opt/software/envs/notebook"]},
     "dask_gateway_environments must map at least one name to an environment prefix"),
    ({"environments": {"notebook": "/opt/software/envs/notebook", "geo": "envs/geo"}},
     "dask_gateway_environments.geo: envs/geo is not an absolute path"),
    ({"scheduler_cores": 0}, "dask_gateway_scheduler_cores must be a positive integer"),
    ({"cluster_max_workers": "many"}, "dask_gateway_cluster_max_workers must be a positive integer"),
    ({"start_timeout": -1}, "dask_gateway_start_timeout must be a positive integer"),
    ({"scheduler_memory_gib": 0}, "dask_gateway_scheduler_memory_gib must be above 0"),
    ({"scheduler_memory_gib": 4, "cluster_max_memory_gib": 2}, CAPS),
    ({"scheduler_cores": 8, "cluster_max_cores": 4}, CAPS),
    ({"idle_timeout": -5}, "dask_gateway_idle_timeout must be whole seconds (0: never shut down idle clusters)"),
    ({"idle_timeout": "30m"}, "dask_gateway_idle_timeout must be whole seconds (0: never shut down idle clusters)"),
])
def test_each_problem_is_named_with_its_fix(changes, message):
    assert dask_gateway_errors(_with(**changes)) == [message]


def test_the_job_time_is_checked_against_every_choice():
    gateway = _with(partition_choices=["short", "batch"], qos_choices=["burst", "interactive"], job_time="3:00:00")
    assert dask_gateway_errors(gateway) == [
        "dask_gateway_job_time 3:00:00 is above the MaxTime of short (2:00:00): jobs would be refused",
        "dask_gateway_job_time 3:00:00 is above the MaxWall of burst (1:00:00): jobs would be refused",
    ]


def test_an_unlimited_job_time_is_above_every_limit():
    assert dask_gateway_errors(_with(job_time="UNLIMITED")) == [
        "dask_gateway_job_time UNLIMITED is above the MaxTime of short (2:00:00): jobs would be refused",
        "dask_gateway_job_time UNLIMITED is above the MaxWall of burst (1:00:00): jobs would be refused",
    ]


def test_every_problem_is_reported_at_once():
    gateway = _with(api_token_length=5, qos_choices=["burst", "premium"], job_time="1:30:00",
                    worker_cores={"default": 8, "min": 1, "max": 4}, cluster_max_memory_gib=1, idle_timeout=-5)
    assert len(dask_gateway_errors(gateway)) == 6


def test_an_account_with_a_comma_separated_qos_list():
    policy = dict(POLICY, accounts=[{"name": "datasci", "qos": "normal,burst"}])
    assert dask_gateway_errors(_with(policy=policy, account="datasci", qos_choices=["burst", "interactive"])) == [
        "dask_gateway_qos_choices: interactive is not among the qos of the account datasci in slurm_accounts:"
        " add it there"]


@pytest.mark.parametrize("value", [None, [], "gateway"])
def test_the_input_must_be_a_dict(value):
    with pytest.raises(AnsibleFilterError, match="expects a dict"):
        dask_gateway_errors(value)


def test_the_filter_is_registered_under_its_name():
    assert FilterModule().filters() == {"dask_gateway_errors": dask_gateway_errors,
                                        "dask_gateway_sand_fit": dask_gateway_sand_fit}


def test_workers_and_scheduler_against_what_sand_finds_free():
    policy = dict(POLICY, sand_mode="suspend", sand_partition="short", sand_memory_mb=4096, sand_memory_percent=25)
    assert dask_gateway_errors(_with(policy=policy)) == [
        "dask_gateway_partition_choices: short: the largest worker (dask_gateway_worker_memory_gib.max) asks 8G of "
        "memory, but while long jobs fill a node sand finds only 4G free on the smallest compute node "
        "(slurm_sand_memory_percent 25): on a full machine it would never start; ask less memory or raise "
        "slurm_sand_memory_percent"]
    assert dask_gateway_errors(_with(policy=dict(policy, sand_memory_mb=1024))) == [
        "dask_gateway_partition_choices: short: the largest worker (dask_gateway_worker_memory_gib.max) asks 8G of "
        "memory, but while long jobs fill a node sand finds only 1G free on the smallest compute node "
        "(slurm_sand_memory_percent 25): on a full machine it would never start; ask less memory or raise "
        "slurm_sand_memory_percent",
        "dask_gateway_partition_choices: short: the scheduler (dask_gateway_scheduler_memory_gib) asks 2G of memory, "
        "but while long jobs fill a node sand finds only 1G free on the smallest compute node "
        "(slurm_sand_memory_percent 25): on a full machine it would never start; ask less memory or raise "
        "slurm_sand_memory_percent"]
    assert dask_gateway_errors(_with(policy=dict(policy, sand_mode="tiers"))) == []


def _sand(grptres="cpu=1", percent=25, cpus=4, derived=True, **burst):
    """POLICY with the sand partition short capped by its partition QOS
    short (the share derived from `percent` of `cpus`, or the site's)."""
    qos = [dict(q, GrpTRES=grptres) if q["name"] == "short" else dict(q, **burst) if q["name"] == "burst" else q
           for q in POLICY["qos"]]
    return dict(POLICY, qos=qos, sand_partition="short", sand_share={
        "partition": "short", "derived": derived, "cpus": max(1, (cpus or 0) * percent // 100), "percent": percent,
        "compute_cpus": cpus, "variable": "slurm_sand_share_percent"})


SMALLEST = ("dask_gateway_partition_choices short with dask_gateway_qos_choices burst: the smallest cluster, a "
            "scheduler (dask_gateway_scheduler_cores 1, dask_gateway_scheduler_memory_gib 2) and one worker of the "
            "default size (dask_gateway_worker_cores.default 1, dask_gateway_worker_memory_gib.default 2), needs ")


@pytest.mark.parametrize(("policy", "expected"), [
    pytest.param(_sand(), SMALLEST + (
        "2 CPUs at once, but the sand partition short allows cpu=1 (GrpTRES of its partition QOS short: "
        "slurm_sand_share_percent 25 of 4 CPUs on the compute nodes): no cluster could ever start there, its jobs "
        "would pend for good (the scheduler fits, but beside it no worker). Raise slurm_sand_share_percent to at "
        "least 50, or lower dask_gateway_scheduler_cores or dask_gateway_worker_cores.default."), id="share-25"),
    pytest.param(_sand(percent=100, cpus=1), SMALLEST + (
        "2 CPUs at once, but the sand partition short allows cpu=1 (GrpTRES of its partition QOS short: "
        "slurm_sand_share_percent 100 of 1 CPU on the compute nodes): no cluster could ever start there, its jobs "
        "would pend for good (the scheduler fits, but beside it no worker). The compute nodes have only 1 CPU in "
        "all: lower dask_gateway_scheduler_cores or dask_gateway_worker_cores.default."), id="share-100-one-cpu"),
    pytest.param(_sand("cpu=8,mem=3G", derived=False), SMALLEST + (
        "4G of memory at once, but the sand partition short allows mem=3G (GrpTRES of its partition QOS short in "
        "slurm_qos): no cluster could ever start there, its jobs would pend for good (the scheduler fits, but beside "
        "it no worker). Raise GrpTRES of slurm_qos.short to at least mem=4G, or lower "
        "dask_gateway_scheduler_memory_gib or dask_gateway_worker_memory_gib.default."), id="site-grptres-memory"),
    pytest.param(_sand("cpu=8", derived=False, MaxTRESPerJob="mem=1G"), SMALLEST + (
        "2G of memory in one job, but the sand partition short allows mem=1G (MaxTRESPerJob of the job QOS burst in "
        "slurm_qos): no cluster could ever start there, its jobs would pend for good (the scheduler alone does not "
        "fit). Raise MaxTRESPerJob of slurm_qos.burst to at least mem=2G, or lower dask_gateway_scheduler_memory_gib "
        "or dask_gateway_worker_memory_gib.default."), id="job-qos-per-job"),
])
def test_the_smallest_cluster_against_the_sand_caps(policy, expected):
    assert dask_gateway_errors(_with(policy=policy)) == [expected]
    assert dask_gateway_sand_fit(_with(policy=policy)) == {"errors": [expected], "notes": []}


@pytest.mark.parametrize(("changes", "notes"), [
    pytest.param({"policy": _sand("cpu=2", percent=50)}, [
        "dask_gateway_partition_choices short with dask_gateway_qos_choices burst: a user's clusters hold the "
        "scheduler and at most 1 worker of the default size (1 CPU, 2G of memory) at once in the sand partition "
        "short, within cpu=2 (GrpTRES of its partition QOS short: slurm_sand_share_percent 50 of 4 CPUs on the "
        "compute nodes)"], id="share-50"),
    pytest.param({"policy": _sand("cpu=4", percent=100)}, [
        "dask_gateway_partition_choices short with dask_gateway_qos_choices burst: a user's clusters hold the "
        "scheduler and at most 3 workers of the default size (1 CPU, 2G of memory) at once in the sand partition "
        "short, within cpu=4 (GrpTRES of its partition QOS short: slurm_sand_share_percent 100 of 4 CPUs on the "
        "compute nodes)"], id="share-100"),
    pytest.param({"policy": _sand("cpu=1", cpus=None)}, [], id="node-sizes-unknown"),
    pytest.param({"policy": _sand(), "partition_choices": ["batch"], "job_time": "30:00"}, [],
                 id="gateway-on-a-non-sand-partition"),
    pytest.param({"policy": _sand(), "worker_cores": "x"}, [], id="sizes-reported-elsewhere"),
])
def test_a_cluster_that_fits_passes_with_a_note_of_the_workers(changes, notes):
    assert dask_gateway_sand_fit(_with(**changes)) == {"errors": [], "notes": notes}
    if "worker_cores" not in changes:
        assert dask_gateway_errors(_with(**changes)) == []
