# -*- coding: utf-8 -*-
"""The Slurm releases the bundle supports, and what differs between them.

This is the one place for it: the vocabulary (slurm_vocab.py), the readers
(slurm_conf_reader.py, sacctmgr.py), overlay mode's checks
(plugins/filter/slurm_overlay.py), the platform check
(plugins/filter/platform_validation.py) and the slurm role's validation
import what they need from here.

Debian 12 (bookworm) ships Slurm 22.05, Debian 13 (trixie) 24.11. Between
them came 23.02, 23.11 and 24.05 (Slurm had no 23.05). Each fact below was
read in SchedMD's source at the tags slurm-22-05-8-1 and slurm-24-11-5-1
(src/common/read_config.c, src/common/cgroup.c and src/interfaces/cgroup.c,
the cgroup plugins), in slurm.conf(5) and cgroup.conf(5) of both, and in the
RELEASE_NOTES and NEWS of the releases between; the output differences were
captured from both (tests/unit/fixtures/slurm-24.11/README.md).

| What | 22.05 (Debian 12) | 24.11 (Debian 13) | Changed in |
|---|---|---|---|
| QOS flag `Relative` | unknown (refused) | known | 23.11 |
| `scontrol reconfigure` applies plugin keys (`PreemptType` ...) | no, a restart does | yes | 23.11 |
| unset `PreemptType` in `scontrol show config` | `preempt/none` | `(null)` | 23.11 |
| `sacctmgr` columns and row formats | same | same | - |
| slurm.conf `LaunchType` | read | ignored | 23.02 |
| slurm.conf `SlurmctldPlugstack` | read | refused | 23.02 |
| slurm.conf `JobCredentialPrivateKey`, `JobCredentialPublicCertificate` | read | ignored (logged as defunct) | 23.11 |
| slurm.conf `ExtSensorsType`, `ExtSensorsFreq` | read | ignored (logged as defunct) | 23.11 |
| slurm.conf `RoutePlugin` | read | replaced by `TopologyParam=RouteTree` | 23.11 |
| slurm.conf `SelectType=select/cons_res` | works | refused (slurmctld stops) | 23.11 |
| slurm.conf `CoreSpecPlugin`, `PowerPlugin`, `PowerParameters` | read | ignored (logged as defunct) | 24.05 |
| cgroup.conf `ConstrainKmemSpace`, `AllowedKmemSpace`, `MaxKmemPercent`, `MinKmemSpace` | read (v1 only) | refused | 23.11 |
| cgroup.conf `CgroupAutomount` | read (default no) | ignored (logged as defunct) | 23.11 |
| cgroup.conf `EnableControllers` / `SignalChildrenProcesses` / `SystemdTimeout` | refused | known | 23.02 / 23.11 / 24.05 |
| cgroup.conf `CgroupPlugin` default | autodetect | autodetect | - |
| cgroup/v2 `memory.swap.max` with `ConstrainSwapSpace=yes` | RAM + swap (a bug) | swap alone | 23.02.6 |

Reported whatever the release, by the slurm role's validation in the first
play: slurm.conf's retired keys (SLURM_CONF_RETIRED: old names and defunct
keys that both releases parse, and `AccountingStorageLoc`, which both stop
at), cgroup.conf's `CgroupReleaseAgentDir` (both stop at it) and cgroup.conf
keys neither release reads.

Where the release-dependent keys are checked: in the platform play
(playbooks/platform_check.yml -> the slurm role's managed_check), the first
place that knows the release: every host's Debian release is read there, one
release on every host of a site is enforced there, and the release follows
from it (Debian 12 -> 22.05, Debian 13 -> 24.11). The first play runs on the
control machine before any host is read, so it checks only what is wrong
for both releases; checking there against both releases would refuse, on a
Debian 12 site, keys that 22.05 reads (such as `CgroupAutomount`). Overlay
mode writes no cgroup.conf and hands over only scheduling and priority
keys, none of which changed; its fragment's reconfigure rule uses the
release slurmctld reports (`reconfigure_applies_all`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections import OrderedDict, namedtuple

# --- The releases ------------------------------------------------------------------

# (major, minor) -> the Debian release that ships it.
RELEASES = OrderedDict([
    ((22, 5), {"debian": "12", "codename": "bookworm"}),
    ((24, 11), {"debian": "13", "codename": "trixie"}),
])


def release_name(version):
    """"22.05" of (22, 5) or (22, 5, 8)."""
    return "%d.%02d" % tuple(version[:2])


def release_of_debian(major):
    """The Slurm release (major, minor) of a Debian major version ("12"),
    or None for a Debian the bundle does not manage."""
    for version, platform in RELEASES.items():
        if platform["debian"] == str(major).strip():
            return version
    return None


def releases_on_debian():
    """"22.05 on Debian 12, 24.11 on Debian 13", for messages."""
    return ", ".join("%s on Debian %s" % (release_name(v), p["debian"]) for v, p in RELEASES.items())


# --- scontrol reconfigure and restarts ----------------------------------------------

# From 23.11 `scontrol reconfigure` re-executes slurmctld, so every key takes
# effect; older releases read plugin keys only when the daemons start.
RECONFIGURE_APPLIES_ALL_FROM = (23, 11)


def reconfigure_applies_all(version):
    """Whether `scontrol reconfigure` applies every slurm.conf key on the
    release ``version`` ((major, minor[, micro]) or None when unknown)."""
    return version is not None and tuple(version[:2]) >= RECONFIGURE_APPLIES_ALL_FROM


# Options of slurm.conf whose change `scontrol reconfigure` does not apply
# before RECONFIGURE_APPLIES_ALL_FROM: the daemons must restart (slurm.conf(5)
# of 22.05; checked for PreemptType on 22.05, where a reconfigured controller
# shows the new value but does not preempt). Managed mode restarts the daemons
# for them on every release.
SLURM_CONF_RESTART_KEYS = (
    "AccountingStorageType", "AuthType", "CredType", "GresTypes",
    "JobAcctGatherType", "JobContainerType", "LaunchType", "MpiDefault",
    "PreemptMode", "PreemptType", "PriorityType", "ProctrackType",
    "SchedulerType", "SelectType", "SelectTypeParameters", "SlurmctldPort",
    "SlurmdPort", "SlurmdSpoolDir", "SlurmUser", "StateSaveLocation",
    "SwitchType", "TaskPlugin", "TopologyPlugin",
)

# --- What scontrol and sacctmgr print -------------------------------------------------

# From 23.11 the "none" plugins are gone and `scontrol show config` prints an
# unset plugin key as "(null)" (22.05: "preempt/none"); what such a key means.
UNSET_PRINTED_NULL_FROM = (23, 11)
UNSET_PLUGIN_MEANS = {"PreemptType": "preempt/none"}

# sacctmgr prints the same columns and row formats in both releases (a QOS's
# PreemptMode as "cluster", "gang,suspend" ...): nothing differs there.

# --- QOS flags ---------------------------------------------------------------------------

# The QOS flags that both 22.05 and 24.11 accept: the Flags list of
# sacctmgr(1), SPECIFICATIONS FOR QOS, and _str_2_qos_flags() in
# src/common/slurmdb_defs.c.
QOS_FLAGS = (
    'DenyOnLimit', 'EnforceUsageThreshold', 'NoDecay', 'NoReserve',
    'OverPartQOS', 'PartitionMaxNodes', 'PartitionMinNodes',
    'PartitionTimeLimit', 'RequiresReservation', 'UsageFactorSafe',
)
# Flags of later releases: 22.05's sacctmgr refuses `Relative` ("Unknown QOS
# flag used") or, next to a known flag, drops it silently, so the bundle
# takes none of them.
QOS_FLAGS_ADDED = {'Relative': (23, 11)}

# --- slurm.conf and cgroup.conf keys -----------------------------------------------------

# What a release does with a key it no longer has.
REFUSED = "refused"   # the daemon does not start
IGNORED = "ignored"   # read and dropped, at most with an error in the log

# A key (or key=value) that changed: in which release, what a later release
# does with it, and what to write instead.
Change = namedtuple("Change", "since effect fix")

# slurm.conf keys of 22.05 that a later release removed.
SLURM_CONF_REMOVED = OrderedDict([
    ("LaunchType", Change((23, 2), IGNORED, "remove it: srun starts the tasks itself (the launch plugins were "
                                            "removed)")),
    ("SlurmctldPlugstack", Change((23, 2), REFUSED, "remove it")),
    ("JobCredentialPrivateKey", Change((23, 11), IGNORED, "remove it: CredType (cred/munge) signs job "
                                                          "credentials")),
    ("JobCredentialPublicCertificate", Change((23, 11), IGNORED, "remove it: CredType (cred/munge) signs job "
                                                                 "credentials")),
    ("ExtSensorsType", Change((23, 11), IGNORED, "remove it (the external sensors plugins were removed)")),
    ("ExtSensorsFreq", Change((23, 11), IGNORED, "remove it (the external sensors plugins were removed)")),
    ("RoutePlugin", Change((23, 11), IGNORED, "write TopologyParam=RouteTree instead of route/topology, or remove "
                                              "it for route/default")),
    ("CoreSpecPlugin", Change((24, 5), IGNORED, "remove it: core specialization needs no plugin (CoreSpecCount or "
                                                "CpuSpecList on the node lines)")),
    ("PowerPlugin", Change((24, 5), IGNORED, "remove it (the power capping plugins were removed)")),
    ("PowerParameters", Change((24, 5), IGNORED, "remove it (the power capping plugins were removed)")),
])

# slurm.conf values of 22.05 that a later release removed: {(key, value): Change}.
SLURM_CONF_VALUES_REMOVED = OrderedDict([
    (("SelectType", "select/cons_res"), Change((23, 11), REFUSED, "write SelectType: select/cons_tres (the "
                                                                  "role's default)")),
])

# slurm.conf keys retired by 22.05 or before, which both releases still parse
# but replace, ignore or refuse; the slurm role's validation reports them with
# these reasons.
SLURM_CONF_RETIRED = OrderedDict([
    ("ControlMachine", "it is replaced by SlurmctldHost, which the role writes "
                       "from inventory group slurm_controller"),
    ("ControlAddr", "it is replaced by SlurmctldHost, which the role writes "
                    "from inventory group slurm_controller"),
    ("BackupController", "it is replaced by SlurmctldHost; this role sets up "
                         "one controller"),
    ("BackupAddr", "it is replaced by SlurmctldHost; this role sets up one "
                   "controller"),
    ("CryptoType", "it is the old name of CredType"),
    ("FastSchedule", "it is obsolete since Slurm 20.02 (see "
                     "SlurmdParameters=config_overrides)"),
    ("SallocDefaultCommand", "it is obsolete; use "
                             "LaunchParameters=use_interactive_step and "
                             "InteractiveStepOptions"),
    ("SchedulerAuth", "it is defunct"),
    ("KeepAliveTime", "it is deprecated; use "
                      "CommunicationParameters=keepalivetime=<seconds>"),
    ("AccountingStoreJobComment", "it is deprecated; use "
                                  "AccountingStoreFlags=job_comment"),
    ("AcctGatherInfinibandType", "it is the old name of "
                                 "AcctGatherInterconnectType"),
    ("BurstBufferParameters", "burst buffer settings live in burst_buffer.conf"),
    ("AccountingStorageLoc", "it was removed: slurmctld and slurmd of Slurm 22.05 and 24.11 stop at start "
                             "with it (job records go to slurmdbd)"),
])

# cgroup.conf keys the bundle accepts: those 22.05 or 24.11 reads
# (the options[] table of _read_slurm_cgroup_conf()). AllowedDevicesFile,
# MemoryLimitEnforcement and MemoryLimitThreshold are read and ignored by
# both (the first with a warning in the log); they are accepted, as before.
CGROUP_CONF_KEYS = (
    "AllowedDevicesFile", "AllowedKmemSpace", "AllowedRAMSpace",
    "AllowedSwapSpace", "CgroupAutomount", "CgroupMountpoint",
    "CgroupPlugin", "ConstrainCores", "ConstrainDevices",
    "ConstrainKmemSpace", "ConstrainRAMSpace", "ConstrainSwapSpace",
    "EnableControllers", "IgnoreSystemd", "IgnoreSystemdOnFailure",
    "MaxKmemPercent", "MaxRAMPercent", "MaxSwapPercent",
    "MemoryLimitEnforcement", "MemoryLimitThreshold", "MemorySwappiness",
    "MinKmemSpace", "MinRAMSpace", "SignalChildrenProcesses",
    "SystemdTimeout",
)

# cgroup.conf keys both releases refuse.
CGROUP_CONF_RETIRED = OrderedDict([
    ("CgroupReleaseAgentDir", "it was removed: slurmd of Slurm 22.05 and 24.11 stops at start with it"),
])

_KMEM_FIX = "remove it (a cgroup v1 setting, deprecated in Slurm 23.02)"

# cgroup.conf keys of 22.05 that a later release removed.
CGROUP_CONF_REMOVED = OrderedDict([
    ("CgroupAutomount", Change((23, 11), IGNORED, "remove it: the kernel and systemd mount the cgroup file "
                                                  "system")),
    ("ConstrainKmemSpace", Change((23, 11), REFUSED, _KMEM_FIX)),
    ("AllowedKmemSpace", Change((23, 11), REFUSED, _KMEM_FIX)),
    ("MaxKmemPercent", Change((23, 11), REFUSED, _KMEM_FIX)),
    ("MinKmemSpace", Change((23, 11), REFUSED, _KMEM_FIX)),
])

# cgroup.conf keys a later release added, which 22.05 refuses: {key: since}.
CGROUP_CONF_ADDED = OrderedDict([
    ("EnableControllers", (23, 2)),
    ("SignalChildrenProcesses", (23, 11)),
    ("SystemdTimeout", (24, 5)),
])

# What each effect means for a file, by the daemon that reads it.
_EFFECTS = {
    ("slurm_config", REFUSED): "does not start slurmctld or slurmd with it",
    ("slurm_config", IGNORED): "reads it and ignores it",
    ("slurm_cgroup_config", REFUSED): "does not start slurmd with it (cgroup.conf cannot be read)",
    ("slurm_cgroup_config", IGNORED): "reads it and ignores it",
}


def _lower(mapping):
    return dict((str(k).lower(), (k, v)) for k, v in (mapping or {}).items())


def _on(version):
    return "Slurm %s (Debian %s, this site's hosts)" % (release_name(version), RELEASES[tuple(version[:2])]["debian"])


def _removed_errors(var, version, config, removed):
    errors = []
    given = _lower(config)
    for key, change in removed.items():
        if key.lower() not in given or tuple(version[:2]) < change.since:
            continue
        spelled = given[key.lower()][0]
        errors.append("%s: %s was removed in Slurm %s; %s %s. %s." % (
            var, spelled, release_name(change.since), _on(version), _EFFECTS[(var, change.effect)],
            change.fix[0].upper() + change.fix[1:]))
    return errors


def _value_errors(version, config):
    errors = []
    given = _lower(config)
    for (key, value), change in SLURM_CONF_VALUES_REMOVED.items():
        spelled, set_to = given.get(key.lower(), (key, None))
        if str(set_to).strip().lower() != value or tuple(version[:2]) < change.since:
            continue
        errors.append("slurm_config: %s=%s was removed in Slurm %s; %s does not start slurmctld with it. %s." % (
            spelled, set_to, release_name(change.since), _on(version), change.fix[0].upper() + change.fix[1:]))
    return errors


def _added_errors(var, version, config, added):
    errors = []
    given = _lower(config)
    newer = [v for v in RELEASES if v > tuple(version[:2])]
    for key, since in added.items():
        if key.lower() not in given or tuple(version[:2]) >= since:
            continue
        later = ["Debian %s (Slurm %s)" % (RELEASES[v]["debian"], release_name(v)) for v in newer if v >= since]
        errors.append("%s: %s came with Slurm %s; %s does not know it and does not start slurmd with it "
                      "(cgroup.conf cannot be read). Remove it%s." % (var, given[key.lower()][0], release_name(since), _on(version),
                                 (", or run the site on " + " or ".join(later)) if later else ""))
    return errors


def release_errors(version, config, cgroup_config):
    """What the release ``version`` ((major, minor), one of RELEASES) does
    not take of the effective slurm.conf keys ``config`` and cgroup.conf
    keys ``cgroup_config`` (dicts): one sentence each, naming the variable,
    the release that changed the key and what to write instead."""
    if tuple(version[:2]) not in RELEASES:
        return []
    return (_removed_errors("slurm_config", version, config, SLURM_CONF_REMOVED)
            + _value_errors(version, config)
            + _removed_errors("slurm_cgroup_config", version, cgroup_config, CGROUP_CONF_REMOVED)
            + _added_errors("slurm_cgroup_config", version, cgroup_config, CGROUP_CONF_ADDED))
