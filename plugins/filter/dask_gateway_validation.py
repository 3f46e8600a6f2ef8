# -*- coding: utf-8 -*-
"""Checks of the Dask Gateway's settings against the site's Slurm policy and
the hub, run on the control machine before any host is changed
(playbooks/validate.yml -> roles/dask_gateway/tasks/validate.yml).

`dask_gateway_errors(gateway)` takes one dict of the role's inputs (the
variables without their `dask_gateway_` prefix, see the role's
tasks/validate.yml), with `policy`, the site's effective Slurm policy
({partitions, qos, accounts}: lists of dicts with `name`; sand_partition and
sand_share for the sand checks), and `hub_services`, the hub's
jupyterhub_services. It returns every problem at once, as sentences
that name the variable and the fix; an empty list means the settings are
usable. The gateway's token is not passed, only its length.

`dask_gateway_sand_fit(gateway)` is its check of the smallest cluster
against the caps of the sand partition alone, which the first play of
playbooks/slurm.yml runs again once the nodes' sizes are known
(roles/dask_gateway/tasks/sand_fit.yml).
"""

from __future__ import annotations

import ipaddress
import json
import numbers
import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.filter.slurm_policy import sand_memory_problem
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_sand_fit import (
    PER_JOB,
    amount,
    describe,
    over_caps,
    remedy,
    sand_caps,
    workers_that_fit,
)
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_vocab import (
    TIME_FORMATS,
    SlurmValueError,
    over_time_limit,
    time_minutes,
    value_in,
)

# Shortest token a site may give (generated ones have 64 characters).
MIN_TOKEN_LENGTH = 32
# What the hub accepts as a service name (it becomes /services/<name>).
SERVICE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SIZE_KEYS = ("default", "min", "max")
POSITIVE_INTEGERS = ("scheduler_cores", "cluster_max_workers", "cluster_max_cores", "start_timeout")
POSITIVE_NUMBERS = ("scheduler_memory_gib", "cluster_max_memory_gib")

# Each choice list: the policy's list it names, the variable of that list,
# and the time limit that the jobs' time must fit in.
_CHOICES = (
    ("partition_choices", "partitions", "slurm_partitions", "MaxTime"),
    ("qos_choices", "qos", "slurm_qos", "MaxWall"),
)


def _var(key):
    return "dask_gateway_" + key


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _whole(value):
    """An integer given as a number or a string of digits, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.match(r"^\s*-?\d+\s*$", value):
        return int(value)
    return None


def _positive(value):
    """A number above 0 given as a number or a numeric string, else None."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _by_name(entries):
    """{name: entry} of a policy list, in its order."""
    return {str(e["name"]): e for e in entries or [] if isinstance(e, Mapping) and "name" in e}


def _names(value):
    """The names of a list, or of a comma-separated string."""
    if isinstance(value, str):
        return [n.strip() for n in value.split(",") if n.strip()]
    return [str(n) for n in value or []]


def _token_errors(gateway):
    length = _whole(gateway.get("api_token_length", 0)) or 0
    if 0 < length < MIN_TOKEN_LENGTH:
        return ["dask_gateway_api_token must have at least %d characters: give one from Ansible Vault, or leave it"
                " empty to have one generated once in the inventory's .secrets/" % MIN_TOKEN_LENGTH]
    return []


def _hub_errors(gateway):
    errors = []
    name = str(gateway.get("service_name", ""))
    if not SERVICE_NAME_RE.match(name):
        errors.append("dask_gateway_service_name %s must be lowercase letters, digits and dashes: it names the"
                      " gateway's service in the hub (/services/<name>)" % (name or '""'))
    for index, service in enumerate(gateway.get("hub_services") or []):
        if isinstance(service, Mapping) and str(service.get("name", "")) == name:
            errors.append("jupyterhub_services[%d] is named %s, the gateway's service: remove it; the hub gets the"
                          " gateway's entry (url and token) from the dask_gateway role (playbooks/jupyterhub.yml)"
                          % (index, name))
    url = str(gateway.get("hub_api_url") or "")
    if url and not re.match(r"^https?://[^/\s]+/\S*$", url):
        errors.append("dask_gateway_hub_api_url %s is not an http(s) URL such as http://login1:8081/hub/api;"
                      " leave it empty to use the hub's own address" % url)
    return errors


