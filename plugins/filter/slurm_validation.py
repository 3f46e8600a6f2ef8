# -*- coding: utf-8 -*-
"""Checks of a site's Slurm settings, run on the control machine before any
host is changed (playbooks/validate.yml -> roles/slurm/tasks/validate.yml).

`slurm_site_errors(site)` returns every problem at once, as sentences that
name the inventory variable, the item and the fix. An empty list means the
settings are usable.

`slurm_time_minutes(value)` parses a Slurm time limit to minutes.

Every key list and value format comes from module_utils/slurm_vocab.py, the
bundle's one Slurm vocabulary (cgroup.conf's keys and what changed between
Slurm releases from module_utils/slurm_releases.py), which the slurm_sacctmgr module reads too: a
QOS value these checks accept is one the module accepts. Slurm itself matches
keys without regard to case, and so do these checks; two spellings of one key
in the same dict are reported, since only one of them would take effect.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.hpc.datasci.plugins.filter.slurm_conf import slurm_conf_value as _conf_str
from ansible_collections.hpc.datasci.plugins.filter.slurm_overlay import handed_key_errors
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_releases import CGROUP_CONF_KEYS, CGROUP_CONF_RETIRED
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_vocab import (
    ATTRIBUTES,
    CLEAR_WORDS,
    FLAGS,
    FLOAT,
    INT,
    PARTITION_BOOLEAN_KEYS,
    PARTITION_DEPRECATED,
    PARTITION_KEYS,
    PARTITION_RESERVED,
    PARTITION_STATES,
    PREEMPT_MODE,
    QOS,
    QOS_FLAGS,
    QOS_REPLACED,
    SECONDS_TIME_FORMATS,
    SLURM_CONF_KEYS,
    SLURM_CONF_REJECTED,
    TIME_FORMATS,
    TIME_KINDS,
    TRES,
    WALL,
    SlurmValueError,
    allowed_attributes,
    closest_name,
    entity_aliases,
    parse_count,
    parse_factor,
    parse_preempt_mode,
    parse_time,
    parse_tres,
    qos_flag,
    split_names,
    time_minutes,
)

try:
    import hostlist
except ImportError:  # pragma: no cover - reported when a check needs it
    hostlist = None


# --- Vocabulary ------------------------------------------------------------------

# The QOS attributes are those the slurm_sacctmgr module manages: the rows of
# slurm_vocab.ATTRIBUTES that a QOS takes.
QOS_KEYS = tuple(allowed_attributes(QOS))
# Other spellings of them, and attributes older Slurm releases had: the
# inventory gives each attribute one spelling, so that the role's comparison
# with the database stays simple.
QOS_ALIASES = dict(entity_aliases(QOS), **QOS_REPLACED)

# Keys of an item of slurm_accounts (the role's own keys, not sacctmgr's).
ACCOUNT_KEYS = ("name", "users", "qos", "default_qos", "description",
                "organization", "parent")

SITE_GROUPS = ("slurm_controller", "slurm_dbd", "slurm_compute", "login")

CLUSTER_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
PARTITION_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
# QOS and account names: sacctmgr folds them to lowercase.
ENTITY_NAME_RE = re.compile(r"^[a-z0-9_][a-z0-9_.-]*$")
USER_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$")

# Slurm's defaults where the setting is absent.
BF_WINDOW_DEFAULT = 1440
BF_WINDOW_MAX = 43200


# --- Time limits ----------------------------------------------------------------

def slurm_time_minutes(value):
    """Minutes of a Slurm time limit (e.g. "2-00:00:00" -> 2880).

    Accepts minutes (an integer or "90"), MM:SS, HH:MM:SS, D-HH, D-HH:MM and
    D-HH:MM:SS. INFINITE, UNLIMITED and -1 (no limit) return None. Anything
    else raises AnsibleFilterError naming the accepted formats. The parsing
    is slurm_vocab.time_minutes, the one the sacctmgr module uses.
    """
    try:
        return time_minutes(value)
    except SlurmValueError as err:
        raise AnsibleFilterError(
            f"slurm_time_minutes: {value!r} is not a Slurm time ({err}); "
            f"use {TIME_FORMATS}") from None


# --- Helpers ---------------------------------------------------------------------

def type_name(value):
    """How a message names the YAML type of `value` ("a string", "null")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a dict"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, (int, float)):
        return "a number"
    return f"a {type(value).__name__}"


