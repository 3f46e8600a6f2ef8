"""Lock files of Python environments: pip requirement files in which every
package is pinned with ``==`` and carries the sha256 hashes of its files.

The bundle installs the hub's, the gateway's, uv's and the default notebook
environment from such locks (``pip install --require-hashes -r`` or
``uv pip install --require-hashes -r``). This module reads them, for the
validation filter (plugins/filter/lock_validation.py), the lock tool
(scripts/lock.py) and the unit tests:

- ``parse_lock(text)`` -> ``LockFile``: the pins {name: Pin}, the
  requirements that are not an exact pin, the header's fields;
- ``canonical_name(name)``: a project name as PyPI compares them;
- ``inputs_digest(texts, python_version, platform)``: the digest a lock's
  header records of the input files it was made from;
- ``python_tag(version)`` and ``lock_name(stem, version)``: how the roles'
  locks are named per target Python, ``<stem>.cp311.lock`` for 3.11 (made by
  scripts/lock.py, chosen by the roles for the host's Python).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

# name[extras]==version, then markers or nothing.
PIN_RE = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*(?P<version>[^\s;\\]+)")
HASH_RE = re.compile(r"--hash[=\s]+(?P<hash>\S+)")
# Header fields written by scripts/lock.py: "# <key>: <value>".
HEADER_RE = re.compile(r"^#\s*(?P<key>python|platform|inputs|inputs-sha256):\s*(?P<value>\S.*?)\s*$")


@dataclass
class Pin:
    """One exact pin of a lock."""

    name: str
    version: str
    hashes: list = field(default_factory=list)


@dataclass
class LockFile:
    """A parsed lock: its pins by canonical name, the requirement lines that
    are not exact pins, and the header fields of scripts/lock.py."""

    pins: dict = field(default_factory=dict)
    unpinned: list = field(default_factory=list)
    header: dict = field(default_factory=dict)

    def unhashed(self):
        """Pins without any --hash, as name==version, in file order."""
        return [f"{pin.name}=={pin.version}" for pin in self.pins.values() if not pin.hashes]


def canonical_name(name):
    """A project name as the package index compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", str(name)).lower()


def _logical_lines(text):
    """The lines of a requirements file with continuations joined and
    comments removed; header comments are yielded as they are."""
    pending = ""
    for raw in str(text or "").splitlines():
        line = raw.rstrip()
        if not pending and line.lstrip().startswith("#"):
            yield line.strip()
            continue
        line = re.sub(r"(^|\s)#.*$", "", line)
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined = (pending + line).strip()
        pending = ""
        if joined:
            yield joined
    if pending.strip():
        yield pending.strip()


def parse_lock(text):
    """The LockFile of a requirements file's text."""
    lock = LockFile()
    for line in _logical_lines(text):
        if line.startswith("#"):
            match = HEADER_RE.match(line)
            if match:
                lock.header[match["key"]] = match["value"]
            continue
        if line.startswith("-"):
            # Options (--index-url, -r, ...) are not requirements.
            continue
        match = PIN_RE.match(line)
        if not match:
            lock.unpinned.append(line.split()[0])
            continue
        pin = Pin(match["name"], match["version"], [m["hash"] for m in HASH_RE.finditer(line)])
        lock.pins[canonical_name(pin.name)] = pin
    return lock


def inputs_digest(texts, python_version, platform):
    """sha256 of a lock's input files (their texts, in order) and its target
    Python and platform: what scripts/lock.py writes as inputs-sha256."""
    digest = hashlib.sha256()
    for part in [str(python_version), str(platform), *texts]:
        data = part.encode("utf-8")
        digest.update(str(len(data)).encode("ascii") + b"\n" + data)
    return digest.hexdigest()


def python_tag(version):
    """The tag of a Python version in a lock's name: 3.13.5 -> cp313."""
    parts = str(version).strip().split(".")
    if len(parts) < 2 or not all(part.isdigit() for part in parts[:2]):
        raise ValueError(f"not a Python version: {version!r} (major.minor, e.g. 3.11)")
    return f"cp{parts[0]}{parts[1]}"


def lock_name(stem, version):
    """The file name of the lock of input `stem` (hub-pam) for a Python
    version: hub-pam.cp311.lock."""
    return f"{stem}.{python_tag(version)}.lock"
