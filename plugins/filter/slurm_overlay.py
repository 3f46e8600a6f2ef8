# -*- coding: utf-8 -*-
"""Overlay mode: the bundle's fragment of a site's slurm.conf, and what stops
it before any change.

In overlay mode (`slurm_mode: overlay`) the site owns Slurm: its slurm.conf,
daemons, munge, users and accounting. The bundle writes one fragment of its
own, included by the site's slurm.conf, holding only

- the partitions it is asked to own (`slurm_partitions` over the overlay
  preset: the sand partition `short`), on the inventory's compute nodes, and
- the slurm.conf keys the site hands it by name (`slurm_overlay_keys`),

and applies it with `scontrol reconfigure`. Its partition lines are written
as managed mode writes slurm.conf's (plugins/module_utils/slurm_partition.py:
inventory host names as their slurm_node_name, `nodes: ALL` as every node of
the site's Slurm). `slurm_overlay_plan` takes what
`hpc.datasci.slurm_site_info` read from the running site and the role's
effective settings, and returns the fragment's lines, the partitions it
removes, and every reason not to apply it (each naming the key or variable
and the fix): a handed key the site's files also set to another value, a
partition name the site already uses, nodes Slurm does not know, a sand mode
whose keys the site neither sets nor hands over, a removed partition that
still has jobs, a key Slurm 22.05 would apply only on a restart.

`slurm_overlay_qos_plan` does the same for the QOS: the bundle's QOS carry a
marker in their Description, which is how a later run knows which QOS are its
own to change or remove; a QOS of the site's with one of the bundle's names is
reported, never taken over.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.filter.slurm_conf import (
    slurm_conf_value,
    slurm_hostlist,
    slurm_hostlist_expand,
)
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_blocking_jobs import (
    blocked_sand_message,
    jobs_on,
    unaccepted,
)
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_partition import (
    SlurmConfLineError,
    is_all_nodes,
    partition_attributes,
    partition_line,
    partition_nodes,
)
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_releases import (
    RECONFIGURE_APPLIES_ALL_FROM,
    SLURM_CONF_RESTART_KEYS,
    UNSET_PLUGIN_MEANS,
    reconfigure_applies_all,
    release_name,
)
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_vocab import (
    SLURM_CONF_KEYS,
    SlurmValueError,
    parse_time,
)

# The keys a site may hand to the bundle: scheduling and priority only.
HANDABLE_KEY = re.compile(r"^(Preempt|Priority|Scheduler)[A-Za-z]*$")

# What each sand mode needs of the running slurm.conf in overlay mode (the
# managed role's SAND_MODES, less what does not matter: with preempt/none
# PreemptMode is never read).
OVERLAY_SAND_NEEDS = {
    "suspend": {"PreemptType": "preempt/partition_prio", "PreemptMode": "SUSPEND,GANG"},
    "requeue": {"PreemptType": "preempt/qos", "PreemptMode": "REQUEUE"},
    "tiers": {"PreemptType": "preempt/none"},
}

# Slurm's PriorityTier of a partition that sets none.
DEFAULT_PRIORITY_TIER = 1


def _lower_keys(mapping):
    return {str(k).lower(): v for k, v in (mapping or {}).items()}


# What an unset key means, where scontrol shows it as "(null)" or not at all
# (slurm_releases.UNSET_PLUGIN_MEANS: Slurm 24.11 prints an unset PreemptType
# as "(null)", 22.05 as preempt/none).
UNSET_MEANS = dict(_lower_keys(UNSET_PLUGIN_MEANS), preemptmode="OFF")


def _same_value(key, left, right):
    """Whether two spellings of a slurm.conf value mean the same: case, the
    order of comma-separated words (scontrol prints PreemptMode=SUSPEND,GANG
    as GANG,SUSPEND) and the spelling of an unset key do not matter."""
    def words(value):
        text = str(slurm_conf_value(value)).strip()
        if text in ("", "(null)"):
            text = UNSET_MEANS.get(str(key).lower(), "")
        return sorted(w.strip().lower() for w in text.split(",") if w.strip())

    def seconds(value, bare_unit):
        text = re.sub(r"\s*sec$", "", str(slurm_conf_value(value)).strip())
        try:
            return parse_time(text, bare_unit=bare_unit)
        except SlurmValueError:
            return None
    if words(left) == words(right):
        return True
    # scontrol prints times its own way: 14-0 as 14-00:00:00, a key counted
    # in seconds as "30 sec" (a bare number is then seconds on both sides).
    unit = 1 if any(str(v).strip().endswith("sec") for v in (left, right)) else 60
    return seconds(left, unit) is not None and seconds(left, unit) == seconds(right, unit)


def handed_key_errors(keys):
    """Errors of slurm_overlay_keys itself (first play, no host needed)."""
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        return ["slurm_overlay_keys must be a list of slurm.conf key names, e.g. "
                "[PreemptType, PreemptMode]."]
    known = {k.lower(): k for k in SLURM_CONF_KEYS}
    errors = []
    for key in keys:
        spelled = known.get(key.lower())
        if spelled is None:
            errors.append(f"slurm_overlay_keys: {key} is not a slurm.conf key; check its spelling "
                          f"(slurm.conf(5)).")
        elif not HANDABLE_KEY.match(spelled):
            errors.append(f"slurm_overlay_keys: {spelled} is not a scheduling or priority key; in "
                          f"overlay mode the site keeps every other key of its slurm.conf. Only "
                          f"Preempt*, Priority* and Scheduler* keys may be handed to the bundle.")
    return errors


class _Plan:
    """The overlay plan of one run (see slurm_overlay_plan)."""

    def __init__(self, data):
        self.site = data.get("site") or {}
        self.files = self.site.get("site") or {}
        self.live = self.site.get("config") or {}
        self.live_partitions = self.site.get("partitions") or {}
        self.previous = (self.site.get("fragment") or {}).get("partitions") or {}
        self.config = data.get("config") or {}
        self.handed = list(data.get("handed_keys") or [])
        self.partitions = list(data.get("partitions") or [])
        self.node_names = list(data.get("node_names") or [])
        self.node_name_of = dict(data.get("node_name_of") or {})
        self.sand_mode = data.get("sand_mode")
        self.sand_partition = data.get("sand_partition")
        self.accepted = list(data.get("accepted_jobs") or [])
        self.version = self.site.get("version")
        self.errors = []
        self.notes = []
        # Compute nodes the site's Slurm does not know (compute_nodes).
        self.unknown_compute = set()

    # --- the fragment -----------------------------------------------------------
    def _site_partitions(self):
        """{name: attrs} of the site's partitions: every partition slurmctld
        runs that the bundle's last fragment did not write, with the keys as
        slurmctld reports them (DEFAULT lines, NodeSets and includes
        resolved), and those of the site's files that it does not run yet."""
        owned_before = set(self.previous)
        site = {name: attrs for name, attrs in self.live_partitions.items() if name not in owned_before}
        for name, entry in (self.files.get("partitions") or {}).items():
            site.setdefault(name, entry.get("attrs", {}))
        return site

    def _where(self, name):
        return ((self.files.get("partitions") or {}).get(name) or {}).get("where", "slurmctld")

    def _nodes_of(self, attrs):
        value = _lower_keys(attrs).get("nodes")
        if value in (None, "", "(null)"):
            return set()
        if str(value).upper() == "ALL":
            return set(self.site.get("nodes") or [])
        try:
            return set(slurm_hostlist_expand(str(value)))
        except AnsibleFilterError:
            return set()

    def _tier(self, attrs):
        try:
            return int(_lower_keys(attrs).get("prioritytier", DEFAULT_PRIORITY_TIER))
        except (TypeError, ValueError):
            return DEFAULT_PRIORITY_TIER

    def keys(self):
        """The handed keys with the values the role sets."""
        lower = _lower_keys(self.config)
        out = {}
        for key in self.handed:
            value = lower.get(key.lower())
            if value is None or str(value) == "":
                self.errors.append(
                    f"slurm_overlay_keys hands {key} to the bundle, but no value is set for it: "
                    f"set slurm_config.{key}, or take {key} out of slurm_overlay_keys.")
                continue
            out[key] = value
        return out

    def partition_lines(self):
        site = self._site_partitions()
        site_default = [n for n, a in site.items() if str(_lower_keys(a).get("default", "")).upper() == "YES"]
        known_nodes = set(self.site.get("nodes") or [])
        lines = []
        for partition in self.partitions:
            name = str(partition["name"])
            attrs = partition_attributes(partition)
            lower = _lower_keys(attrs)
            if name in site:
                self.errors.append(
                    f"slurm_partitions: partition {name} is the site's ({self._where(name)}); the bundle never "
                    f"changes a partition of the site's. Give the bundle's another name "
                    f"(slurm_partitions: {{{name}: null, <new name>: {{...}}}}).")
                continue
            try:
                nodes = partition_nodes(partition, self.node_names, self.node_name_of)
            except SlurmConfLineError as err:
                self.errors.append(f"slurm_partitions.{name}.nodes: {err}")
                continue
            unknown = [n for n in nodes if known_nodes and n not in known_nodes and not is_all_nodes(n)
                       and n not in self.unknown_compute]
            if unknown or not nodes:
                self.errors.append(
                    f"slurm_partitions.{name}: the nodes {', '.join(unknown) or '(none)'} are not nodes of "
                    f"the site's Slurm ({slurm_hostlist(sorted(known_nodes)) if known_nodes else 'none'}): "
                    f"set slurm_node_name in the host_vars of each compute host to its Slurm NodeName, "
                    f"or give the partition nodes: that Slurm knows.")
                continue
            if str(lower.get("default", "")).upper() == "YES" and site_default:
                self.errors.append(
                    f"slurm_partitions.{name}: Default=YES, but the site's default partition is "
                    f"{site_default[0]}; remove Default from the bundle's partition.")
            inherited = {k: v for k, v in ((self.files.get("defaults") or {}).get("partition") or {}).items()
                         if k.lower() not in lower and k.lower() != "nodes"}
            if inherited:
                shown = ", ".join(f"{k}={v}" for k, v in inherited.items())
                self.errors.append(
                    f"slurm_partitions.{name}: the site's PartitionName=DEFAULT sets {shown}, which the bundle's "
                    f"partition would inherit (its fragment is read after the site's lines): give the partition "
                    f"its own value of each in slurm_partitions.{name}.")
            # ALL: every node of the site's Slurm, so every site partition with nodes lies below.
            covered = known_nodes if any(is_all_nodes(n) for n in nodes) else set(nodes)
            below = {n: a for n, a in site.items() if self._nodes_of(a) & covered}
            if name == self.sand_partition:
                self._sand_partition(name, attrs, lower, below)
                self._blocked_nodes(name, covered)
            lines.append(partition_line({"name": name, "nodes": nodes, **attrs}, self.node_names))
        return lines

    def _sand_partition(self, name, attrs, lower, below):
        """The sand partition's PriorityTier (above every site partition on
        its nodes: derived when the inventory sets none) and what the sand
        mode needs of those partitions."""
        top = max((self._tier(a) for a in below.values()), default=0)
        if "prioritytier" not in lower:
            attrs["PriorityTier"] = top + 1
        elif self._tier(attrs) <= top:
            higher = [n for n, a in below.items() if self._tier(a) >= self._tier(attrs)]
            self.errors.append(
                f"slurm_partitions.{name}.PriorityTier is {self._tier(attrs)}, not above the site's "
                f"partitions on the same nodes ({', '.join(sorted(higher))}: up to {top}); sand must "
                f"come first. Leave PriorityTier out (the role then sets {top + 1}) or set it above {top}.")
        if self.sand_mode != "suspend":
            return
        shared = sorted(n for n, a in below.items()
                        if not str(_lower_keys(a).get("oversubscribe", "NO")).upper().startswith("FORCE"))
        if shared:
            self.errors.append(
                f"slurm_sand_mode suspend: the site's partitions {', '.join(shared)} share nodes with the "
                f"sand partition {name} but do not have OverSubscribe=FORCE:1, so sand could not suspend "
                f"their jobs. That is a key of the site's partitions, which the bundle does not write: "
                f"add OverSubscribe=FORCE:1 to them in the site's slurm.conf, or choose slurm_sand_mode: tiers.")
        select = str(self._live("SelectTypeParameters") or "")
        if "memory" not in select.lower():
            self.errors.append(
                f"slurm_sand_mode suspend needs memory tracked by the scheduler, but the site runs "
                f"SelectTypeParameters={select or '(none)'}: a suspended job keeps its memory. Set a "
                f"*_Memory value in the site's slurm.conf, or choose slurm_sand_mode: tiers.")

    def _blocked_nodes(self, name, covered):
        """In suspend mode, the site's running jobs that hold the sand
        partition's nodes with dedicated cores: Slurm records at a job's start
        whether its partition was OverSubscribe=FORCE, and no job of a FORCE
        partition starts beside a job that started without it until that job
        ends (docs/overlay.md, "Adopting suspend mode while the site's jobs
        run"). Reported before the site's change as well as after it."""
        if self.sand_mode != "suspend":
            return
        jobs = unaccepted(jobs_on(self.site.get("one_row_jobs"), covered, slurm_hostlist_expand), self.accepted)
        if not jobs:
            return
        nodes = sorted({n for job in jobs for n in slurm_hostlist_expand(str(job["nodes"]))})
        self.errors.append(blocked_sand_message(
            jobs, name, slurm_hostlist(nodes),
            "the site's own partitions once they have OverSubscribe=FORCE:1",
            f"Ways through (docs/overlay.md, \"Adopting suspend mode while the site's jobs run\"): run again "
            f"once these jobs have ended; or choose slurm_sand_mode: tiers now and suspend once they have "
            f"ended; or leave those nodes out of the sand partition until then (slurm_partitions: "
            f"{{{name}: {{nodes: [...]}}}})"))

    def compute_nodes(self):
        """Every compute host must be a node of the site's Slurm: its records
        give the nodes' sizes in overlay mode (slurm_nodes.py)."""
        known = set(self.site.get("nodes") or [])
        hosts = {name: host for host, name in self.node_name_of.items()}
        self.unknown_compute = {n for n in self.node_names if known and n not in known}
        if self.unknown_compute:
            shown = [n if hosts.get(n, n) == n else f"{hosts[n]} (slurm_node_name {n})"
                     for n in self.node_names if n in self.unknown_compute]
            self.errors.append(
                f"slurm_compute: the hosts {', '.join(shown)} are not nodes of the site's Slurm "
                f"({slurm_hostlist(sorted(known))}), whose node records give the nodes' CPUs and memory in overlay "
                f"mode: set slurm_node_name in the host_vars of each to its Slurm NodeName, or take them out of the "
                f"inventory group slurm_compute.")

    # --- checks of the keys -------------------------------------------------------
    def cluster_name(self, wanted):
        running = self._live("ClusterName")
        if wanted and running and str(wanted).lower() != str(running).lower():
            self.errors.append(
                f"slurm_cluster_name is {wanted}, but the site's Slurm is cluster {running}: leave "
                f"slurm_cluster_name empty in overlay mode (the site's name is used) or set it to {running}.")

    def key_conflicts(self, keys):
        site_keys = self.files.get("keys") or {}
        for key, value in keys.items():
            mine = site_keys.get(key.lower())
            if mine and not _same_value(key, mine["value"], value):
                self.errors.append(
                    f"{mine['key']} is set to {mine['value']} in {mine['where']}, and slurm_overlay_keys hands "
                    f"it to the bundle, which sets {slurm_conf_value(value)}: remove the line from the site's "
                    f"file (the bundle's fragment then sets it), or take {key} out of slurm_overlay_keys "
                    f"(and out of what the bundle needs). Nothing was changed.")

    def _live(self, key):
        return _lower_keys(self.live).get(key.lower())

    def sand_needs(self, keys):
        needs = OVERLAY_SAND_NEEDS.get(self.sand_mode) or {}
        handed = {k.lower() for k in keys}
        missing = {k: v for k, v in needs.items()
                   if k.lower() not in handed and not _same_value(k, self._live(k) or "", v)}
        if missing:
            running = ", ".join(f"{k}={self._live(k) or '(unset)'}" for k in missing)
            wanted = ", ".join(f"{k}={v}" for k, v in missing.items())
            self.errors.append(
                f"slurm_sand_mode {self.sand_mode} needs {wanted}, but the site runs {running}. Hand the "
                f"keys to the bundle (slurm_overlay_keys: [{', '.join(missing)}]), or set them in the "
                f"site's slurm.conf yourself, or choose another slurm_sand_mode (docs/overlay.md).")

    def restart_keys(self, keys):
        if reconfigure_applies_all(self.version):
            return
        restart = {k.lower() for k in SLURM_CONF_RESTART_KEYS}
        release = release_name(self.version) if self.version else "this release"
        from_release = release_name(RECONFIGURE_APPLIES_ALL_FROM)
        for key, value in keys.items():
            live = self._live(key)
            if key.lower() in restart and not _same_value(key, live or "", value):
                self.errors.append(
                    f"slurm_overlay_keys: Slurm {release} applies {key} only when slurmctld restarts (from "
                    f"{from_release} `scontrol reconfigure` applies it), and overlay mode never restarts the site's "
                    f"daemons. Set {key}={slurm_conf_value(value)} in the site's slurm.conf and restart "
                    f"slurmctld in a maintenance window, then run again (the fragment then changes nothing).")

    def site_preemption(self, keys):
        """Handing PreemptType=preempt/partition_prio to the bundle also lets
        a partition of the site's preempt the site's partitions of a lower
        tier on the same nodes, which it did not before."""
        wanted = {k.lower(): v for k, v in keys.items()}.get("preempttype")
        if wanted is None or str(wanted).lower() != "preempt/partition_prio" \
                or _same_value("PreemptType", self._live("PreemptType") or "", wanted):
            return
        site = self._site_partitions()
        pairs = []
        for high, high_attrs in sorted(site.items()):
            for low, low_attrs in sorted(site.items()):
                shared = self._nodes_of(high_attrs) & self._nodes_of(low_attrs)
                if high != low and shared and self._tier(high_attrs) > self._tier(low_attrs):
                    pairs.append(f"{high} (PriorityTier {self._tier(high_attrs)}) over {low} "
                                 f"(PriorityTier {self._tier(low_attrs)})")
        if pairs:
            self.errors.append(
                f"slurm_overlay_keys hands PreemptType=preempt/partition_prio to the bundle, which would also let "
                f"the site's partitions preempt each other where they share nodes: {'; '.join(pairs)}. Give the "
                f"site's partitions one PriorityTier (PriorityJobFactor still orders their queue, without "
                f"preemption), or choose slurm_sand_mode: tiers.")

    def include(self):
        """In configless mode slurmctld ships only the included files that
        lie beside slurm.conf and are named without a path."""
        configless = "enable_configless" in str(self._live("SlurmctldParameters") or "")
        fragment, conf = self.site.get("fragment_path") or "", self.site.get("conf_path") or ""
        if configless and fragment.rsplit("/", 1)[0] != conf.rsplit("/", 1)[0]:
            self.errors.append(
                f"the site runs configless (SlurmctldParameters=enable_configless), and slurmctld ships only the "
                f"included files that lie beside slurm.conf ({conf}); slurm_overlay_fragment is {fragment}: leave it "
                f"empty (hpc-datasci.conf beside slurm.conf) or put it in that directory.")

    def controllers(self, names):
        """Every controller of the site (SlurmctldHost[N]) must get the
        fragment: a backup controller without it would fail the jobs of the
        bundle's partitions when it takes over."""
        running = [str(v).split("(")[0].strip() for k, v in sorted(self.live.items())
                   if k.lower().startswith("slurmctldhost") and v]
        missing = [n for n in running if n not in (names or [])]
        if names is not None and missing:
            self.errors.append(
                f"the site's controllers {', '.join(running)} read the fragment too, but {', '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not in the inventory group slurm_controller: add "
                f"{'it' if len(missing) == 1 else 'them'} (slurm_node_name where the host's name differs).")

    def slurm_user(self, wanted):
        running = str(self._live("SlurmUser") or "").split("(")[0].strip()
        if wanted and running and running != wanted:
            self.errors.append(
                f"the site's SlurmUser is {running}, not {wanted}: set slurm_config.SlurmUser: {running} (with "
                f"PrivateData=jobs only that user sees every job; the gateway reads job states as "
                f"dask_gateway_slurm_user, which must be it).")

    def removed(self):
        wanted = {str(p["name"]) for p in self.partitions}
        gone = [name for name in self.previous if name not in wanted]
        for name in gone:
            jobs = [j["id"] for j in self.site.get("jobs") or [] if name in j.get("partitions", [])]
            if jobs:
                self.errors.append(
                    f"slurm_partitions: partition {name} is no longer listed, but jobs still use it "
                    f"({', '.join(jobs[:10])}{' ...' if len(jobs) > 10 else ''}); removing it now would "
                    f"lose them. Let them end (or `scontrol update PartitionName={name} State=DRAIN` and "
                    f"wait), then run again.")
        return gone