def _job_minutes(gateway, errors):
    """Minutes of the jobs' time limit (None: unlimited); False when it is
    not a Slurm time (reported)."""
    value = gateway.get("job_time")
    try:
        return time_minutes(value)
    except SlurmValueError as err:
        errors.append("dask_gateway_job_time %s is not a Slurm time: %s; write %s, e.g. 55:00" % (value, err, TIME_FORMATS))
        return False


def _choice_errors(gateway, policy, job_minutes):
    errors = []
    for key, policy_key, policy_var, limit in _CHOICES:
        known = _by_name(policy.get(policy_key))
        choices = _names(gateway.get(key))
        if not choices:
            errors.append("%s is empty: give at least one name (the first is the default)" % _var(key))
        for name in choices:
            if name not in known:
                errors.append("%s: %s is not in %s (%s)" % (_var(key), name, policy_var, ", ".join(known)))
                continue
            errors.extend(_limit_errors(gateway.get("job_time"), job_minutes, name, known[name], limit))
    return errors


def _sand_errors(gateway, policy):
    """The largest worker and the scheduler against the memory sand finds
    free on a full machine, in each partition users may choose."""
    errors = []
    worker = gateway.get("worker_memory_gib")
    sizes = (("the largest worker (dask_gateway_worker_memory_gib.max)",
              worker.get("max") if isinstance(worker, Mapping) else None),
             ("the scheduler (dask_gateway_scheduler_memory_gib)", gateway.get("scheduler_memory_gib")))
    for name in _names(gateway.get("partition_choices")):
        for what, gib in sizes:
            if _positive(gib) is None:
                continue  # reported by the number checks
            problem = sand_memory_problem("dask_gateway_partition_choices: %s: %s" % (name, what),
                                          int(float(gib) * 1024), name, policy)
            if problem:
                errors.append(problem)
    return errors


def _smallest_cluster(gateway):
    """({cpu, mem} of the scheduler, of a worker of the default size), or
    None while a size is not a number (reported by the number checks)."""
    cores, memory = gateway.get("worker_cores"), gateway.get("worker_memory_gib")
    if not isinstance(cores, Mapping) or not isinstance(memory, Mapping):
        return None
    sizes = (_whole(gateway.get("scheduler_cores")), _positive(gateway.get("scheduler_memory_gib")),
             _whole(cores.get("default")), _positive(memory.get("default")))
    if None in sizes or min(sizes) <= 0:
        return None
    return ({"cpu": sizes[0], "mem": int(float(sizes[1]) * 1024)},
            {"cpu": sizes[2], "mem": int(float(sizes[3]) * 1024)})


_LOWER = {"cpu": "dask_gateway_scheduler_cores or dask_gateway_worker_cores.default",
          "mem": "dask_gateway_scheduler_memory_gib or dask_gateway_worker_memory_gib.default"}


def _workers(count):
    return {-1: "the scheduler alone does not fit", 0: "the scheduler fits, but beside it no worker"}.get(
        count, f"the scheduler fits, and beside it {count} worker{'' if count == 1 else 's'}")