def _show(names, limit=6):
    names = list(names)
    shown = ", ".join(names[:limit])
    if len(names) > limit:
        shown += f" and {len(names) - limit} more"
    return shown


def _label(var, index, item):
    name = item.get("name") if isinstance(item, Mapping) else None
    if isinstance(name, str) and name.strip():
        return f"{var}[{index}] ({name})"
    return f"{var}[{index}]"


def _as_int(value):
    """An int from an int or a string of digits, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


class _Keys:
    """Resolves keys of one dict against a vocabulary, ignoring case."""

    def __init__(self, vocabulary):
        self.vocabulary = tuple(vocabulary)
        self.by_lower = {k.lower(): k for k in self.vocabulary}

    def canonical(self, key):
        return self.by_lower.get(str(key).lower())

    def view(self, data):
        """{canonical key: value} of the known keys of `data`."""
        out = {}
        for key, value in data.items():
            canon = self.canonical(key)
            if canon is not None:
                out[canon] = value
        return out

    def duplicates(self, data):
        """Groups of keys of `data` that are spellings of one key."""
        seen = {}
        for key in data:
            seen.setdefault(str(key).lower(), []).append(str(key))
        return [keys for keys in seen.values() if len(keys) > 1]


_PARTITION = _Keys(PARTITION_KEYS)
_SLURM_CONF = _Keys(SLURM_CONF_KEYS)
_CGROUP_CONF = _Keys(CGROUP_CONF_KEYS)
_QOS = _Keys(QOS_KEYS)
_QOS_ALIASES_LOWER = {k.lower(): v for k, v in QOS_ALIASES.items()}


# --- The checks ---------------------------------------------------------------------

class _Checker:
    def __init__(self, site):
        self.site = site
        self.errors = []
        self.qos_names = set()      # lowercase names of slurm_qos
        self.max_times = []         # (minutes, label, text) of finite MaxTime

    def add(self, message):
        self.errors.append(message)

    # Inventory groups -------------------------------------------------------------
    def groups(self):
        groups = self.site.get("groups") or {}
        if not isinstance(groups, Mapping):
            self.add("The inventory groups could not be read (internal error: "
                     "`groups` is not a dict).")
            return
        needed = (("slurm_controller", "slurmctld"), ("slurm_dbd", "slurmdbd and its MariaDB"))
        if self.overlay:
            # The site runs its own daemons; the bundle reads the site's Slurm
            # and runs sacctmgr on the controller.
            # Every controller of the site gets the fragment; the first is
            # where the bundle reads the site's Slurm and runs sacctmgr.
            needed = (("slurm_controller", "the site's slurmctld, where the bundle reads "
                       "the site's Slurm and runs sacctmgr"),)
        for group, daemon in needed:
            hosts = list(groups.get(group) or [])
            if len(hosts) == 0:
                self.add(f"Inventory group {group} has no host; it must hold "
                         f"exactly one (it runs {daemon}). Add one host to it "
                         f"in the inventory's hosts file.")
            elif len(hosts) > 1 and not self.overlay:
                self.add(f"Inventory group {group} has {len(hosts)} hosts "
                         f"({_show(hosts)}); it must hold exactly one (it runs "
                         f"{daemon}). Keep one host in it.")
        if not list(groups.get("slurm_compute") or []):
            self.add("Inventory group slurm_compute has no host; add the "
                     "compute nodes (they run slurmd) to it in the "
                     "inventory's hosts file.")
        names = list(self.site.get("node_names") or [])
        seen = set()
        for name in names:
            if name in seen:
                self.add(f"Slurm node name '{name}' is used by more than one "
                         f"host of group slurm_compute; give each host its own "
                         f"slurm_node_name (or none, to use the host name).")
            seen.add(name)

    # Scalars ----------------------------------------------------------------------
    @property
    def overlay(self):
        return self.site.get("mode") == "overlay"

    def mode(self):
        mode = self.site.get("mode", "managed")
        if mode not in ("managed", "overlay"):
            self.add(f"slurm_mode must be managed (the bundle installs and owns Slurm) or overlay "
                     f"(the site's Slurm, with the bundle's fragment; docs/overlay.md), not {mode!r}.")
            return
        if not self.overlay:
            return
        self.errors.extend(handed_key_errors(self.site.get("overlay_keys")))
        if self.site.get("qos_purge") is True:
            self.add("slurm_qos_purge is true, but in overlay mode the QOS the inventory does not "
                     "list are the site's: set slurm_qos_purge: false (the bundle removes only QOS "
                     "of its own that the inventory no longer lists).")

    def cluster_name(self):
        name = self.site.get("cluster_name")
        if self.overlay and name in (None, ""):
            return  # the site's ClusterName, read from the running slurmctld
        rule = ("lowercase letters, digits and '_', starting with a letter, "
                "at most 40 characters")
        if not isinstance(name, str) or not name.strip():
            self.add(f"slurm_cluster_name is not set; set it in the "
                     f"inventory's group_vars ({rule}), e.g. "
                     f"slurm_cluster_name: mycluster.")
        elif not CLUSTER_NAME_RE.match(name):
            self.add(f"slurm_cluster_name '{name}' is not a valid cluster "
                     f"name; use {rule} (slurmdbd folds cluster names to "
                     f"lowercase).")

    def booleans(self):
        for var, key in (("slurm_qos_purge", "qos_purge"),):
            value = self.site.get(key)
            if isinstance(value, bool):
                continue
            if isinstance(value, str):
                bare = value.strip().lower()
                hint = ("true" if bare in ("true", "yes", "on", "1")
                        else "false")
                self.add(f"{var} is the string '{value}', not a boolean: "
                         f"write {var}: {hint} without quotes (on the command "
                         f"line: -e '{{\"{var}\": {hint}}}').")
            else:
                self.add(f"{var} must be true or false, not "
                         f"{type_name(value)} ({value!r}).")

    def retired(self):
        """Variables of earlier releases, with what replaced them."""
        retired = self.site.get("retired") or {}
        if retired.get("slurm_preempt_scavenger") is not None:
            self.add("slurm_preempt_scavenger was replaced by slurm_sand_mode: write "
                     "slurm_sand_mode: requeue for true (scavenger jobs requeued), or keep "
                     "the default slurm_sand_mode: suspend (nothing lost) for false; "
                     "then drop slurm_preempt_scavenger.")

    def short_share(self):
        value = self.site.get("short_share_percent")
        number = _as_int(value)
        if number is None or not 1 <= number <= 100:
            self.add(f"{self.site.get('share_variable') or 'slurm_sand_share_percent'} must be a whole number from "
                     f"1 to 100 (percent of the compute CPUs that jobs of "
                     f"partition QOS `short` may hold at once); it is "
                     f"{value!r}.")

    # Shared by partitions, QOS and accounts ----------------------------------------------
    def _list_of_dicts(self, var, items, what):
        if items is None:
            items = []
        if not isinstance(items, (list, tuple)):
            self.add(f"{var} must be a list of {what} (dicts with a `name`), "
                     f"not {type_name(items)}.")
            return []
        good = []
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                self.add(f"{var}[{index}] must be a dict with at least "
                         f"`name`, not {type_name(item)} ({item!r}).")
                continue
            good.append((index, item))
        return good

    def _names_unique(self, var, items, what, regex, rule, fold=False):
        """Checks `name` of each item; returns [(index, item, label, name)]."""
        first = {}
        out = []
        for index, item in items:
            label = _label(var, index, item)
            name = item.get("name")
            if not isinstance(name, (str, int)) or isinstance(name, bool) \
                    or not str(name).strip():
                self.add(f"{label}: `name` is missing or empty; give every "
                         f"{what} a name.")
                continue
            name = str(name)
            if not regex.match(name):
                self.add(f"{label}: name '{name}' is not a valid {what} name; "
                         f"{rule}.")
            key = name.lower() if fold else name
            if key in first:
                self.add(f"{label}: {what} '{name}' is defined twice (also "
                         f"{var}[{first[key]}]); {what} names must be "
                         f"unique.")
            else:
                first[key] = index
            out.append((index, item, label, name))
        return out

    def _key_errors(self, label, key, keys, reserved, deprecated, spelled_as):
        """Reports an unknown key; True if it was reported."""
        if keys.canonical(key) is not None:
            return False
        for table, verb in ((reserved, "is not allowed"),
                            (deprecated, "is not accepted")):
            for bad, why in table.items():
                if bad.lower() == str(key).lower():
                    self.add(f"{label}: key '{key}' {verb}; {why}.")
                    return True
        guess = closest_name(str(key), keys.vocabulary)
        hint = f"; did you mean '{guess}'?" if guess else "."
        self.add(f"{label}: unknown key '{key}'{hint} {spelled_as}")
        return True

    def _value_shape(self, label, key, value):
        """Values are scalars or lists of scalars (written comma-separated)."""
        if value is None:
            self.add(f"{label}: {key} is empty (null); give it a value or "
                     f"remove the key.")
            return False
        if isinstance(value, Mapping):
            self.add(f"{label}: {key} must be a single value (a string or "
                     f"number), not {type_name(value)}.")
            return False
        if isinstance(value, (list, tuple)) and any(
                isinstance(v, (Mapping, list, tuple)) or v is None for v in value):
            self.add(f"{label}: {key} must be a string, a number or a list of "
                     f"them; write it as slurm.conf spells it.")
            return False
        return True

    def _time(self, label, key, value, bare_unit=60):
        """Minutes of a time setting (None = unlimited); False if bad."""
        try:
            if bare_unit != 60:
                return parse_time(value, bare_unit)
            return time_minutes(value)
        except SlurmValueError as err:
            formats = TIME_FORMATS if bare_unit == 60 else SECONDS_TIME_FORMATS
            self.add(f"{label}: {key} {value!r} is not a time Slurm accepts "
                     f"({err}); use {formats}, e.g. '2-00:00:00' for two "
                     f"days or '30:00' for 30 minutes.")
            return False

    def _qos_ref(self, label, key, name, allow_all=False):
        if allow_all and name.upper() == "ALL":
            return
        # In overlay mode a QOS the bundle does not define may be the site's:
        # checked against the site's accounting before any change.
        if name.lower() not in self.qos_names and not self.overlay:
            defined = ", ".join(sorted(self.qos_names)) or "none"
            self.add(f"{label}: {key} names QOS '{name}', which slurm_qos "
                     f"does not define (defined: {defined}). Add it to "
                     f"slurm_qos or correct the name.")

    # QOS ---------------------------------------------------------------------------------
    def qos(self):
        items = self._list_of_dicts("slurm_qos", self.site.get("qos"), "QOS")
        named = self._names_unique(
            "slurm_qos", items, "QOS", ENTITY_NAME_RE,
            "use lowercase letters, digits, '_', '-' or '.' (Slurm stores QOS "
            "names in lowercase)", fold=True)
        self.qos_names = {name.lower() for _, _, _, name in named}
        spelled = ("QOS attributes are spelled as sacctmgr spells them (see "
                   "'man sacctmgr', SPECIFICATIONS FOR QOS).")
        for _index, item, label, name in named:
            for dup in _QOS.duplicates(
                    {k: v for k, v in item.items() if k != "name"}):
                self.add(f"{label}: keys {', '.join(repr(k) for k in dup)} "
                         f"are one attribute; keep one spelling.")
            for key, value in item.items():
                if key == "name":
                    continue
                alias = _QOS_ALIASES_LOWER.get(str(key).lower())
                if alias is not None:
                    self.add(f"{label}: key '{key}' is an alias; write "
                             f"{alias} instead, so that each attribute has "
                             f"one spelling.")
                    continue
                if str(key).lower() == "name":
                    self.add(f"{label}: key '{key}' is not allowed; the "
                             f"QOS's name is the `name` key.")
                    continue
                if self._key_errors(label, key, _QOS, {}, {}, spelled):
                    continue
                self._value_shape(label, key, value)
            view = _QOS.view(item)
            self._qos_values(label, name, view)
            self._qos_preempt(label, name, view)

    def _qos_values(self, label, name, view):
        """Checks each value as slurm_vocab reads it for its kind."""
        for key, value in view.items():
            kind = ATTRIBUTES[key].kind
            if value is None or (value == "" and kind != WALL):
                continue
            if kind in TIME_KINDS:
                self._time(label, key, value, TIME_KINDS[kind])
            elif str(value).strip().lower() in CLEAR_WORDS:
                continue
            elif kind in (INT, FLOAT):
                self._qos_number(label, key, value, kind)
            elif kind == TRES:
                try:
                    parse_tres(value)
                except SlurmValueError as err:
                    self.add(f"{label}: {key} {value!r} is not a TRES list "
                             f"({err}); write name=count pairs such as "
                             f"'cpu=4,mem=8G,gres/gpu=1'.")
            elif kind == FLAGS:
                self._qos_flags(label, value)
            elif kind == PREEMPT_MODE:
                try:
                    parse_preempt_mode(value)
                except SlurmValueError as err:
                    self.add(f"{label}: PreemptMode {value!r} is not a "
                             f"preemption mode; {err}.")

    def _qos_number(self, label, key, value, kind):
        try:
            (parse_count if kind == INT else parse_factor)(value)
        except SlurmValueError:
            if kind == INT:
                self.add(f"{label}: {key} must be a whole number (-1 clears "
                         f"it), not {value!r}.")
            else:
                self.add(f"{label}: {key} must be a number of 0 or more, not "
                         f"{value!r}.")

    def _qos_flags(self, label, flags):
        for flag in split_names(flags):
            if qos_flag(flag) is None:
                guess = closest_name(flag, QOS_FLAGS)
                hint = f" (did you mean '{guess}'?)" if guess else ""
                self.add(f"{label}: unknown QOS flag '{flag}'{hint}; "
                         f"Flags takes a comma-separated list of "
                         f"{', '.join(QOS_FLAGS)}.")

    def _qos_preempt(self, label, name, view):
        preempt = view.get("Preempt")
        if preempt not in (None, ""):
            for other in split_names(preempt):
                bare = other.lstrip("+-=")
                if not bare:
                    continue
                if bare != other:
                    self.add(f"{label}: Preempt entry '{other}' adds or "
                             f"removes a QOS; give the complete list of QOS "
                             f"names (e.g. Preempt: {bare}), which the role "
                             f"sets as it is.")
                elif bare.lower() == name.lower():
                    self.add(f"{label}: Preempt names the QOS itself; a QOS "
                             f"cannot preempt its own jobs. Remove "
                             f"'{bare}' from Preempt.")
                else:
                    self._qos_ref(label, "Preempt", bare)

    # Partitions ---------------------------------------------------------------------------
    def partitions(self):
        raw = self.site.get("partitions")
        items = self._list_of_dicts("slurm_partitions", raw, "partitions")
        if isinstance(raw, (list, tuple)) and not raw:
            self.add("slurm_partitions is empty; define at least one "
                     "partition (the role's defaults define `batch` and "
                     "`short`).")
        named = self._names_unique(
            "slurm_partitions", items, "partition", PARTITION_NAME_RE,
            "use letters, digits, '_', '-' or '.'")
        spelled = "Keys are spelled as slurm.conf spells them."
        defaults = []
        for _index, item, label, name in named:
            if name.upper() == "DEFAULT":
                self.add(f"{label}: 'DEFAULT' is reserved by slurm.conf for "
                         f"default settings; choose another partition name.")
            for dup in _PARTITION.duplicates(
                    {k: v for k, v in item.items() if k not in ("name", "nodes")}):
                self.add(f"{label}: keys {', '.join(repr(k) for k in dup)} "
                         f"are one slurm.conf key; keep one spelling.")
            for key, value in item.items():
                if key in ("name", "nodes"):
                    continue
                if self._key_errors(label, key, _PARTITION, PARTITION_RESERVED,
                                    PARTITION_DEPRECATED, spelled):
                    continue
                self._value_shape(label, key, value)
            if "nodes" in item:
                self._partition_nodes(label, item["nodes"])
            view = _PARTITION.view(item)
            if self._partition_values(label, view):
                defaults.append(name)
        if len(defaults) > 1:
            self.add(f"slurm_partitions: {len(defaults)} partitions have "
                     f"Default: \"YES\" ({', '.join(defaults)}); Slurm has one "
                     f"default partition. Keep Default: \"YES\" on one of "
                     f"them.")

    def _partition_values(self, label, view):
        """Checks the values of one partition; True if it is the default."""
        max_time = default_time = False
        if view.get("MaxTime") is not None:
            max_time = self._time(label, "MaxTime", view["MaxTime"])
            if max_time not in (False, None):
                self.max_times.append((max_time, label, view["MaxTime"]))
        if view.get("DefaultTime") is not None:
            default_time = self._time(label, "DefaultTime", view["DefaultTime"])
        if default_time not in (False, None) and max_time not in (False, None) \
                and default_time > max_time:
            self.add(f"{label}: DefaultTime '{view['DefaultTime']}' "
                     f"({default_time} min) is longer than MaxTime "
                     f"'{view['MaxTime']}' ({max_time} min), so Slurm would "
                     f"ignore it; lower DefaultTime or raise MaxTime.")
        if default_time is None and max_time not in (False, None):
            self.add(f"{label}: DefaultTime is unlimited but MaxTime is "
                     f"'{view['MaxTime']}'; set DefaultTime to at most "
                     f"MaxTime.")
        for key in PARTITION_BOOLEAN_KEYS:
            value = view.get(key)
            if value is not None and _conf_str(value).upper() not in ("YES", "NO"):
                self.add(f"{label}: {key} must be \"YES\" or \"NO\", not "
                         f"{value!r}.")
        state = view.get("State")
        if state is not None and _conf_str(state).upper() not in PARTITION_STATES:
            self.add(f"{label}: State must be one of "
                     f"{', '.join(PARTITION_STATES)}, not {state!r}.")
        for key in ("PriorityTier", "PriorityJobFactor"):
            value = view.get(key)
            if value is None:
                continue
            number = _as_int(value)
            if number is None or not 0 <= number <= 65533:
                self.add(f"{label}: {key} must be a whole number from 0 to "
                         f"65533, not {value!r}.")
        qos = view.get("QOS")
        if qos not in (None, ""):
            names = split_names(qos)
            if len(names) != 1:
                self.add(f"{label}: QOS takes one QOS name (the partition "
                         f"QOS), not {qos!r}.")
            for name in names:
                self._qos_ref(label, "QOS", name)
        for key in ("AllowQos", "DenyQos"):
            if view.get(key) not in (None, ""):
                for name in split_names(view[key]):
                    self._qos_ref(label, key, name, allow_all=key == "AllowQos")
        for allow, deny in (("AllowQos", "DenyQos"),
                            ("AllowAccounts", "DenyAccounts")):
            if view.get(allow) not in (None, "") and view.get(deny) not in (None, ""):
                self.add(f"{label}: both {allow} and {deny} are set, and Slurm "
                         f"ignores {deny} then; keep one of them.")
        default = view.get("Default")
        return default is not None and _conf_str(default).upper() == "YES"

    def _partition_nodes(self, label, nodes):
        groups = self.site.get("groups") or {}
        compute = set(groups.get("slurm_compute") or []) if isinstance(
            groups, Mapping) else set()
        known = compute | set(self.site.get("node_names") or [])
        fix = ("use hosts of inventory group slurm_compute (or their "
               "slurm_node_name), or leave `nodes` out for every compute node")
        if isinstance(nodes, str):
            entries = [nodes] if nodes.strip() else []
        elif isinstance(nodes, (list, tuple)) and all(
                isinstance(n, str) for n in nodes):
            entries = [n for n in nodes if n.strip()]
        else:
            self.add(f"{label}: `nodes` must be a hostlist string such as "
                     f"'node[001-004]' or a list of host names, not "
                     f"{type_name(nodes)}.")
            return
        if not entries:
            self.add(f"{label}: `nodes` is empty; {fix}.")
            return
        if hostlist is None:
            raise AnsibleFilterError(
                "the python-hostlist package is missing on the control "
                "machine: install the bundle's requirements.txt into the "
                "Python that runs Ansible")
        for entry in entries:
            if entry.strip().upper() == "ALL":
                continue
            try:
                expanded = hostlist.expand_hostlist(entry.strip())
            except hostlist.BadHostlist as err:
                self.add(f"{label}: nodes entry '{entry}' is not a valid "
                         f"hostlist ({err}); write host names or ranges such "
                         f"as 'node[001-004]'.")
                continue
            unknown = [n for n in expanded if n not in known]
            if unknown:
                which = ("is" if len(unknown) == 1 else "are")
                self.add(f"{label}: nodes entry '{entry}' names "
                         f"{_show(unknown)}, which {which} not in inventory "
                         f"group slurm_compute; {fix}.")

    # Accounts ------------------------------------------------------------------------------
    def accounts(self):
        items = self._list_of_dicts("slurm_accounts", self.site.get("accounts"),
                                    "accounts")
        named = self._names_unique(
            "slurm_accounts", items, "account", ENTITY_NAME_RE,
            "use lowercase letters, digits, '_', '-' or '.' (Slurm stores "
            "account names in lowercase)", fold=True)
        seen = {"root"}
        for _index, item, label, name in named:
            if name.lower() == "root":
                self.add(f"{label}: 'root' is the top account Slurm makes "
                         f"itself; choose another name.")
            for key in item:
                if key in ACCOUNT_KEYS:
                    continue
                guess = closest_name(str(key), ACCOUNT_KEYS)
                hint = f"; did you mean '{guess}'?" if guess else "."
                self.add(f"{label}: unknown key '{key}'{hint} Account keys "
                         f"are {', '.join(ACCOUNT_KEYS)}.")
            self._account_values(label, name, item, seen)
            seen.add(name.lower())

    def _account_values(self, label, name, item, earlier):
        users = item.get("users")
        if users is not None:
            if not isinstance(users, (list, tuple)):
                self.add(f"{label}: users must be a list of Unix user names, "
                         f"e.g. users: [alice, bob], not {type_name(users)}.")
            else:
                for user in users:
                    if not isinstance(user, str) or not USER_NAME_RE.match(user):
                        self.add(f"{label}: users entry {user!r} is not a Unix "
                                 f"user name.")
        qos = item.get("qos")
        qos_list = []
        if qos is not None:
            if not isinstance(qos, (list, tuple)) or not all(
                    isinstance(q, str) for q in qos):
                self.add(f"{label}: qos must be a list of QOS names, e.g. "
                         f"qos: [normal, burst], not {type_name(qos)}.")
            else:
                qos_list = list(qos)
                for other in qos_list:
                    self._qos_ref(label, "qos", other)
        default_qos = item.get("default_qos")
        if default_qos is not None:
            if not isinstance(default_qos, str) or not default_qos.strip():
                self.add(f"{label}: default_qos must be one QOS name, not "
                         f"{default_qos!r}.")
            elif default_qos.lower() not in (q.lower() for q in qos_list):
                self.add(f"{label}: default_qos '{default_qos}' is not in the "
                         f"account's qos list ({', '.join(qos_list) or 'empty'}"
                         f"); add it to qos or choose one of them.")
        for key in ("description", "organization"):
            value = item.get(key)
            if value is not None and not isinstance(value, str):
                self.add(f"{label}: {key} must be a string, not "
                         f"{type_name(value)}.")
        parent = item.get("parent")
        if parent is not None:
            if not isinstance(parent, str) or not parent.strip():
                self.add(f"{label}: parent must be an account name, not "
                         f"{parent!r}.")
            elif parent.lower() == name.lower():
                self.add(f"{label}: parent is the account itself; name "
                         f"another account or leave parent out (root).")
            elif parent.lower() not in earlier:
                self.add(f"{label}: parent '{parent}' is not an account listed "
                         f"before this one in slurm_accounts; accounts are "
                         f"created in list order, so list '{parent}' first "
                         f"(or leave parent out to use root).")

    # slurm.conf ------------------------------------------------------------------------------
    def config(self):
        config = self.site.get("config")
        if config is None:
            config = {}
        if not isinstance(config, Mapping):
            self.add(f"slurm_config must be a dict of slurm.conf keys, not "
                     f"{type_name(config)}.")
            return
        label = "slurm_config"
        spelled = ("Keys are spelled as slurm.conf spells them (see 'man "
                   "slurm.conf').")
        for dup in _SLURM_CONF.duplicates(config):
            self.add(f"{label}: keys {', '.join(repr(k) for k in dup)} are one "
                     f"slurm.conf key, and slurm.conf would get both "
                     f"(slurm_config is merged over slurm_config_defaults); "
                     f"spell the key exactly as slurm_config_defaults does so "
                     f"that it replaces the preset's value.")
        for key, value in config.items():
            if self._key_errors(f"{label}", key, _SLURM_CONF, SLURM_CONF_REJECTED,
                                {}, spelled):
                continue
            self._value_shape(label, key, value)
        view = _SLURM_CONF.view(config)
        cluster = view.get("ClusterName")
        wanted = self.site.get("cluster_name")
        if cluster is not None and isinstance(wanted, str) and wanted.strip() \
                and str(cluster) != wanted:
            self.add(f"slurm_config: ClusterName is '{cluster}' but "
                     f"slurm_cluster_name is '{wanted}'; set "
                     f"slurm_cluster_name only and drop ClusterName from "
                     f"slurm_config.")
        self._backfill(view)

    def cgroup_config(self):
        """Keys of cgroup.conf: those Slurm 22.05 or 24.11 reads (slurmd does
        not start with another); which release takes which is checked where
        the hosts' release is known (module_utils/slurm_releases.py)."""
        config = self.site.get("cgroup_config")
        if self.overlay or not isinstance(config, Mapping):
            return  # overlay mode writes no cgroup.conf
        spelled = "Keys are spelled as cgroup.conf spells them (see 'man cgroup.conf')."
        for key in config:
            self._key_errors("slurm_cgroup_config", key, _CGROUP_CONF, CGROUP_CONF_RETIRED, {}, spelled)

    def _backfill(self, view):
        scheduler = _conf_str(view.get("SchedulerType") or "sched/backfill")
        if scheduler.lower() != "sched/backfill":
            return
        params = view.get("SchedulerParameters")
        window = None
        for option in split_names(params):
            key, _sep, value = option.partition("=")
            if key.strip().lower() != "bf_window":
                continue
            number = _as_int(value)
            if number is None or not 1 <= number <= BF_WINDOW_MAX:
                self.add(f"slurm_config: SchedulerParameters bf_window="
                         f"{value} must be a whole number of minutes from 1 "
                         f"to {BF_WINDOW_MAX}.")
                return
            window = number
        if not self.max_times:
            return
        longest, label, text = max(self.max_times, key=lambda t: t[0])
        # Slurm plans at most BF_WINDOW_MAX minutes ahead: partitions longer
        # than that are planned as far as Slurm allows.
        needed = min(longest, BF_WINDOW_MAX)
        if window is None:
            if longest > BF_WINDOW_DEFAULT:
                self.add(f"slurm_config: SchedulerParameters has no "
                         f"bf_window, so backfill plans {BF_WINDOW_DEFAULT} "
                         f"minutes ahead, less than the longest partition "
                         f"MaxTime ('{text}' = {longest} min, {label}); add "
                         f"bf_window={needed} (or more) to "
                         f"SchedulerParameters.")
        elif window < needed:
            self.add(f"slurm_config: SchedulerParameters bf_window={window} "
                     f"(minutes) is shorter than the longest partition MaxTime "
                     f"('{text}' = {longest} min, {label}), so backfill cannot "
                     f"plan around long jobs; raise bf_window to at least "
                     f"{needed}.")


