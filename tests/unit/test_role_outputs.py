"""Unit tests of the roles' public outputs (plugins/filter/role_outputs.py):
the values a playbook passes from one role to the next."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.filter.role_outputs import (
    FilterModule,
    dask_gateway_hub_service,
    jupyterhub_api_url,
    slurm_effective_policy,
)

RESULT = {
    "partitions": [{"name": "batch", "MaxTime": "2-00:00:00"}, {"name": "short", "QOS": "short"}],
    "qos": [{"name": "normal", "Priority": 10}, {"name": "short", "GrpTRES": "cpu=2"}],
    "config": {"PreemptType": "preempt/partition_prio"},
    "sand_memory_mb": 512,
    "sand_partition": "short",
    "bf_window": 2880,
    "short_share_cpus": 2,
    "sand_share": {"partition": "short", "derived": True, "cpus": 2, "percent": 50, "compute_cpus": 4,
                   "variable": "slurm_sand_share_percent"},
    "errors": [],
}
SITE = {"sand_mode": "suspend", "sand_memory_percent": 25,
        "accounts": [{"name": "datasci", "qos": ["normal"]}], "slurm_user": "slurm"}


def test_slurm_effective_policy():
    assert slurm_effective_policy(RESULT, SITE) == {
        "sand_mode": "suspend",
        "sand_memory_mb": 512,
        "sand_memory_percent": 25,
        "sand_partition": "short",
        "sand_share": RESULT["sand_share"],
        "partitions": RESULT["partitions"],
        "qos": RESULT["qos"],
        "accounts": [{"name": "datasci", "qos": ["normal"]}],
        "slurm_user": "slurm",
        "bf_window": 2880,
    }


def test_slurm_effective_policy_of_a_site_with_nothing_set():
    assert slurm_effective_policy({}, {}) == {
        "sand_mode": None, "sand_memory_mb": None, "sand_memory_percent": None, "sand_partition": None,
        "sand_share": {}, "partitions": [], "qos": [], "accounts": [], "slurm_user": "", "bf_window": None}


def test_jupyterhub_api_url():
    assert jupyterhub_api_url({"connect_name": "login1", "port": 8081}) == "http://login1:8081/hub/api"


def test_dask_gateway_hub_service():
    assert dask_gateway_hub_service({"name": "dask-gateway", "connect_name": "login1", "http_port": 8000,
                                     "api_token": "t" * 32}) == {
        "name": "dask-gateway", "url": "http://login1:8000", "api_token": "t" * 32}


@pytest.mark.parametrize("call", [
    lambda: slurm_effective_policy([], SITE),
    lambda: slurm_effective_policy(RESULT, "x"),
    lambda: jupyterhub_api_url("login1"),
    lambda: dask_gateway_hub_service(None),
])
def test_not_a_dict_is_refused(call):
    with pytest.raises(AnsibleFilterError, match="expects a dict"):
        call()


def test_filters_are_registered():
    assert set(FilterModule().filters()) == {"slurm_effective_policy", "jupyterhub_api_url",
                                             "dask_gateway_hub_service"}