def slurm_overlay_plan(data):
    """The bundle's fragment and the reasons not to apply it.

    `data`: site (the result of hpc.datasci.slurm_site_info), config (the
    role's effective slurm.conf keys), handed_keys (slurm_overlay_keys),
    partitions (the role's effective partitions: dicts with name, optional
    nodes, slurm.conf keys), node_names (the Slurm names of the inventory's
    compute nodes: a partition's default), sand_mode, sand_partition,
    cluster_name (slurm_cluster_name), controllers (the Slurm names of the
    inventory's slurm_controller hosts), slurm_user (the SlurmUser the role
    assumes).

    accepted_jobs (slurm_sand_accept_blocking_jobs: ids of running jobs that
    may keep sand off their nodes) is optional, and so is node_name_of ({inventory host: Slurm NodeName} of the compute hosts:
    partitions' nodes may name either) is optional.

    Returns {lines, keys, partitions, removed, errors, cluster_name, marker,
    include_target, configless, pending}: `lines` are the fragment's (keys
    first, then partitions), `removed` the partitions of the last fragment
    that this one drops; `cluster_name` the cluster's name in the accounting
    (the inventory's, else the site's running ClusterName) and `marker` what
    marks the bundle's QOS and accounts there; `include_target` the name the
    site's slurm.conf includes the fragment by; `configless` whether the site
    runs configless (then only the controllers get the fragment); `pending`
    whether slurmctld does not run the fragment yet (a run stopped before
    `scontrol reconfigure`, or a site that reverted).
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("site"), Mapping):
        raise AnsibleFilterError("slurm_overlay_plan expects a dict with `site` (slurm_site_info's result)")
    plan = _Plan(data)
    plan.cluster_name(data.get("cluster_name"))
    plan.controllers(data.get("controllers"))
    plan.include()
    plan.slurm_user(data.get("slurm_user"))
    keys = plan.keys()
    plan.key_conflicts(keys)
    plan.sand_needs(keys)
    plan.restart_keys(keys)
    plan.site_preemption(keys)
    plan.compute_nodes()
    partition_lines = plan.partition_lines()
    removed = plan.removed()
    lines = [f"{k}={slurm_conf_value(v)}" for k, v in keys.items()] + partition_lines
    result = {
        "lines": lines,
        "keys": keys,
        "partitions": [str(p["name"]) for p in plan.partitions],
        "removed": removed,
        "errors": plan.errors,
    }
    result.update(_site_facts(data))
    result["pending"] = len(slurm_overlay_applied_errors({"plan": result, "site": data["site"]})) > 0
    return result


def _site_facts(data):
    """What the run takes from the site's Slurm besides the fragment: the
    cluster's name and the marker of the bundle's records in the accounting,
    how slurm.conf includes the fragment, whether the site runs configless."""
    site = data["site"]
    config = site.get("config") or {}
    cluster = str(data.get("cluster_name") or "") or str(config.get("ClusterName") or "")
    fragment, conf = str(site.get("fragment_path") or ""), str(site.get("conf_path") or "")
    # The fragment's bare name when it lies beside slurm.conf (the form
    # configless sites need), else its path.
    same_dir = posixpath.dirname(fragment) == posixpath.dirname(conf)
    return {
        "cluster_name": cluster,
        # Per cluster, as clusters may share one slurmdbd.
        "marker": f"hpc.datasci overlay {cluster}",
        "include_target": posixpath.basename(fragment) if same_dir else fragment,
        "configless": "enable_configless" in str(config.get("SlurmctldParameters") or ""),
    }


def _flatten(value):
    """The names of a list of QOS names, nested lists flattened and null
    entries dropped (as Ansible's `flatten` does)."""
    if isinstance(value, (list, tuple)):
        return [name for item in value for name in _flatten(item)]
    return [] if value in (None, "None", "null") else [value]


def slurm_qos_in_use(accounts, partitions):
    """The QOS names that the inventory's accounts and partitions use, in
    order, each once: every account's qos and default_qos, every
    partition's QOS and the names of its AllowQos (not ALL). A QOS of these
    must exist (the bundle's or the site's) before accounts and partitions
    may name it."""
    names = []
    for account in accounts or []:
        names.extend(str(q) for q in _flatten(account.get("qos", [])))
    names.extend(str(a["default_qos"]) for a in accounts or [] if a.get("default_qos"))
    names.extend(str(p["QOS"]) for p in partitions or [] if p.get("QOS"))
    allowed = ",".join(slurm_conf_value(p["AllowQos"]) for p in partitions or [] if p.get("AllowQos"))
    names.extend(n for n in allowed.split(",") if n not in ("", "ALL"))
    return list(dict.fromkeys(names))


def slurm_overlay_qos_plan(data):
    """Which QOS the bundle may create or change, which of its own it
    deletes, and the reasons not to go on.

    `data`: qos (the role's effective QOS: dicts with a name), existing
    (records of `sacctmgr show qos`: dicts with Name and Description), jobs
    (active jobs as slurm_site_info reads them), marker (the Description of
    the bundle's QOS and Organization of the bundle's accounts), accounts
    (slurm_accounts), partitions (the role's effective partitions) and
    existing_accounts (records of `sacctmgr show account`: Name,
    Organization). Every QOS that the accounts and partitions name
    (slurm_qos_in_use) must be the bundle's or the site's. Returns {delete,
    errors}: `delete` the bundle's QOS that are no longer listed and that no
    job uses.
    """
    if not isinstance(data, Mapping) or not data.get("marker"):
        raise AnsibleFilterError("slurm_overlay_qos_plan expects a dict with the QOS marker")
    marker = data["marker"]
    wanted = [str(q.get("name")) for q in data.get("qos") or []]
    existing = {str(r.get("Name")): r for r in data.get("existing") or [] if r.get("Name")}
    errors, delete = [], []
    for name in wanted:
        record = existing.get(name)
        if record is not None and record.get("Description") != marker:
            errors.append(
                f"slurm_qos: QOS {name} already exists at the site (Description "
                f"'{record.get('Description') or ''}') and is not the bundle's; the bundle never changes "
                f"a QOS of the site's. Drop it from the bundle's (slurm_qos: {{{name}: null}}) and give the "
                f"bundle's QOS another name (and the hub's profiles and the gateway with it).")
    referenced = slurm_qos_in_use(data.get("accounts"), data.get("partitions"))
    for name in sorted(set(referenced) - set(wanted) - set(existing)):
        errors.append(
            f"slurm_accounts or slurm_partitions name QOS {name}, which is neither the bundle's (slurm_qos) nor one of the "
            f"site's ({', '.join(sorted(existing)) or 'none'}): correct the name, or add it to slurm_qos.")
    accounts = {str(r.get("Name")): r for r in data.get("existing_accounts") or [] if r.get("Name")}
    for name in [account.get("name") for account in data.get("accounts") or []]:
        record = accounts.get(str(name))
        if record is not None and record.get("Organization") != marker:
            errors.append(
                f"slurm_accounts: account {name} already exists at the site (Organization "
                f"'{record.get('Organization') or ''}') and is not the bundle's; the bundle never changes an "
                f"account of the site's. Give the bundle's account another name (and jupyterhub_slurm_account "
                f"and dask_gateway_account with it).")
    for name, record in existing.items():
        if record.get("Description") != marker or name in wanted:
            continue
        jobs = [j["id"] for j in data.get("jobs") or [] if j.get("qos") == name]
        if jobs:
            errors.append(
                f"slurm_qos: QOS {name} (the bundle's) is no longer listed, but jobs still use it "
                f"({', '.join(jobs[:10])}); let them end, then run again to remove it.")
        else:
            delete.append(name)
    return {"delete": delete, "errors": errors}


def slurm_overlay_applied_errors(data):
    """What slurmctld does not run after the fragment was applied: a
    partition of the fragment missing, a removed one still there, a handed
    key with another value. `data`: plan (slurm_overlay_plan's result), site
    (slurm_site_info's result after `scontrol reconfigure`)."""
    plan, site = data.get("plan") or {}, data.get("site") or {}
    running = site.get("partitions") or {}
    live = _lower_keys(site.get("config"))
    errors = []
    missing = [p for p in plan.get("partitions") or [] if p not in running]
    if missing:
        errors.append(f"after `scontrol reconfigure` slurmctld does not run the partitions {', '.join(missing)} "
                      f"of the bundle's fragment {site.get('fragment_path')}: check that the site's slurm.conf "
                      f"includes it on the controller and read slurmctld's log.")
    still = [p for p in plan.get("removed") or [] if p in running]
    if still:
        errors.append(f"after `scontrol reconfigure` slurmctld still runs the partitions {', '.join(still)} that "
                      f"the fragment no longer has; read slurmctld's log.")
    for key, value in (plan.get("keys") or {}).items():
        if not _same_value(key, live.get(key.lower(), ""), value):
            errors.append(f"after `scontrol reconfigure` slurmctld runs {key}={live.get(key.lower())}, not "
                          f"{slurm_conf_value(value)} as the fragment sets: another file of the site may set it "
                          f"after the fragment's Include, or this Slurm needs a restart for it.")
    return errors


class FilterModule:
    """Overlay mode's plan."""

    def filters(self):
        return {
            "slurm_overlay_applied_errors": slurm_overlay_applied_errors,
            "slurm_overlay_handed_key_errors": handed_key_errors,
            "slurm_overlay_plan": slurm_overlay_plan,
            "slurm_overlay_qos_plan": slurm_overlay_qos_plan,
            "slurm_qos_in_use": slurm_qos_in_use,
        }