def dask_gateway_sand_fit(gateway):
    """The smallest cluster (the scheduler and one worker of the default
    size) against the caps of the sand partition, for each partition and
    QOS a user may choose whose jobs go to the sand partition
    (module_utils/slurm_sand_fit.py). Returns {errors: [...], notes: [...]}:
    a sentence for each choice where no cluster could ever start, and for
    the others how many default-size workers fit beside the scheduler."""
    result = {"errors": [], "notes": []}
    policy = gateway.get("policy") or {}
    cluster = _smallest_cluster(gateway)
    if cluster is None:
        return result
    scheduler, worker = cluster
    for partition in _names(gateway.get("partition_choices")):
        for qos in _names(gateway.get("qos_choices")):
            caps = sand_caps(policy, partition, qos)
            if not caps:
                continue
            where = "dask_gateway_partition_choices %s with dask_gateway_qos_choices %s" % (partition, qos)
            count, bound = workers_that_fit(scheduler, worker, caps)
            over = over_caps([scheduler, worker], caps)
            if over:
                cap, need = over[0]
                result["errors"].append(
                    "%s: the smallest cluster, a scheduler (dask_gateway_scheduler_cores %d, "
                    "dask_gateway_scheduler_memory_gib %s) and one worker of the default size "
                    "(dask_gateway_worker_cores.default %d, dask_gateway_worker_memory_gib.default %s), needs %s %s, "
                    "but the sand partition %s allows %s: no cluster could ever start there, its jobs would pend for "
                    "good (%s). %s"
                    % (where, scheduler["cpu"], _gib(scheduler["mem"]), worker["cpu"], _gib(worker["mem"]),
                       amount(cap.tres, need), "in one job" if cap.attribute == PER_JOB else "at once",
                       partition, describe(cap, policy), _workers(count),
                       remedy(cap, need, policy, _LOWER[cap.tres])))
            elif count is not None:
                result["notes"].append(
                    "%s: a user's clusters hold the scheduler and at most %d worker%s of the default size (%s, %s) "
                    "at once in the sand partition %s, within %s"
                    % (where, count, "" if count == 1 else "s", amount("cpu", worker["cpu"]),
                       amount("mem", worker["mem"]), partition, describe(bound, policy)))
    return result


def _gib(mib):
    """MiB as the gateway's variables write it, in GiB (2048 -> 2, 512 -> 0.5)."""
    return ("%.3f" % (mib / 1024)).rstrip("0").rstrip(".")


def _limit_errors(job_time, job_minutes, name, entry, limit):
    if job_minutes is False:
        return []
    value = value_in(entry, limit)
    if over_time_limit(job_minutes, value):
        return ["dask_gateway_job_time %s is above the %s of %s (%s): jobs would be refused"
                % (job_time, limit, name, value)]
    return []


def _account_errors(gateway, policy):
    account = str(gateway.get("account") or "")
    if not account:
        return []
    accounts = _by_name(policy.get("accounts"))
    if account not in accounts:
        return ["dask_gateway_account %s is not in slurm_accounts (%s)" % (account, ", ".join(accounts))]
    allowed = _names(accounts[account].get("qos"))
    return ["dask_gateway_qos_choices: %s is not among the qos of the account %s in slurm_accounts: add it there"
            % (name, account)
            for name in _names(gateway.get("qos_choices")) if allowed and name not in allowed]


def _size_errors(gateway):
    errors = []
    for key in ("worker_cores", "worker_memory_gib"):
        size = gateway.get(key)
        if (not isinstance(size, Mapping) or sorted(size) != sorted(SIZE_KEYS)
                or not all(_is_number(v) for v in size.values())):
            errors.append("%s must be {default: N, min: N, max: N} with numbers" % _var(key))
        elif not 0 < size["min"] <= size["default"] <= size["max"]:
            errors.append("%s: need 0 < min <= default <= max, not %s" % (_var(key), json.dumps(dict(size))))
        elif key == "worker_cores" and not all(float(v).is_integer() for v in size.values()):
            errors.append("dask_gateway_worker_cores: default, min and max must be whole numbers of cores, not %s"
                          % json.dumps(dict(size)))
    return errors


def _environment_errors(gateway):
    environments = gateway.get("environments")
    if not isinstance(environments, Mapping) or not environments:
        return ["dask_gateway_environments must map at least one name to an environment prefix"]
    return ["dask_gateway_environments.%s: %s is not an absolute path" % (name, prefix)
            for name, prefix in environments.items() if not str(prefix).startswith("/")]


