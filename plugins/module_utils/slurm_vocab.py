# -*- coding: utf-8 -*-
"""The bundle's one Slurm vocabulary: how Slurm spells times, memory sizes
and TRES strings, and which attributes partitions, QOS and associations have.

Every plugin that reads or writes a Slurm value imports it from here: the
validation filters (plugins/filter/*), the sacctmgr modules (through
module_utils/sacctmgr.py) and the hub's and gateway's checks. A second
parser anywhere else is a bug.

Errors are SlurmValueError (a ValueError) whose text says what is wrong,
without naming the variable: the caller knows where the value came from.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import re
from collections import OrderedDict, namedtuple

from ansible_collections.hpc.datasci.plugins.module_utils.slurm_releases import (
    QOS_FLAGS,
    SLURM_CONF_RETIRED,
)


class SlurmValueError(ValueError):
    """A value that is not a valid Slurm time, memory size or TRES string."""


# --- Times ------------------------------------------------------------------------

TIME_FORMATS = ("minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or "
                "UNLIMITED")
# The same forms where a bare number counts seconds (GraceTime).
SECONDS_TIME_FORMATS = TIME_FORMATS.replace('minutes', 'seconds', 1)

# Words meaning "no limit" where a time limit is read.
UNLIMITED_WORDS = ('INFINITE', 'UNLIMITED', '-1')

# The accepted forms of a time and the fields they hold (D days, H hours,
# M minutes, S seconds): those of Slurm's time_str2secs().
_TIME_FORMS = (
    (re.compile(r'^(\d+)$'), ('N',)),
    (re.compile(r'^(\d+):(\d+)$'), ('M', 'S')),
    (re.compile(r'^(\d+):(\d+):(\d+)$'), ('H', 'M', 'S')),
    (re.compile(r'^(\d+)-(\d+)$'), ('D', 'H')),
    (re.compile(r'^(\d+)-(\d+):(\d+)$'), ('D', 'H', 'M')),
    (re.compile(r'^(\d+)-(\d+):(\d+):(\d+)$'), ('D', 'H', 'M', 'S')),
)


def parse_time(value, bare_unit=60):
    """Seconds of a Slurm time, or None for no limit.

    The forms are Slurm's: a bare number (minutes, or ``bare_unit`` seconds
    each: GraceTime counts seconds), MM:SS, HH:MM:SS, D-HH, D-HH:MM,
    D-HH:MM:SS, and INFINITE, UNLIMITED or -1 for no limit. An integer is a
    bare number. Unlike Slurm, every field after the first must be in range
    (hours 0-23 after days, minutes and seconds 0-59), so that a typo such as
    "1:75:00" is reported instead of being read as 2:15:00.
    """
    if value is None:
        raise SlurmValueError('null is not a time')
    if isinstance(value, bool):
        raise SlurmValueError('a boolean is not a time')
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if value == -1:
            return None
        if value < 0:
            raise SlurmValueError('a negative number is not a time')
        return value * bare_unit
    if not isinstance(value, str):
        raise SlurmValueError('a %s is not a time' % type(value).__name__)
    text = value.strip()
    if text.upper() in UNLIMITED_WORDS:
        return None
    for regex, fields in _TIME_FORMS:
        match = regex.match(text)
        if not match:
            continue
        parts = dict(zip(fields, (int(n) for n in match.groups())))
        if 'N' in parts:
            return parts['N'] * bare_unit
        if 'D' in parts and parts['H'] > 23:
            raise SlurmValueError('hours after the days must be 0-23')
        if 'H' in parts and parts.get('M', 0) > 59:
            raise SlurmValueError('minutes must be 0-59')
        if parts.get('S', 0) > 59:
            raise SlurmValueError('seconds must be 0-59')
        return (parts.get('D', 0) * 86400 + parts.get('H', 0) * 3600
                + parts.get('M', 0) * 60 + parts.get('S', 0))
    raise SlurmValueError('it matches none of the formats')


def time_minutes(value):
    """Minutes of a Slurm time limit (seconds round up, as Slurm does); None
    for no limit."""
    seconds = parse_time(value)
    if seconds is None:
        return None
    return (seconds + 59) // 60


def over_time_limit(minutes, limit):
    """Whether a job's time of ``minutes`` (None: unlimited) is above the
    time limit ``limit`` (a Slurm time such as a QOS MaxWall or a partition
    MaxTime). No limit, an absent one (None) or one that is not a time
    (reported by the Slurm checks) is never exceeded."""
    if limit is None:
        return False
    try:
        limit_minutes = time_minutes(limit)
    except SlurmValueError:
        return False
    return limit_minutes is not None and (minutes is None or minutes > limit_minutes)


def format_time(seconds):
    """Seconds as Slurm prints a time: [D-]HH:MM:SS; None as UNLIMITED."""
    if seconds is None:
        return 'UNLIMITED'
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return '%d-%02d:%02d:%02d' % (days, hours, minutes, secs)
    return '%02d:%02d:%02d' % (hours, minutes, secs)


# --- Memory sizes -----------------------------------------------------------------

MEMORY_FORMATS = 'a whole number of MiB, or a number with the suffix K, M, G or T (e.g. 4G)'

# Powers of 1024 of each suffix, relative to MiB (Slurm's unit for memory).
_MEMORY_SUFFIXES = {'K': -1, 'M': 0, 'G': 1, 'T': 2, 'P': 3}
_MEMORY_RE = re.compile(r'^(\d+(?:\.\d+)?)([KMGTP])?B?$', re.IGNORECASE)


def parse_memory_mb(value):
    """MiB of a Slurm memory size ("4G" -> 4096, 512 -> 512, "512M" -> 512).

    As with sbatch's --mem, a bare number is MiB; K, M, G and T (any case,
    an optional trailing B) scale by 1024. Sizes round up to whole MiB. Zero
    and negative sizes are refused.
    """
    if isinstance(value, bool) or value is None:
        raise SlurmValueError('%r is not a memory size' % (value,))
    text = str(value).strip()
    match = _MEMORY_RE.match(text)
    if not match:
        raise SlurmValueError('%r is not %s' % (value, MEMORY_FORMATS))
    number = float(match.group(1))
    power = _MEMORY_SUFFIXES[(match.group(2) or 'M').upper()]
    mib = number * (1024 ** power)
    whole = int(mib) if mib == int(mib) else int(mib) + 1
    if whole <= 0:
        raise SlurmValueError('%r is not a positive memory size' % (value,))
    return whole


def format_memory_mb(mib):
    """MiB as Slurm prints a size: the largest unit that divides it (4096 ->
    "4G", 1536 -> "1536M")."""
    mib = int(mib)
    for suffix, power in (('P', 3), ('T', 2), ('G', 1)):
        unit = 1024 ** power
        if mib and mib % unit == 0:
            return '%d%s' % (mib // unit, suffix)
    return '%dM' % mib


# --- Counts and factors -------------------------------------------------------------

# Values that clear a limit when written with sacctmgr (besides null).
CLEAR_WORDS = ('', '-1', 'unlimited', 'infinite', 'none')

_COUNT_RE = re.compile(r'^\s*-?\d+(?:\.0*)?\s*$')


def parse_count(value):
    """A whole number of 0 or more ("7", 7, "7.0"), as sacctmgr limits take."""
    if isinstance(value, bool) or value is None or not _COUNT_RE.match(str(value)):
        raise SlurmValueError('expected an integer')
    number = int(float(str(value)))
    if number < 0:
        raise SlurmValueError('negative; use -1, null or "" to clear')
    return number


def parse_factor(value):
    """A number of 0 or more (UsageFactor, LimitFactor), rounded to 6 places."""
    if isinstance(value, bool) or value is None:
        raise SlurmValueError('expected a number')
    try:
        number = float(str(value).strip())
    except ValueError:
        raise SlurmValueError('expected a number') from None
    if number < 0:
        raise SlurmValueError('negative; use -1, null or "" to clear')
    return round(number, 6)


# --- TRES strings -------------------------------------------------------------------

# TRES whose counts Slurm keeps in MiB and prints with a unit: parsed as
# memory sizes (a bare number is MiB, "4G" is 4096).
_MIB_TRES = ('mem', 'vmem')
_MIB_TRES_PREFIXES = ('bb/', 'fs/', 'ic/')
# Order sacctmgr prints TRES in (by TRES id); others follow alphabetically.
_TRES_ORDER = ('cpu', 'mem', 'energy', 'node', 'billing', 'fs/disk', 'vmem', 'pages')
# Other counts take K, M, G, T, P as powers of 1024 (billing=1K is 1024).
_TRES_COUNT_RE = re.compile(r'^(\d+)([KMGTP]?)B?$', re.IGNORECASE)
_ZERO_SIZE_RE = re.compile(r'^0+(?:\.0*)?[KMGTP]?B?$', re.IGNORECASE)


def is_mib_tres(name):
    """True for TRES counted in MiB (mem, vmem, bb/*, fs/*, ic/*)."""
    return name in _MIB_TRES or name.startswith(_MIB_TRES_PREFIXES)


def parse_tres_count(name, raw):
    """The count of one TRES: MiB for memory-like TRES, else a number."""
    text = str(raw).strip()
    if is_mib_tres(name):
        if _ZERO_SIZE_RE.match(text):
            return 0
        try:
            return parse_memory_mb(text)
        except SlurmValueError:
            raise SlurmValueError('%s=%s is not a memory size' % (name, raw)) from None
    match = _TRES_COUNT_RE.match(text)
    if not match:
        raise SlurmValueError('%s=%s is not a whole count' % (name, raw))
    power = ' KMGTP'.index((match.group(2) or ' ').upper())
    return int(match.group(1)) * 1024 ** power


def parse_tres(value):
    """A TRES string or dict as {name: count} ({} when empty).

    Names are lower-cased; "name=-1" (sacctmgr's way to drop one TRES)
    leaves the name out; memory-like TRES are in MiB ("mem=4G" -> 4096).
    """
    if isinstance(value, bool):
        raise SlurmValueError('a boolean is not a TRES string')
    if value is None:
        return {}
    if isinstance(value, dict):
        items = list(value.items())
    else:
        items = []
        for part in str(value).split(','):
            part = part.strip()
            if not part:
                continue
            if '=' not in part:
                raise SlurmValueError('%r is not name=count' % part)
            items.append(tuple(part.split('=', 1)))
    result = {}
    for name, raw in items:
        name = str(name).strip().lower()
        if not name:
            raise SlurmValueError('a TRES name is empty')
        if raw is None or str(raw).strip() in ('-1', ''):
            result.pop(name, None)
            continue
        result[name] = parse_tres_count(name, raw)
    return result


def tres_sort_key(name):
    """Sorts TRES names in the order sacctmgr prints them."""
    if name in _TRES_ORDER:
        return (0, _TRES_ORDER.index(name), name)
    return (1, 0, name)


def format_tres(tres, units=True):
    """{name: count} as sacctmgr prints it ("cpu=4,mem=4G"); None if empty."""
    if not tres:
        return None
    parts = []
    for name in sorted(tres, key=tres_sort_key):
        count = tres[name]
        if units and is_mib_tres(name):
            parts.append('%s=%s' % (name, format_memory_mb(count)))
        else:
            parts.append('%s=%d' % (name, count))
    return ','.join(parts)


# --- QOS flags and preemption modes -------------------------------------------------

# The QOS flags that both supported releases accept (slurm_releases.QOS_FLAGS;
# `Relative` is not among them).
_FLAG_BY_LOWER = dict((f.lower(), f) for f in QOS_FLAGS)


def qos_flag(name):
    """The spelling in QOS_FLAGS of a flag (any case), or None if unknown."""
    return _FLAG_BY_LOWER.get(str(name).strip().lower())


def split_names(value):
    """Names in a comma-separated string or a list of them."""
    if value is None:
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        out = []
        for item in value:
            out.extend(split_names(item))
        return out
    return [n.strip() for n in str(value).split(',') if n.strip()]


def parse_qos_flags(value):
    """A set of QOS_FLAGS names from a comma list or a list; "-1" clears.

    The whole set is given each time: "+Flag"/"-Flag" and unknown flags
    (Relative among them) are refused.
    """
    if isinstance(value, bool):
        raise SlurmValueError('a boolean is not a list of flags')
    names = split_names(value)
    if names == ['-1']:
        return frozenset()
    flags = set()
    for name in names:
        flag = qos_flag(name)
        if flag is None:
            raise SlurmValueError('unknown QOS flag %r' % name)
        flags.add(flag)
    return frozenset(flags)


# PreemptMode of a QOS (sacctmgr(1)); OFF and ON are sacctmgr's other words
# for CLUSTER and SUSPEND.
PREEMPT_MODES = ('cluster', 'cancel', 'requeue', 'suspend', 'gang', 'within')
PREEMPT_MODE_ALIASES = {'off': 'cluster', 'on': 'suspend'}


def parse_preempt_mode(value):
    """The set of preemption modes ("gang,suspend"); empty means cluster."""
    if isinstance(value, bool):
        raise SlurmValueError('a boolean is not a preemption mode')
    modes = set()
    for name in split_names(value):
        mode = name.lower()
        mode = PREEMPT_MODE_ALIASES.get(mode, mode)
        if mode == '-1':
            mode = 'cluster'
        if mode not in PREEMPT_MODES:
            raise SlurmValueError('expected one of %s' % ', '.join(PREEMPT_MODES + ('off',)))
        modes.add(mode)
    if len(modes) > 1:
        modes.discard('cluster')
    return frozenset(modes or ('cluster',))


# AdminLevel of a user, by the words sacctmgr takes for each.
ADMIN_LEVELS = {
    'none': 'None', 'not set': 'None',
    'operator': 'Operator', 'oper': 'Operator',
    'admin': 'Administrator', 'administrator': 'Administrator',
}


# --- QOS and association attributes ---------------------------------------------------

QOS = 'qos'
ACCOUNT = 'account'
USER = 'user'
ENTITIES = (QOS, ACCOUNT, USER)
ALL = ENTITIES

# Where an account's or user's attribute is stored: on the account/user
# record itself, or on its association (account x cluster [x user]).
ENTITY_SCOPE = 'entity'
ASSOC_SCOPE = 'assoc'

# Value kinds.
INT = 'int'                  # limits like GrpJobs; -1 clears
FLOAT = 'float'              # UsageFactor, UsageThreshold
TRES = 'tres'                # cpu=4,mem=4G,gres/gpu=2
WALL = 'wall'                # minute resolution, a bare number means minutes
GRACE = 'grace'              # second resolution, a bare number means seconds
EXEMPT = 'exempt'            # second resolution, a bare number means minutes
FLAGS = 'flags'              # QOS flags, case-insensitive set
QOS_LIST = 'qos_list'        # comma list of QOS names, set compare
PREEMPT_MODE = 'preempt_mode'
NAME = 'name'                # a single QOS/account name, may be cleared
NAME_REQUIRED = 'name_required'  # a single name that cannot be cleared
TEXT = 'text'                # free text; sacctmgr lower-cases it, compare casefolded
ADMIN = 'admin'              # None / Operator / Administrator
FAIRSHARE = 'fairshare'      # integer or "parent"

# Seconds per bare number of each time kind.
TIME_KINDS = {WALL: 60, GRACE: 1, EXEMPT: 60}

# The default of an attribute that has none.
NO_DEFAULT = object()

Attr = namedtuple('Attr', ['show', 'header', 'kind', 'entities', 'scope', 'default'])


def _a(show, kind, entities, scope=ASSOC_SCOPE, header=None, default=NO_DEFAULT):
    return Attr(show, header or show, kind, tuple(entities), scope, default)


# The one attribute table: set-name (the spelling after `set` / on `add`,
# used as the key in playbooks and inventories) -> show token (what goes
# into format=), the column title sacctmgr prints for it, the value kind,
# which entities accept it, whether it lives on the account/user record or
# on the association, and the value that "clearing" (null / "") resets it to
# when Slurm has a non-empty default (a dict when that differs per entity:
# an association without Priority shows none, a QOS shows 0).
#
# Show tokens were checked against the field parser of sacctmgr
# (src/sacctmgr/common.c, _get_print_field) and against a live Slurm 22.05.8
# (tests/unit/fixtures/sacctmgr/real-22.05.8): every token below is accepted
# by 22.05 and also by the older strncasecmp() parser.  MaxSubmitJobsPerUser
# and MaxSubmitJobsPerAccount are requested as MaxSubmitJobsPU/PA: 22.05 also
# takes MaxSubmitPU/PA (the printed column titles), older releases do not.
# ``header`` is the column title 22.05 prints; informational only, since
# sacctmgr is read with --noheader.
ATTRIBUTES = OrderedDict([
    # (set-name, _a(show token, kind, entities, [scope], [header=], [default=]))
    ('Description', _a('Descr', TEXT, (QOS, ACCOUNT), ENTITY_SCOPE, default='')),
    ('Organization', _a('Org', TEXT, (ACCOUNT,), ENTITY_SCOPE, default='')),
    ('DefaultAccount', _a('DefaultAccount', NAME_REQUIRED, (USER,), ENTITY_SCOPE, header='Def Acct')),
    ('AdminLevel', _a('AdminLevel', ADMIN, (USER,), ENTITY_SCOPE, header='Admin', default='None')),
    ('Parent', _a('ParentName', NAME_REQUIRED, (ACCOUNT,))),
    ('QOS', _a('QOS', QOS_LIST, (ACCOUNT, USER))),
    ('DefaultQOS', _a('DefaultQOS', NAME, (ACCOUNT, USER), header='Def QOS')),
    ('Fairshare', _a('Fairshare', FAIRSHARE, (ACCOUNT, USER), header='Share', default=1)),
    ('Priority', _a('Priority', INT, ALL, default={QOS: 0})),
    ('Flags', _a('Flags', FLAGS, (QOS,))),
    ('GraceTime', _a('GraceTime', GRACE, (QOS,), default=0)),
    ('Preempt', _a('Preempt', QOS_LIST, (QOS,))),
    ('PreemptMode', _a('PreemptMode', PREEMPT_MODE, (QOS,))),
    ('PreemptExemptTime', _a('PreemptExemptTime', EXEMPT, (QOS,))),
    ('UsageFactor', _a('UsageFactor', FLOAT, (QOS,), default=1.0)),
    ('UsageThreshold', _a('UsageThres', FLOAT, (QOS,))),
    ('MinPrioThresh', _a('MinPrioThres', INT, (QOS,))),
    ('LimitFactor', _a('LimitFactor', FLOAT, (QOS,))),
    ('GrpTRES', _a('GrpTRES', TRES, ALL)),
    ('GrpTRESMins', _a('GrpTRESMins', TRES, ALL)),
    ('GrpTRESRunMins', _a('GrpTRESRunMins', TRES, ALL)),
    ('GrpJobs', _a('GrpJobs', INT, ALL)),
    ('GrpJobsAccrue', _a('GrpJobsAccrue', INT, (QOS,))),
    ('GrpSubmitJobs', _a('GrpSubmit', INT, ALL)),
    ('GrpWall', _a('GrpWall', WALL, ALL)),
    ('MaxJobs', _a('MaxJobs', INT, (ACCOUNT, USER))),
    ('MaxSubmitJobs', _a('MaxSubmit', INT, (ACCOUNT, USER))),
    ('MaxTRESPerJob', _a('MaxTRES', TRES, ALL)),
    ('MaxTRESPerNode', _a('MaxTRESPerNode', TRES, ALL)),
    ('MaxTRESMinsPerJob', _a('MaxTRESMins', TRES, ALL)),
    ('MaxWall', _a('MaxWall', WALL, ALL)),
    ('MinTRESPerJob', _a('MinTRES', TRES, (QOS,))),
    ('MaxTRESPerUser', _a('MaxTRESPU', TRES, (QOS,))),
    ('MaxTRESPerAccount', _a('MaxTRESPA', TRES, (QOS,))),
    ('MaxJobsPerUser', _a('MaxJobsPU', INT, (QOS,))),
    ('MaxJobsPerAccount', _a('MaxJobsPA', INT, (QOS,))),
    ('MaxSubmitJobsPerUser', _a('MaxSubmitJobsPU', INT, (QOS,), header='MaxSubmitPU')),
    ('MaxSubmitJobsPerAccount', _a('MaxSubmitJobsPA', INT, (QOS,), header='MaxSubmitPA')),
    ('MaxJobsAccruePerUser', _a('MaxJobsAccruePU', INT, (QOS,))),
    ('MaxJobsAccruePerAccount', _a('MaxJobsAccruePA', INT, (QOS,))),
    ('MaxTRESRunMinsPU', _a('MaxTRESRunMinsPU', TRES, (QOS,))),
    ('MaxTRESRunMinsPA', _a('MaxTRESRunMinsPA', TRES, (QOS,))),
])

# Other spellings sacctmgr documents or accepts, mapped to the key used in
# ATTRIBUTES.  Entries under an entity apply to that entity only: for a QOS,
# MaxJobs means MaxJobsPerUser, while for associations MaxJobs is its own
# limit.
ALIASES = {
    None: {
        'MaxTRES': 'MaxTRESPerJob',
        'MaxTRESPJ': 'MaxTRESPerJob',
        'MaxTRESMins': 'MaxTRESMinsPerJob',
        'MaxTRESMinsPJ': 'MaxTRESMinsPerJob',
        'MaxTRESPN': 'MaxTRESPerNode',
        'MaxWallDurationPerJob': 'MaxWall',
        'MinTRES': 'MinTRESPerJob',
        # the manual says MinPrioThreshold, but 22.05 only takes MinPrioThres[h]
        'MinPrioThreshold': 'MinPrioThresh',
        'MinPrioThres': 'MinPrioThresh',
        'MaxTRESPU': 'MaxTRESPerUser',
        'MaxTRESPA': 'MaxTRESPerAccount',
        'MaxJobsPU': 'MaxJobsPerUser',
        'MaxJobsPA': 'MaxJobsPerAccount',
        'MaxSubmitJobsPU': 'MaxSubmitJobsPerUser',
        'MaxSubmitJobsPA': 'MaxSubmitJobsPerAccount',
        'MaxJobsAccruePU': 'MaxJobsAccruePerUser',
        'MaxJobsAccruePA': 'MaxJobsAccruePerAccount',
        'MaxTRESRunMinsPerUser': 'MaxTRESRunMinsPU',
        'MaxTRESRunMinsPerAccount': 'MaxTRESRunMinsPA',
        'FairShare': 'Fairshare',
        'DefQOS': 'DefaultQOS',
    },
    QOS: {
        'MaxJobs': 'MaxJobsPerUser',
        'MaxSubmitJobs': 'MaxSubmitJobsPerUser',
    },
}

# QOS attributes of older Slurm releases, replaced by TRES limits: what to
# write instead.
QOS_REPLACED = {
    'GrpCPUs': 'GrpTRES=cpu=<n>',
    'GrpCPUMins': 'GrpTRESMins=cpu=<n>',
    'GrpCPURunMins': 'GrpTRESRunMins=cpu=<n>',
    'GrpMemory': 'GrpTRES=mem=<n>',
    'GrpNodes': 'GrpTRES=node=<n>',
    'MaxCPUsPerJob': 'MaxTRESPerJob=cpu=<n>',
    'MaxCPUMinsPerJob': 'MaxTRESMinsPerJob=cpu=<n>',
    'MaxCPUsPerUser': 'MaxTRESPerUser=cpu=<n>',
    'MaxNodesPerJob': 'MaxTRESPerJob=node=<n>',
    'MaxNodesPerUser': 'MaxTRESPerUser=node=<n>',
    'MinCPUsPerJob': 'MinTRESPerJob=cpu=<n>',
}


def allowed_attributes(entity):
    """Set-names accepted for ``entity``, in table order."""
    return [k for k, v in ATTRIBUTES.items() if entity in v.entities]


def entity_aliases(entity):
    """{alias: set-name} of the other spellings ``entity`` accepts."""
    allowed = allowed_attributes(entity)
    aliases = dict(ALIASES[None])
    aliases.update(ALIASES.get(entity, {}))
    return dict((k, v) for k, v in aliases.items() if v in allowed)


def resolve_key(entity, key):
    """The set-name ``key`` (a set-name or alias, any case, as sacctmgr
    matches them) stands for on ``entity``; None if it is not one."""
    lowered = str(key).lower()
    for name in allowed_attributes(entity):
        if name.lower() == lowered:
            return name
    for alias, name in entity_aliases(entity).items():
        if alias.lower() == lowered:
            return name
    return None


def key_in(entry, wanted):
    """The key of ``entry`` that is ``wanted`` in any letter case, or None
    (slurm.conf, scontrol and sacctmgr read keys case-insensitively)."""
    for key in entry or {}:
        if str(key).lower() == wanted.lower():
            return key
    return None


def value_in(entry, wanted):
    """The value of ``entry``'s key ``wanted`` in any letter case, or None."""
    key = key_in(entry, wanted)
    return None if key is None else entry[key]


def closest_name(word, candidates):
    """The candidate closest to ``word`` (ignoring case) for a "did you
    mean" hint, or None when none is close."""
    by_lower = dict((c.lower(), c) for c in candidates)
    match = difflib.get_close_matches(str(word).lower(), list(by_lower), n=1, cutoff=0.75)
    return by_lower[match[0]] if match else None


# --- slurm.conf partitions and options -------------------------------------------------
# Those of Slurm 22.05 (Debian 12): slurm.conf(5) and the PartitionName
# options of src/common/read_config.c.

# PartitionName options of slurm.conf. `Nodes` and `PartitionName` are written
# by the role from `nodes` and `name`; see PARTITION_RESERVED.
PARTITION_KEYS = (
    "AllocNodes", "AllowAccounts", "AllowGroups", "AllowQos", "Alternate",
    "CpuBind", "Default", "DefaultTime", "DefCpuPerGPU", "DefMemPerCPU",
    "DefMemPerGPU", "DefMemPerNode", "DenyAccounts", "DenyQos",
    "DisableRootJobs", "ExclusiveUser", "GraceTime", "Hidden", "LLN",
    "MaxCPUsPerNode", "MaxMemPerCPU", "MaxMemPerNode", "MaxNodes", "MaxTime",
    "MinNodes", "OverSubscribe", "OverTimeLimit", "PreemptMode",
    "PriorityJobFactor", "PriorityTier", "QOS", "ReqResv", "ResumeTimeout",
    "RootOnly", "SelectTypeParameters", "State", "SuspendTime",
    "SuspendTimeout", "TRESBillingWeights",
)
PARTITION_RESERVED = {
    "Nodes": "write the node list as `nodes` (lowercase): inventory hosts of "
             "group slurm_compute or hostlists such as 'node[001-004]'; "
             "leave it out for every compute node",
    "PartitionName": "the partition's name is the `name` key",
}
PARTITION_DEPRECATED = {
    "Priority": "it is an old alias that sets both PriorityJobFactor and "
                "PriorityTier; write PriorityTier (and PriorityJobFactor) instead",
    "Shared": "it is the old name of OverSubscribe; write OverSubscribe instead",
}
PARTITION_BOOLEAN_KEYS = (
    "Default", "DisableRootJobs", "ExclusiveUser", "Hidden", "LLN", "ReqResv",
    "RootOnly",
)
PARTITION_STATES = ("UP", "DOWN", "DRAIN", "INACTIVE")

# Options of slurm.conf (not the NodeName/PartitionName line options).
SLURM_CONF_KEYS = (
    "AccountingStorageBackupHost", "AccountingStorageEnforce",
    "AccountingStorageExternalHost", "AccountingStorageHost",
    "AccountingStorageParameters",
    "AccountingStoragePass", "AccountingStoragePort", "AccountingStorageTRES",
    "AccountingStorageType", "AccountingStorageUser", "AccountingStoreFlags",
    "AcctGatherEnergyType", "AcctGatherFilesystemType",
    "AcctGatherInterconnectType", "AcctGatherNodeFreq",
    "AcctGatherProfileType", "AllowSpecResourcesUsage", "AuthAltParameters",
    "AuthAltTypes", "AuthInfo", "AuthType", "BatchStartTimeout",
    "BcastExclude", "BcastParameters", "BurstBufferType", "CliFilterPlugins",
    "ClusterName", "CommunicationParameters", "CompleteWait", "CoreSpecPlugin",
    "CpuFreqDef", "CpuFreqGovernors", "CredType", "DebugFlags", "DefCpuPerGPU",
    "DefMemPerCPU", "DefMemPerGPU", "DefMemPerNode", "DependencyParameters",
    "DisableRootJobs", "DownNodes", "EioTimeout", "EnforcePartLimits",
    "Epilog", "EpilogMsgTime", "EpilogSlurmctld", "ExtSensorsFreq",
    "ExtSensorsType", "FairShareDampeningFactor", "FederationParameters",
    "FirstJobId", "FrontendName", "GetEnvTimeout", "GpuFreqDef", "GresTypes",
    "GroupUpdateForce", "GroupUpdateTime", "HealthCheckInterval",
    "HealthCheckNodeState", "HealthCheckProgram", "InactiveLimit",
    "InteractiveStepOptions", "JobAcctGatherFrequency", "JobAcctGatherParams",
    "JobAcctGatherType", "JobCompHost", "JobCompLoc", "JobCompParams",
    "JobCompPass", "JobCompPort", "JobCompType", "JobCompUser",
    "JobContainerType", "JobCredentialPrivateKey",
    "JobCredentialPublicCertificate", "JobFileAppend", "JobRequeue",
    "JobSubmitPlugins", "KillOnBadExit", "KillWait", "LaunchParameters",
    "LaunchType", "Licenses", "LogTimeFormat", "MailDomain", "MailProg",
    "MaxArraySize", "MaxDBDMsgs", "MaxJobCount", "MaxJobId", "MaxMemPerCPU",
    "MaxMemPerNode", "MaxNodeCount", "MaxStepCount", "MaxTasksPerNode",
    "MCSParameters", "MCSPlugin", "MessageTimeout", "MinJobAge", "MpiDefault",
    "MpiParams", "NodeFeaturesPlugins", "NodeSet", "OverTimeLimit",
    "PluginDir", "PlugStackConfig", "PowerParameters", "PowerPlugin",
    "PreemptExemptTime", "PreemptMode", "PreemptType", "PrEpParameters",
    "PrEpPlugins", "PriorityCalcPeriod", "PriorityDecayHalfLife",
    "PriorityFavorSmall", "PriorityFlags", "PriorityMaxAge",
    "PriorityParameters", "PrioritySiteFactorParameters",
    "PrioritySiteFactorPlugin", "PriorityType", "PriorityUsageResetPeriod",
    "PriorityWeightAge", "PriorityWeightAssoc", "PriorityWeightFairshare",
    "PriorityWeightJobSize", "PriorityWeightPartition", "PriorityWeightQOS",
    "PriorityWeightTRES", "PrivateData", "ProctrackType", "Prolog",
    "PrologEpilogTimeout", "PrologFlags", "PrologSlurmctld",
    "PropagatePrioProcess", "PropagateResourceLimits",
    "PropagateResourceLimitsExcept", "RebootProgram", "ReconfigFlags",
    "RequeueExit", "RequeueExitHold", "ResumeFailProgram", "ResumeProgram",
    "ResumeRate", "ResumeTimeout", "ResvEpilog", "ResvOverRun", "ResvProlog",
    "ReturnToService", "RoutePlugin", "SbcastParameters",
    "SchedulerParameters", "SchedulerTimeSlice", "SchedulerType",
    "ScronParameters", "SelectType", "SelectTypeParameters",
    "SlurmctldAddr", "SlurmctldDebug", "SlurmctldHost", "SlurmctldLogFile",
    "SlurmctldParameters", "SlurmctldPidFile", "SlurmctldPlugstack",
    "SlurmctldPort", "SlurmctldPrimaryOffProg", "SlurmctldPrimaryOnProg",
    "SlurmctldSyslogDebug", "SlurmctldTimeout", "SlurmdDebug",
    "SlurmdLogFile", "SlurmdParameters", "SlurmdPidFile", "SlurmdPort",
    "SlurmdSpoolDir", "SlurmdSyslogDebug", "SlurmdTimeout", "SlurmdUser",
    "SlurmSchedLogFile", "SlurmSchedLogLevel", "SlurmUser", "SrunEpilog",
    "SrunPortRange", "SrunProlog", "StateSaveLocation", "SuspendExcNodes",
    "SuspendExcParts", "SuspendProgram", "SuspendRate", "SuspendTime",
    "SuspendTimeout", "SwitchParameters", "SwitchType", "TaskEpilog",
    "TaskPlugin", "TaskPluginParam", "TaskProlog", "TCPTimeout", "TmpFS",
    "TopologyParam", "TopologyPlugin", "TrackWCKey", "TreeWidth",
    "UnkillableStepProgram", "UnkillableStepTimeout", "UsePAM", "VSizeFactor",
    "WaitTime", "X11Parameters",
)
# Keys the role writes from other variables, and keys retired by Slurm 22.05
# or before (slurm_releases.SLURM_CONF_RETIRED, with their reasons).
SLURM_CONF_REJECTED = OrderedDict([
    ("NodeName", "node lines are written from the slurm_compute hosts; set "
                 "their keys in slurm_node_config (host_vars)"),
    ("PartitionName", "partitions are written from slurm_partitions"),
])
SLURM_CONF_REJECTED.update(SLURM_CONF_RETIRED)
