# -*- coding: utf-8 -*-
"""The site's effective Slurm policy: presets merged with the inventory, and
the values the role derives from them.

`slurm_policy` takes one dict of the slurm role's inputs and returns the
partitions and QOS the role applies, as lists of dicts with `name`:

- The presets (`slurm_partitions_preset`, `slurm_qos_preset`) are dicts keyed
  by name. The site's `slurm_partitions` / `slurm_qos` is either a dict
  merged over its preset one attribute at a time (an entry set to null
  removes a preset entry, a new name adds one, an attribute set to null
  removes that attribute), or a list of dicts with `name` that replaces the
  preset (the older form).
- Derived values fill attributes the site does not mention: GrpTRES of the
  partition QOS of the sand partition (the one with the highest PriorityTier,
  `short` in the preset; its share of the compute CPUs), Preempt of the QOS
  that outrank `scavenger` and PreemptMode of `scavenger`; GrpTRES and
  MaxTRESPerUser of the QOS `burst` from the sand partition's share (burst
  work as a whole leaves part of the share to notebooks, and one user takes
  at most a set part of it; sand_burst_caps); and bf_window, the longest
  finite partition MaxTime within Slurm's bounds.
- The sand mode (`slurm_sand_mode`, SAND_MODES) chooses how sand gets CPUs on
  a full machine. It derives the slurm.conf keys PreemptType and PreemptMode,
  DefMemPerCPU from the nodes' memory per CPU (so that a job naming no memory
  no longer takes a whole node), and in `suspend` mode the keys of the
  partitions below the sand partition that let their jobs be suspended
  (OverSubscribe=FORCE:1) while keeping memory free for sand (MaxMemPerCPU).
  In overlay mode the partitions below are the site's, with their own memory
  keys: the sand partition's DefMemPerCPU is also kept within the memory a
  sand job finds free beside the site's jobs on each of its nodes
  (module_utils/slurm_site_memory.py), and one that cannot fit is reported
  in `overlay_errors` instead of written.

Mistakes in the shape of these variables are returned as `errors`
(sentences naming the variable and the fix) for the validation play; the
entries they concern are left out (a bad entry of the dict form keeps the
preset's), so the remaining checks still run.
"""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.filter.slurm_validation import type_name
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_partition import (
    SlurmConfLineError,
    hostlist_collect,
    is_all_nodes,
    partition_nodes,
)
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_site_memory import free_beside_site
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_vocab import (
    PARTITION_KEYS,
    QOS,
    SlurmValueError,
    allowed_attributes,
    format_memory_mb,
    key_in,
    parse_qos_flags,
    parse_tres,
    time_minutes,
)

# bf_window bounds (minutes): the preset's two days, and Slurm's maximum.
BF_WINDOW_MIN = 2880
BF_WINDOW_MAX = 43200

# How sand (the partition with the highest PriorityTier) gets CPUs on a full
# machine: the slurm.conf keys each mode sets.
#  suspend: sand suspends running jobs of lower partitions (they keep their
#           memory and resume where they stopped when the sand job ends).
#  tiers:   queue order only: sand starts when some running job ends.
#  requeue: QOS above `scavenger` requeue running scavenger jobs (their work
#           since the start is lost unless they checkpoint).
SAND_MODES = {
    "suspend": {"PreemptType": "preempt/partition_prio", "PreemptMode": "SUSPEND,GANG"},
    "tiers": {"PreemptType": "preempt/none", "PreemptMode": "OFF"},
    "requeue": {"PreemptType": "preempt/qos", "PreemptMode": "REQUEUE"},
}
# OverSubscribe of the partitions whose jobs sand suspends: one job per core,
# as without it, but suspendable (Slurm suspends only jobs of partitions that
# allow oversubscription).
SUSPENDABLE_OVERSUBSCRIBE = "FORCE:1"

# The QOS that the requeue mode lets the others preempt.
SCAVENGER_QOS = "scavenger"
# The QOS of Dask workers and other bursts, whose caps the role derives from
# the sand share, and the variables they are derived with.
BURST_QOS = "burst"
NOTEBOOK_RESERVE = "slurm_sand_notebook_reserve_percent"
BURST_USER = "slurm_sand_burst_user_percent"
NOTEBOOK_CPUS = "slurm_notebook_cpus"
# Slurm's PriorityTier of a partition that sets none.
DEFAULT_PRIORITY_TIER = 1

# The spelling of every known key, by its lowercase form: the merge spells a
# key as Slurm's vocabulary does, so that `maxwall` in the inventory replaces
# the preset's `MaxWall` instead of standing beside it. Unknown keys keep their
# spelling, for validation to report.
_SPELLING = {
    "slurm_partitions": {key.lower(): key for key in PARTITION_KEYS},
    "slurm_qos": {key.lower(): key for key in allowed_attributes(QOS)},
}