def slurm_site_errors(site):
    """Every problem of a site's Slurm settings, as sentences; [] if none.

    `site` is a dict with: cluster_name, partitions, qos, accounts, config (the
    merged slurm.conf dict), qos_purge, retired (variables of earlier
    releases -> their value or None), short_share_percent (and share_variable,
    the inventory's name of it for messages; default slurm_sand_share_percent),
    groups (slurm_controller, slurm_dbd, slurm_compute, login -> host names),
    node_names (Slurm node names of the compute hosts), mode (slurm_mode),
    overlay_keys (slurm_overlay_keys) and cgroup_config (the merged cgroup.conf
    dict; its keys are checked when given).
    """
    if not isinstance(site, Mapping):
        raise AnsibleFilterError(
            f"slurm_site_errors expects a dict of the site's settings, not "
            f"{type_name(site)}")
    checker = _Checker(site)
    checker.mode()
    checker.groups()
    checker.cluster_name()
    checker.booleans()
    checker.retired()
    checker.short_share()
    checker.qos()          # first: partitions and accounts refer to QOS
    checker.partitions()
    checker.accounts()
    checker.config()       # after partitions: bf_window is compared with MaxTime
    checker.cgroup_config()
    return checker.errors


class FilterModule:
    """Validation of the site's Slurm settings."""

    def filters(self):
        return {
            "slurm_site_errors": slurm_site_errors,
            "slurm_time_minutes": slurm_time_minutes,
        }