def _number_errors(gateway):
    errors = []
    for key in POSITIVE_INTEGERS:
        value = _whole(gateway.get(key))
        if value is None or value <= 0:
            errors.append("%s must be a positive integer" % _var(key))
    for key in POSITIVE_NUMBERS:
        if _positive(gateway.get(key)) is None:
            errors.append("%s must be above 0" % _var(key))
    cores, max_cores = _whole(gateway.get("scheduler_cores")), _whole(gateway.get("cluster_max_cores"))
    memory, max_memory = _positive(gateway.get("scheduler_memory_gib")), _positive(gateway.get("cluster_max_memory_gib"))
    if ((None not in (memory, max_memory) and memory > max_memory)
            or (None not in (cores, max_cores) and cores > max_cores)):
        errors.append("the scheduler (dask_gateway_scheduler_cores, dask_gateway_scheduler_memory_gib) must fit in the"
                      " cluster caps (dask_gateway_cluster_max_cores, dask_gateway_cluster_max_memory_gib), which"
                      " count it")
    idle = gateway.get("idle_timeout")
    if _whole(idle) is None or _whole(idle) < 0:
        errors.append("dask_gateway_idle_timeout must be whole seconds (0: never shut down idle clusters)")
    return errors


def _host_errors(gateway, policy):
    """The bind address, the users' home directories and the user squeue
    runs as (slurm.conf's SlurmUser, from the policy when it names it)."""
    errors = []
    address = str(gateway.get("bind_address") or "")
    try:
        if address and ipaddress.ip_address(address).version != 4:
            raise ValueError(address)
    except ValueError:
        errors.append("dask_gateway_bind_address %s is not an IPv4 address: give the gateway host's address on the"
                      " site network, or leave it empty to have it found from the compute nodes" % address)
    homes = gateway.get("home_dirs")
    if (not isinstance(homes, list) or not homes
            or not all(isinstance(h, str) and h.startswith("/") and h.rstrip("/") for h in homes)):
        errors.append("dask_gateway_home_dirs must list the absolute directories that hold users' homes, e.g."
                      " [/home]: the gateway's launcher writes each cluster's staging directory there")
    slurm_user = str(policy.get("slurm_user") or "")
    status_user = str(gateway.get("slurm_user") or "")
    if slurm_user and status_user != slurm_user:
        errors.append("dask_gateway_slurm_user %s is not slurm.conf's SlurmUser (%s): set it to %s, the one user"
                      " besides root who sees every user's jobs under PrivateData"
                      % (status_user or '""', slurm_user, slurm_user))
    return errors


def dask_gateway_errors(gateway):
    """Every problem of the gateway's settings, as a list of sentences."""
    if not isinstance(gateway, Mapping):
        raise AnsibleFilterError("dask_gateway_errors expects a dict of the gateway's settings")
    policy = gateway.get("policy") or {}
    if not isinstance(policy, Mapping):
        raise AnsibleFilterError("dask_gateway_errors: policy must be a dict {partitions, qos, accounts}")
    errors = _token_errors(gateway) + _hub_errors(gateway)
    job_minutes = _job_minutes(gateway, errors)
    errors += _choice_errors(gateway, policy, job_minutes)
    errors += _account_errors(gateway, policy)
    errors += _size_errors(gateway)
    errors += _sand_errors(gateway, policy)
    errors += dask_gateway_sand_fit(gateway)["errors"]
    errors += _environment_errors(gateway)
    errors += _number_errors(gateway)
    errors += _host_errors(gateway, policy)
    return errors


class FilterModule:
    """Filters of the Dask Gateway's validation."""

    def filters(self):
        return {"dask_gateway_errors": dask_gateway_errors, "dask_gateway_sand_fit": dask_gateway_sand_fit}
