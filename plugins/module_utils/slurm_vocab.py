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

import re


class SlurmValueError(ValueError):
    """A value that is not a valid Slurm time, memory size or TRES string."""


# --- Times ------------------------------------------------------------------------

TIME_FORMATS = ("minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or "
                "UNLIMITED")

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
    if isinstance(value, bool) or value is None:
        raise SlurmValueError('%r is not a time' % (value,))
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
    raise SlurmValueError('%r matches none of the forms %s' % (value, TIME_FORMATS))


def time_minutes(value):
    """Minutes of a Slurm time limit (seconds round up, as Slurm does); None
    for no limit."""
    seconds = parse_time(value)
    if seconds is None:
        return None
    return (seconds + 59) // 60


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