# How each variable names its entries in messages.
_WHAT = {"slurm_partitions": ("partition", "partitions", "slurm.conf partition keys"),
         "slurm_qos": ("QOS", "QOS", "QOS attributes")}

# The share of the compute CPUs the sand partition's jobs may hold, and the
# slurm role's variables renamed in this release: {old name: (new name, why)}.
# The old names keep working for one release, with a warning in the first play.
SAND_SHARE = "slurm_sand_share_percent"
RENAMED = {
    "slurm_short_share_percent": (
        SAND_SHARE, "the share applies to whichever partition is the sand partition, the one "
                    "with the highest PriorityTier, whatever its name"),
}


def _as_int(value):
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


class _Merger:
    """Builds one variable's effective entries, collecting shape errors."""

    def __init__(self, var, errors):
        self.var = var
        self.what, self.plural, self.attributes = _WHAT[var]
        self.errors = errors

    def preset(self, preset):
        """{name: attributes} of the preset (`<var>_preset`)."""
        var = f"{self.var}_preset"
        if preset is None:
            return {}
        if not isinstance(preset, Mapping):
            self.errors.append(
                f"{var} must be a dict of {self.plural} by name, each a dict of "
                f"{self.attributes}, not {type_name(preset)}; change single "
                f"entries through {self.var} instead.")
            return {}
        return self._entries(var, preset, {})

    def site(self, preset, site):
        """The effective [(name, attributes)] of the site's value over
        `preset`."""
        if site is None:
            return list(preset.items())
        if isinstance(site, Mapping):
            return list(self._entries(self.var, site, preset).items())
        if isinstance(site, (list, tuple)):
            return self._list(site)
        self.errors.append(
            f"{self.var} must be a dict of {self.plural} by name (merged over "
            f"{self.var}_preset one key at a time) or a list of {self.plural} "
            f"(dicts with a `name`, replacing the preset), not "
            f"{type_name(site)}; the preset is used.")
        return list(preset.items())

    def _entries(self, var, entries, preset):
        """Merges a dict of entries over `preset` (a new dict)."""
        out = {name: dict(attrs) for name, attrs in preset.items()}
        for raw_name, attrs in entries.items():
            name = str(raw_name)
            label = f"{var}.{name}"
            if attrs is None:
                if name in out:
                    del out[name]
                elif var == self.var:
                    self.errors.append(
                        f"{label} is null, which removes the preset's "
                        f"{self.what} '{name}', but the preset has none of "
                        f"that name (it has {', '.join(preset) or 'none'}); "
                        f"correct the name or drop the line.")
                continue
            if not isinstance(attrs, Mapping):
                self.errors.append(
                    f"{label} must be a dict of {self.attributes} (merged over "
                    f"the preset's, one key at a time), or null to remove "
                    f"the {self.what}; it is {type_name(attrs)} ({attrs!r}).")
                continue
            attrs = self._spelled(attrs)
            if "name" in attrs:
                given = attrs.pop("name")
                if str(given) != name:
                    self.errors.append(
                        f"{label}: `name` is '{given}', but in the dict form "
                        f"the key is the {self.what}'s name; drop `name`, or "
                        f"rename the key to '{given}'.")
                    continue
            out[name] = {**out.get(name, {}), **attrs}
        return out

    def _list(self, items):
        """[(name, attributes)] of the list form, in its order (duplicate
        names are kept, for validation to report)."""
        out = []
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                self.errors.append(
                    f"{self.var}[{index}] must be a dict with at least `name`, "
                    f"not {type_name(item)} ({item!r}).")
                continue
            name = item.get("name")
            if not isinstance(name, (str, int)) or isinstance(name, bool) \
                    or not str(name).strip():
                self.errors.append(
                    f"{self.var}[{index}]: `name` is missing or empty; give "
                    f"every {self.what} a name.")
                continue
            out.append((name, {k: v for k, v in self._spelled(item).items() if k != "name"}))
        return out

    def _spelled(self, attrs):
        """`attrs` with every known key spelled as Slurm's vocabulary spells it."""
        spelling = _SPELLING[self.var]
        return {spelling.get(str(key).lower(), key): value for key, value in attrs.items()}


def _first(entries, name):
    """The attributes of the first entry called `name`, or None."""
    return next((attrs for each, attrs in entries if str(each) == str(name)), None)


def _listed(entries):
    """[{name, **attributes}]; attributes set to null are dropped."""
    return [{"name": name, **{k: v for k, v in attrs.items() if v is not None}}
            for name, attrs in entries]


