# -*- coding: utf-8 -*-
"""Readers of a site's Slurm configuration, as files and as scontrol shows it.

Used by overlay mode, where the site owns slurm.conf and the bundle adds one
fragment of its own: the bundle must know, before it changes anything, which
keys and partitions the site's files already define (and where), what the
running slurmctld reports, and which Slurm release it is.

- ``parse_conf(text, where)`` reads slurm.conf syntax: ``Key=Value`` pairs
  (several on a line for NodeName/PartitionName/NodeSet lines), ``#``
  comments, ``Include`` lines, keys in any letter case.
- ``scontrol_config(text)`` reads ``scontrol show config`` ("Key = Value").
- ``scontrol_records(text, name_key)`` reads one-line records (``-o``);
  ``node_sizes(records)`` takes each node's size from those of
  ``scontrol show node -o``.
- ``slurm_version(text)`` reads "slurm 24.11.5" / "slurm-wlm 22.05.8".

The formats are the same in Slurm 22.05 and 24.11; the unit tests read real
output of both (tests/unit/fixtures/slurm-*). What the release changes in
what the output means is in slurm_releases.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Lines that start a record of their own rather than set a global key.
RECORD_KEYS = ("nodename", "partitionname", "nodeset", "downnodes", "frontendname", "switchname")

_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")
_SCONTROL_KEY = re.compile(r"(?:^|\s)([A-Z][A-Za-z_:]*)=")
_COMMENT = re.compile(r"(?<!\\)#")
_PAIR = re.compile(r'(?P<key>[A-Za-z][A-Za-z0-9_]*)\s*[-+*/]?=\s*(?:"(?P<quoted>[^"]*)"|(?P<bare>[^\s"]*))')
_CONFIG_LINE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z0-9_]*(?:\[\d+\])?)\s+=\s?(?P<value>.*)$")


def _strip_comment(line):
    """The line without its comment: from the first '#' that is not
    escaped as '\\#' (which stands for a '#')."""
    return _COMMENT.split(line, 1)[0].replace("\\#", "#").strip()


def _pairs(line):
    """[(key, value)] of one slurm.conf line, as Slurm reads it: spaces may
    stand around "=", "+=" and the like count as "=", values may be quoted."""
    return [(m.group("key"), m.group("quoted") if m.group("quoted") is not None else m.group("bare"))
            for m in _PAIR.finditer(line)]


def _logical_lines(text):
    """(first line number, line without comment) of slurm.conf text, lines
    ending in a backslash joined with the next, as Slurm joins them."""
    pending, start = "", None
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = _strip_comment(raw)
        if start is None:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        yield start, (pending + line).strip()
        pending, start = "", None
    if pending.strip():
        yield start, pending.strip()


# Keys whose values are secrets: never returned by the readers.
SECRET_KEY = re.compile(r"pass", re.IGNORECASE)


def parse_conf(text, where="slurm.conf", defaults=None):
    """What one slurm.conf file defines.

    `defaults` ({"partition": {...}, "node": {...}}) carries what DEFAULT lines
    set from one file to the files it includes, as Slurm keeps one table of
    them; it is updated in place.

    Returns a dict:
      keys:       {lowercase key: {"key", "value", "where"}} (the last definition wins,
                  as in Slurm; secrets such as AccountingStoragePass hidden), where is
                  "<file>:<line>";
      partitions: {name: {"attrs": {key: value}, "where"}} (with what DEFAULT lines
                  before it set), nodes: {hostlist: {"attrs", "where"}} likewise;
      includes:   [{"path", "where"}] in order;
      defaults:   {"partition": {...}, "node": {...}} (what DEFAULT lines set).
    """
    defaults = {"partition": {}, "node": {}} if defaults is None else defaults
    result = {"keys": {}, "partitions": {}, "nodes": {}, "includes": [], "defaults": defaults}
    for number, line in _logical_lines(text):
        if not line:
            continue
        here = f"{where}:{number}"
        first = line.split(None, 1)
        if first[0].lower() == "include" and "=" not in first[0]:
            result["includes"].append({"path": first[1].strip() if len(first) > 1 else "", "where": here})
            continue
        pairs = _pairs(line)
        if not pairs:
            continue
        lead = pairs[0][0].lower()
        if lead in ("partitionname", "nodename"):
            kind = "partition" if lead == "partitionname" else "node"
            name = pairs[0][1]
            attrs = dict(pairs[1:])
            if name.upper() == "DEFAULT":
                defaults[kind].update(attrs)
                continue
            # A DEFAULT line sets what the lines after it leave out.
            table = result["partitions" if kind == "partition" else "nodes"]
            entry = table.setdefault(name, {"attrs": dict(defaults[kind]), "where": here})
            entry["attrs"].update(attrs)
            continue
        if lead in RECORD_KEYS:
            continue
        for key, value in pairs:
            if SECRET_KEY.search(key):
                value = "(hidden)"
            result["keys"][key.lower()] = {"key": key, "value": value, "where": here}
    return result


def merge_conf(parsed):
    """One view of several parsed files (the main file first, then its
    includes in order): later definitions win, as when Slurm reads them."""
    merged = {"keys": {}, "partitions": {}, "nodes": {}, "includes": [],
              "defaults": {"partition": {}, "node": {}}}
    for each in parsed:
        merged["keys"].update(each["keys"])
        for table in ("partitions", "nodes"):
            for name, entry in each[table].items():
                merged[table].setdefault(name, {"attrs": {}, "where": entry["where"]})
                merged[table][name]["attrs"].update(entry["attrs"])
        merged["includes"].extend(each["includes"])
        for kind in ("partition", "node"):
            merged["defaults"][kind].update(each["defaults"][kind])
    return merged


def scontrol_config(text):
    """{key: value} of `scontrol show config` (values as printed; "(null)"
    kept). Lines that are not "Key = Value" (headers, plugin sections'
    titles) are skipped; the first definition of a key wins."""
    config = {}
    for line in (text or "").splitlines():
        match = _CONFIG_LINE.match(line.strip())
        if match and match.group("key") not in config:
            config[match.group("key")] = match.group("value").strip()
    return config


def scontrol_pairs(line):
    """{key: value} of one line of one-line scontrol output (-o); values may
    hold spaces (OS=Linux 6.1.0 #1 SMP ..., Reason=batch job complete failure)."""
    matches = list(_SCONTROL_KEY.finditer(line or ""))
    pairs = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(line)
        pairs[match.group(1)] = line[match.end():end].strip()
    return pairs


def scontrol_records(text, name_key):
    """{name: {key: value}} of one-line-per-record scontrol output (-o),
    each record named by its name_key."""
    records = {}
    for line in (text or "").splitlines():
        pairs = scontrol_pairs(line)
        if pairs.get(name_key):
            records[pairs[name_key]] = pairs
    return records


def _size(value):
    """A whole number of scontrol's output, 0 when it is none (N/A, (null))."""
    try:
        return max(int(str(value).strip()), 0)
    except (TypeError, ValueError):
        return 0


def node_sizes(records):
    """{name: {CPUs, RealMemory, MemSpecLimit, Partitions}} of the records of
    `scontrol show node -o` (scontrol_records(text, "NodeName")): what
    slurmctld counts for jobs - CPUs from CPUTot, RealMemory, MemSpecLimit
    (memory held back from jobs; 0 where the node sets none, as scontrol
    then does not print it) - and the partitions the node is in. A size
    that is not a number is 0 (unknown)."""
    sizes = {}
    for name, pairs in (records or {}).items():
        sizes[name] = {
            "CPUs": _size(pairs.get("CPUTot")),
            "RealMemory": _size(pairs.get("RealMemory")),
            "MemSpecLimit": _size(pairs.get("MemSpecLimit", 0)),
            "Partitions": [p for p in str(pairs.get("Partitions") or "").split(",") if p and p != "(null)"],
        }
    return sizes


def slurm_version(text):
    """(major, minor, micro) of "slurm 24.11.5" or a SLURM_VERSION value;
    None when no version is in the text."""
    match = _VERSION.search(text or "")
    if not match:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