def slurm_short_share_cpus(compute_cpus, percent):
    """CPUs of the compute nodes that the sand partition (`short`) may hold at once:
    `percent` of them rounded down, at least 1; None if the input is bad."""
    cpus, share = _as_int(compute_cpus), _as_int(percent)
    if cpus is None or share is None:
        return None
    return max(1, cpus * share // 100)


def sand_burst_caps(share_cpus, reserve_percent, user_percent, notebook_cpus=0):
    """(group, user, reserve): the CPUs that burst jobs as a whole may hold in
    the sand partition (GrpTRES of the QOS `burst`), the CPUs one user's
    burst jobs may hold (MaxTRESPerUser), and the CPUs of the share that
    burst work leaves to notebooks, from the share's CPUs, the two
    percentages and the CPUs of the largest notebook of the sand partition
    (notebook_cpus, 0 when none is known). The reserve is `reserve_percent`
    of the share rounded down, at least 1 CPU and at least the largest
    notebook, but never the whole share (burst keeps at least 1 CPU);
    0 % reserves nothing;
    the per-user cap is `user_percent` of the share rounded down, at least
    1 CPU, at most the group cap. None if the input is bad."""
    share, reserve, user = _as_int(share_cpus), _as_int(reserve_percent), _as_int(user_percent)
    notebook = _as_int(notebook_cpus)
    if share is None or reserve is None or user is None or notebook is None or share < 1:
        return None
    kept = min(max(1, share * reserve // 100, notebook), share - 1) if reserve else 0
    group = share - kept
    return group, min(group, max(1, share * user // 100)), kept


def _share_of(qos_attrs, fallback):
    """The CPUs the sand partition's QOS caps it at (its GrpTRES cpu, the
    site's or derived), else `fallback` (the share of the compute CPUs)."""
    key = key_in(qos_attrs or {}, "GrpTRES")
    if key is None or qos_attrs[key] is None:
        return fallback
    try:
        return parse_tres(qos_attrs[key]).get("cpu", fallback)
    except SlurmValueError:
        return None  # validation reports it


# The burst caps' percentages: (variable, policy key, lowest, highest, what).
BURST_PERCENTS = (
    (NOTEBOOK_RESERVE, "notebook_reserve_percent", 0, 99,
     "percent of the sand share that burst jobs as a whole leave to notebooks"),
    (BURST_USER, "burst_user_percent", 1, 100,
     "percent of the sand share one user's burst jobs may hold at once"),
)


def _over_partition(attrs):
    """Whether a QOS has the flag OverPartQOS (its limits before the partition QOS's)."""
    key = key_in(attrs, "Flags")
    try:
        return key is not None and "OverPartQOS" in parse_qos_flags(attrs[key])
    except SlurmValueError:
        return False  # validation reports it


def _burst_percents(policy, errors):
    """The two percentages of sand_burst_caps, or None after reporting
    one out of its range."""
    values = []
    for variable, key, low, high, what in BURST_PERCENTS:
        raw = policy.get(key)
        number = _as_int(raw)
        if number is None or not low <= number <= high:
            errors.append(f"{variable} must be a whole number from {low} to {high} ({what}); it is {raw!r}.")
            return None
        values.append(number)
    return values


def _notebook_cpus(policy, partition, errors):
    """The CPUs of the largest notebook of `partition` outside the QOS burst,
    from notebook_cpus ({partition: CPUs}, slurm_notebook_cpus); 0 when none
    is known, None after reporting a bad value."""
    cpus = policy.get("notebook_cpus")
    if cpus is None:
        return 0
    number = _as_int(cpus.get(partition, 0)) if isinstance(cpus, dict) else None
    if number is None or number < 0:
        errors.append(f"{NOTEBOOK_CPUS} must be a dict of partition names and whole numbers of CPUs from 0 up"
                      f" (the largest notebook profile of each partition, outside the QOS {BURST_QOS}); it is"
                      f" {cpus!r}.")
        return None
    return number


def _site_group_cpus(burst):
    """The cpu of the GrpTRES the site set on the QOS burst when it binds
    burst jobs in the sand partition (the flag OverPartQOS), else None."""
    key = key_in(burst, "GrpTRES")
    if key is None or burst[key] is None or not _over_partition(burst):
        return None
    try:
        return parse_tres(burst[key]).get("cpu")
    except SlurmValueError:
        return None  # validation reports it


def _derive_burst_caps(sand, qos, cpus, policy, errors):
    """GrpTRES and MaxTRESPerUser (cpu) of the QOS `burst` from the sand
    share, each unless the site mentions it. Returns how they were found:
    {qos, share_cpus, reserve_cpus, group_cpus, user_cpus, derived: [the
    attributes the role wrote], reserve_percent, user_percent,
    notebook_cpus (the sand partition's largest notebook, which the reserve
    holds), site_group_cpus (the cpu of a GrpTRES the site set there, when
    it binds; else None)}, or None when there is no sand partition, no QOS
    `burst` or the nodes' sizes are not known yet."""
    percents = _burst_percents(policy, errors)
    notebook = _notebook_cpus(policy, sand[0] if sand else None, errors)
    burst = _first(qos, BURST_QOS)
    # Only once the nodes' sizes are known: before, the share is a placeholder.
    known = _compute_cpus(policy.get("nodes")) is not None
    if sand is None or burst is None or cpus is None or percents is None or notebook is None or not known:
        return None
    qos_key = key_in(sand[1], "QOS")
    partition_qos = _first(qos, sand[1][qos_key]) if qos_key and sand[1][qos_key] is not None else None
    share = _share_of(partition_qos, cpus)
    reserve, user = percents
    site_group = _site_group_cpus(burst)
    caps = sand_burst_caps(share, reserve, user, notebook)
    if caps is None:
        return None
    group, per_user, kept = caps
    derived = []
    # Slurm takes a limit from the partition QOS before the job QOS unless
    # the job QOS has OverPartQOS: without it a GrpTRES cpu here would never
    # bind. A share of 1 CPU leaves nothing to reserve.
    reserves = kept > 0 and _over_partition(burst)
    for attribute, count in (("GrpTRES", group), ("MaxTRESPerUser", per_user)):
        if attribute == "GrpTRES" and not reserves:
            continue
        if key_in(burst, attribute) is None:
            burst[attribute] = f"cpu={count}"
            derived.append(attribute)
    return {"qos": BURST_QOS, "share_cpus": share, "reserve_cpus": kept, "group_cpus": group,
            "user_cpus": per_user, "derived": derived, "reserve_percent": reserve, "user_percent": user,
            "notebook_cpus": notebook, "site_group_cpus": site_group}


def _sand_partition(partitions, overlay=False):
    """(name, attributes) of the partition short work goes to: the one whose
    PriorityTier is above every other partition's (`short` in the preset,
    whatever a site calls it); None with fewer than two partitions or no
    single highest tier.

    In overlay mode the others are the site's partitions, which the bundle
    does not write: the bundle's partition with the highest tier is sand,
    also when it is the only one, and one that sets no PriorityTier is placed
    above the site's when the fragment is written (slurm_overlay.py)."""
    tiers = []
    for name, attrs in partitions:
        key = key_in(attrs, "PriorityTier")
        if overlay and (key is None or attrs[key] is None):
            tier = float("inf")
        else:
            tier = _as_int(attrs[key]) if key and attrs[key] is not None else DEFAULT_PRIORITY_TIER
        if tier is None:
            return None  # not a number: validation reports it
        tiers.append((tier, name, attrs))
    tiers.sort(key=lambda t: t[0], reverse=True)
    if not tiers or (len(tiers) < 2 and not overlay) or (len(tiers) > 1 and tiers[0][0] == tiers[1][0]):
        return None
    return tiers[0][1], tiers[0][2]


def _derive_short_share(sand, qos, cpus, percent, errors, variable=None):
    """GrpTRES of the partition QOS of the sand partition (`sand`, the
    (name, attributes) of _sand_partition), unless the site mentions it. A share below 100 % with no
    partition QOS to carry it is an error, not a silent no-op, naming `variable` (the
    inventory's name of the share, SAND_SHARE unless it still uses the old one)."""
    variable = variable or SAND_SHARE
    if sand is None or cpus is None:
        return False
    partition, attrs = sand
    qos_key = key_in(attrs, "QOS")
    name = attrs.get(qos_key) if qos_key else None
    if name is None:
        if _as_int(percent) != 100:
            errors.append(
                f"{variable} ({percent}) caps the partition with the highest "
                f"PriorityTier, '{partition}', through its partition QOS, but '{partition}' "
                f"has none: give it `QOS: {partition}` in slurm_partitions and a QOS "
                f"'{partition}' in slurm_qos (the role derives its GrpTRES), or set "
                f"{variable}: 100 for no cap.")
        return False
    target = _first(qos, name)
    if target is not None and key_in(target, "GrpTRES") is None:
        target["GrpTRES"] = f"cpu={cpus}"
        return True
    return False


def _compute_cpus(nodes):
    """CPUs of all compute nodes; None while a node's size is unknown (0 or
    missing, as in the first play without slurm_node_config)."""
    counts = [_as_int(node.get("CPUs")) if isinstance(node, Mapping) else None for node in nodes or []]
    if not counts or any(not count or count < 0 for count in counts):
        return None
    return sum(counts)


def _derive_preempt(qos, requeue, errors):
    """Preempt of the QOS above `scavenger` and PreemptMode of `scavenger`,
    where the site does not set them. Outside the requeue mode Preempt is set
    empty, so that leaving that mode clears what it set."""
    scavenger = _first(qos, SCAVENGER_QOS)
    if scavenger is None:
        if requeue:
            errors.append(
                f"slurm_sand_mode is requeue, but slurm_qos has no QOS "
                f"'{SCAVENGER_QOS}', the QOS whose jobs it lets the others requeue: keep the "
                f"preset's (or add one of that name), or choose another slurm_sand_mode.")
        return
    floor = _as_int(scavenger.get(key_in(scavenger, "Priority") or "Priority", 0))
    for name, attrs in qos:
        if str(name) == SCAVENGER_QOS or floor is None:
            continue
        priority = _as_int(attrs.get(key_in(attrs, "Priority") or "Priority", 0))
        if priority is not None and priority > floor and key_in(attrs, "Preempt") is None:
            attrs["Preempt"] = SCAVENGER_QOS if requeue else ""
    if key_in(scavenger, "PreemptMode") is None:
        scavenger["PreemptMode"] = "requeue" if requeue else "cluster"


def _memory_per_cpu(nodes):
    """MiB of memory per CPU of the leanest compute node, and MiB of the
    smallest node; (None, None) while a node's size is unknown (0 or missing,
    as in the first play without slurm_node_config)."""
    per_cpu, smallest = [], []
    for node in nodes or []:
        cpus = _as_int(node.get("CPUs")) if isinstance(node, Mapping) else None
        memory = _as_int(node.get("RealMemory")) if isinstance(node, Mapping) else None
        if not cpus or not memory or cpus <= 0 or memory <= 0:
            return None, None
        per_cpu.append(memory // cpus)
        smallest.append(memory)
    if not per_cpu:
        return None, None
    return min(per_cpu), min(smallest)


def _set_default(attrs, key, value, *alternatives):
    """attrs[key] = value unless the site set key or one of `alternatives`."""
    if all(key_in(attrs, k) is None for k in (key, *alternatives)):
        attrs[key] = value


class _SandMode:
    """The keys a sand mode derives: slurm.conf keys (`config`), keys of the
    partitions, and the memory a sand job finds free on a full node."""

    def __init__(self, policy, partitions, sand, errors):
        self.mode = policy.get("sand_mode")
        self.partitions = partitions
        self.errors = errors
        # Overlay mode: the site's Slurm as slurm_site_info read it (None
        # before it is read), and what does not fit it.
        self.site = policy.get("site") if policy.get("mode") == "overlay" else None
        self.node_names = list(policy.get("node_names") or [])
        self.node_name_of = dict(policy.get("node_name_of") or {})
        self.overlay_errors = []
        self.site_config = policy.get("config") or {}
        # The site's SelectTypeParameters in any letter case, else the preset's.
        key = key_in(self.site_config, "SelectTypeParameters")
        self.select = str((self.site_config[key] if key else policy.get("select_type_parameters")) or "")
        self.raw_percent = policy.get("sand_memory_percent")
        self.percent = _as_int(self.raw_percent)
        self.per_cpu, self.smallest = _memory_per_cpu(policy.get("nodes"))
        self.config = {}
        self.sand_memory_mb = None
        self.sand = sand
        self.sand_partition = str(sand[0]) if sand else None

    def derive(self):
        if self.mode not in SAND_MODES:
            self.errors.append(
                f"slurm_sand_mode must be one of {', '.join(SAND_MODES)}, not "
                f"{self.mode!r} (docs/sand-policy.md compares them).")
            return
        if self.percent is None or not 1 <= self.percent <= 90:
            self.errors.append(
                f"slurm_sand_memory_percent must be a whole number from 1 to 90 (percent "
                f"of each compute node's memory that jobs of the lower partitions leave "
                f"free for sand in suspend mode); it is {self.raw_percent!r}.")
            self.percent = None
        for key in ("PreemptType", "PreemptMode"):
            if key_in(self.site_config, key) is not None:
                self.errors.append(
                    f"slurm_config sets {key}, which slurm_sand_mode sets "
                    f"({self.mode}: {key}={SAND_MODES[self.mode][key]}); remove "
                    f"{key} from slurm_config and choose the mode with slurm_sand_mode.")
        self.config.update(SAND_MODES[self.mode])
        if self.per_cpu is not None and key_in(self.site_config, "DefMemPerNode") is None:
            self.config["DefMemPerCPU"] = self.per_cpu
        if self.mode == "suspend":
            self._suspend()

    def _sand_nodes(self, attrs):
        """The Slurm names of the sand partition's nodes (ALL: every node of
        the site's); [] when its nodes are bad (the overlay plan reports them)."""
        try:
            nodes = partition_nodes(attrs, self.node_names, self.node_name_of)
        except SlurmConfLineError:
            return []
        if any(is_all_nodes(n) for n in nodes):
            return sorted(self.site.get("node_records") or {})
        return nodes

    def _beside_the_site(self, sand_name, sand_attrs, sand_mb):
        """Overlay mode: the sand partition's DefMemPerCPU (`sand_mb`, from
        slurm_sand_memory_percent) kept within the memory a sand job finds
        free beside the site's jobs on each of its nodes, which is then
        sand_memory_mb (the smallest). None, and an overlay error, where a
        node has none free and the inventory sets no memory default of the
        sand partition (one it sets is written as given)."""
        previous = ((self.site.get("fragment") or {}).get("partitions") or {})
        bundle = [name for name, _attrs in self.partitions] + list(previous)
        nodes = free_beside_site(self.site, self._sand_nodes(sand_attrs), bundle)
        if not nodes:
            return sand_mb
        least = min(each["free"] for each in nodes)
        self.sand_memory_mb = max(least, 0)
        tight = [each for each in nodes if each["free"] < 1]
        if not tight:
            return min(sand_mb, least)
        if all(key_in(sand_attrs, k) is None for k in ("DefMemPerCPU", "DefMemPerNode")):
            self.overlay_errors.append(_no_room_message(sand_name, tight))
        return None

    def _oversubscribe(self, name, attrs, sand_name):
        """OverSubscribe=FORCE:1 on every partition, the sand partition's
        included: the jobs of lower partitions so that sand can suspend them,
        the sand partition's so that long jobs still start beside it (Slurm
        keeps a node that runs a job which may not share away from jobs that
        may). One job per CPU all the same: nothing is time-sliced."""
        key = key_in(attrs, "OverSubscribe")
        if key is None:
            attrs["OverSubscribe"] = SUSPENDABLE_OVERSUBSCRIBE
            return
        if str(attrs[key]).upper().startswith("FORCE"):
            return
        if str(name) == str(sand_name):
            why = (f"no long job could start on a node while a job of the sand partition "
                   f"'{sand_name}' runs there (Slurm keeps such a node away from jobs that share)")
        else:
            why = (f"the sand partition '{sand_name}' can suspend only jobs of partitions "
                   f"with OverSubscribe=FORCE")
        self.errors.append(
            f"slurm_partitions.{name}: OverSubscribe={attrs[key]}, but in slurm_sand_mode "
            f"suspend {why}; remove the key (the role sets {SUSPENDABLE_OVERSUBSCRIBE}) or "
            f"choose slurm_sand_mode: tiers.")

    def _suspend(self):
        if "memory" not in self.select.lower() and self.sand is not None:
            self.errors.append(
                f"slurm_sand_mode suspend needs memory tracked by the scheduler "
                f"(SelectTypeParameters with _Memory, e.g. CR_Core_Memory; it is "
                f"'{self.select}'): a suspended job keeps its memory, and without "
                f"tracking sand would start on nodes whose memory is full. Set "
                f"slurm_config.SelectTypeParameters: CR_Core_Memory, or choose "
                f"slurm_sand_mode: tiers.")
        if self.sand is None:
            # No partition above the others (one partition, or a site that
            # gives them all one tier): nothing is sand, so nothing suspends;
            # Slurm is told so instead of running an idle preemption plugin.
            self.config.update(SAND_MODES["tiers"])
            return
        sand_name, sand_attrs = self.sand
        rock_mb = sand_mb = None
        if self.per_cpu is not None and self.percent is not None:
            rock_mb = max(1, self.per_cpu * (100 - self.percent) // 100)
            sand_mb = max(1, self.per_cpu * self.percent // 100)
            self.sand_memory_mb = self.smallest * self.percent // 100
            if isinstance(self.site, Mapping):
                sand_mb = self._beside_the_site(sand_name, sand_attrs, sand_mb)
            if sand_mb is not None:
                _set_default(sand_attrs, "DefMemPerCPU", sand_mb, "DefMemPerNode")
        for name, attrs in self.partitions:
            self._oversubscribe(name, attrs, sand_name)
            if str(name) == str(sand_name):
                continue
            if rock_mb is not None:
                _set_default(attrs, "MaxMemPerCPU", rock_mb, "MaxMemPerNode")
                _set_default(attrs, "DefMemPerCPU", rock_mb, "DefMemPerNode")


def _no_room_message(sand_name, tight):
    """Why the sand partition gets no DefMemPerCPU: the nodes (`tight`, of
    free_beside_site) where the site's jobs leave a sand job no memory,
    with the site's partitions there whose jobs leave none."""
    groups, crowding = {}, []
    for each in tight:
        held = []
        for part in each["partitions"]:
            if part["free"] >= 1:
                continue
            crowding += [part["name"]] if part["name"] not in crowding else []
            held.append(f"{part['name']} (the whole node to a job without --mem: {part['keys']})"
                        if part["per_cpu"] is None else
                        f"{part['name']} (up to {part['per_cpu']} MiB per CPU: {part['keys']})")
        key = (each["cpus"], each["memory"], f" in the site's partitions {', '.join(held)}" if held else "")
        groups.setdefault(key, []).append(each["node"])
    where = [f"{hostlist_collect(names)} ({cpus} CPUs, {memory} MiB for jobs: RealMemory less MemSpecLimit){held}"
             for (cpus, memory, held), names in groups.items()]
    return (
        f"slurm_partitions.{sand_name}: a job of the sand partition {sand_name} that names no memory would find "
        f"none free on a node that the site's jobs fill (a suspended job keeps its memory): {'; and '.join(where)}. "
        f"The bundle does not write a DefMemPerCPU that cannot fit. Give the site's partitions "
        f"{', '.join(crowding) or '(none)'} a DefMemPerCPU in the site's slurm.conf that leaves memory free, or "
        f"set slurm_partitions.{sand_name}.DefMemPerCPU in the inventory (written as given).")


def _bf_window(partitions):
    """Minutes backfill plans ahead: the longest finite partition MaxTime,
    within BF_WINDOW_MIN..BF_WINDOW_MAX. Bad times are left to validation."""
    longest = BF_WINDOW_MIN
    for _name, attrs in partitions:
        key = key_in(attrs, "MaxTime")
        if key is None or attrs[key] is None:
            continue
        try:
            minutes = time_minutes(attrs[key])
        except SlurmValueError:
            continue
        if minutes is not None:
            longest = max(longest, minutes)
    return min(longest, BF_WINDOW_MAX)


def slurm_policy(policy):
    """The effective partitions and QOS of a site, and bf_window.

    `policy` is a dict with partitions_preset, partitions, qos_preset, qos
    (the role's variables of those names), short_share_percent (and
    share_variable, the inventory's name of it for messages), compute_cpus
    (CPUs of all compute nodes), sand_mode, sand_memory_percent, nodes
    (CPUs and RealMemory of every compute node), config (the site's
    slurm_config) and select_type_parameters (the preset's, used when
    config has none), mode (slurm_mode: in overlay the partitions are
    only the bundle's own), notebook_reserve_percent, burst_user_percent
    and notebook_cpus ({partition: CPUs of its largest notebook outside the
    QOS burst}; the caps of the QOS `burst`, sand_burst_caps). In overlay mode also site (the site's Slurm as
    hpc.datasci.slurm_site_info returns it, None while not read),
    node_names (the Slurm names of the compute nodes) and node_name_of
    ({inventory host: Slurm name}), which place the sand partition. Returns a
    dict with `partitions` and `qos` (lists of dicts with `name`, in preset
    order then the site's additions in their order), `config` (the slurm.conf
    keys the sand mode derives), `bf_window` (minutes), `short_share_cpus`,
    `sand_partition` (the name of the partition with the highest tier, or None),
    `sand_share` (how its cap was found: derived (the role wrote its
    GrpTRES cpu from the share), percent, variable, compute_cpus (None while
    the nodes' sizes are unknown), burst (how the caps of the QOS `burst`
    were found, _derive_burst_caps; None when not derived)),
    `sand_memory_mb` (memory a sand job finds free on the smallest node when
    the lower partitions fill it, in suspend mode; else None; in overlay
    mode what the site's jobs leave free), `errors` (mistakes found on the
    way, for validation) and `overlay_errors` (what does not fit the site's
    Slurm, for overlay mode's checks).
    """
    if not isinstance(policy, Mapping):
        raise AnsibleFilterError(
            f"slurm_policy expects a dict of the slurm role's inputs, not "
            f"{type_name(policy)}")
    errors = []
    effective = {}
    for var, field in (("slurm_partitions", "partitions"), ("slurm_qos", "qos")):
        merger = _Merger(var, errors)
        preset = merger.preset(policy.get(f"{field}_preset"))
        effective[field] = merger.site(preset, policy.get(field))
    partitions, qos = effective["partitions"], effective["qos"]
    cpus = slurm_short_share_cpus(policy.get("compute_cpus"),
                                  policy.get("short_share_percent"))
    # The sand partition, found once: the short share and the sand mode both
    # derive keys of it.
    sand_partition = _sand_partition(partitions, overlay=policy.get("mode") == "overlay")
    derived = _derive_short_share(sand_partition, qos, cpus, policy.get("short_share_percent"), errors,
                                  policy.get("share_variable"))
    # How the sand partition's cap was found, for the checks that the
    # gateway's and the hub's jobs fit it (module_utils/slurm_sand_fit.py).
    sand_share = {
        "partition": str(sand_partition[0]) if sand_partition else None,
        "derived": derived, "cpus": cpus, "percent": policy.get("short_share_percent"),
        "compute_cpus": _compute_cpus(policy.get("nodes")),
        "variable": policy.get("share_variable") or SAND_SHARE,
        "burst": _derive_burst_caps(sand_partition, qos, cpus, policy, errors),
    }
    _derive_preempt(qos, policy.get("sand_mode") == "requeue", errors)
    sand = _SandMode(policy, partitions, sand_partition, errors)
    sand.derive()
    return {
        "partitions": _listed(partitions),
        "qos": _listed(qos),
        "config": sand.config,
        "sand_memory_mb": sand.sand_memory_mb,
        "sand_partition": sand.sand_partition,
        "bf_window": _bf_window(partitions),
        "short_share_cpus": cpus,
        "sand_share": sand_share,
        "errors": errors,
        "overlay_errors": sand.overlay_errors,
    }


def sand_memory_problem(what, memory_mb, partition, policy):
    """Why a job of ``memory_mb`` MiB in ``partition`` cannot start on a
    machine full of long jobs (a sentence starting with ``what``), or None.
    ``policy`` is the slurm role's policy: in suspend mode, `sand_partition`
    and `sand_memory_mb` (the memory the lower partitions leave free on the
    smallest node; None while node sizes are unknown)."""
    free = policy.get('sand_memory_mb')
    if policy.get('sand_mode') != 'suspend' or free in (None, '') or partition != policy.get('sand_partition'):
        return None
    if memory_mb <= int(free):
        return None
    return ('%s asks %s of memory, but while long jobs fill a node sand finds only %s free on the smallest '
            'compute node (slurm_sand_memory_percent %s): on a full machine it would never start; ask less '
            'memory or raise slurm_sand_memory_percent'
            % (what, format_memory_mb(memory_mb), format_memory_mb(int(free)), policy.get('sand_memory_percent')))


def slurm_qos_unlisted(records, qos):
    """The QOS of `sacctmgr show qos` (`records`: dicts with Name) that the
    role's effective QOS (`qos`: dicts with a name) do not list, but never
    `normal` (Slurm's default QOS): those slurm_qos_purge deletes in
    managed mode."""
    keep = {str(q.get("name")) for q in qos or []} | {"normal"}
    return [str(r["Name"]) for r in records or [] if r.get("Name") is not None and str(r["Name"]) not in keep]


def slurm_renamed_variables(given):
    """The values of the slurm role's renamed variables, and a warning for
    each old name the inventory still uses.

    `given` maps each new name of RENAMED to its value (the role's default
    unless the inventory sets it) and each old name to the inventory's value
    or None when unset. An old name that is set wins: the site wrote it, the
    new name only has its default. Returns {"effective": {new name: value},
    "source": {new name: the name the value came from}, "warnings": [...]}.
    """
    if not isinstance(given, Mapping):
        raise AnsibleFilterError(
            f"slurm_renamed_variables expects a dict of the role's variables, not {type_name(given)}")
    result = {"effective": {}, "source": {}, "warnings": []}
    for old, (new, why) in RENAMED.items():
        if given.get(old) is not None:
            result["effective"][new], result["source"][new] = given[old], old
            result["warnings"].append(
                f"{old} is deprecated and will be removed in the next release: it is now {new} "
                f"({why}). This run uses {old}: {given[old]}; rename it to {new} in the inventory.")
        else:
            result["effective"][new], result["source"][new] = given.get(new), new
    return result


class FilterModule:
    """The effective Slurm policy of a site."""

    def filters(self):
        return {
            "slurm_policy": slurm_policy,
            "slurm_qos_unlisted": slurm_qos_unlisted,
            "slurm_renamed_variables": slurm_renamed_variables,
            "slurm_short_share_cpus": slurm_short_share_cpus,
        }
