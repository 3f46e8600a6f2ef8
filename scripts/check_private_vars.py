#!/usr/bin/env python3
"""Fail when a file reads another role's private variables.

A role's internals are named `__<role>_...` and live in roles/<role>/; what a
role hands to another is a public, documented output (README "Outputs")
that a playbook passes on by name. This check (part of `make lint`) reads
every YAML and Jinja file of the repository and reports each use of a
`__`-variable that belongs to a role the file is not part of:

- a name with the prefix `__<role>_` of a role under roles/, or
- any other `__`-name that roles/<role>/ defines (as a key, such as a
  variable of vars/main.yml or of a task's `vars:`, or with `register:` or
  `loop_var:`): an internal without the full prefix.

Files under roles/<role>/ may use that role's own names. Unit tests
(tests/unit) render a role's internals on purpose and are not checked.
A few names are allowed outside their role (ALLOWED), each with its reason.

Usage:
    check_private_vars.py [ROOT]

Exit status 1 and one line per use (file:line: name, owner) when any is
found; 0 otherwise.
"""

from __future__ import annotations

import os
import pathlib
import re
import sys

PRIVATE = re.compile(r"(?<![A-Za-z0-9_.])__[a-z][a-z0-9_]*")
DEFINED = re.compile(
    r"^\s*(?:-\s+)?(?:(?:register|loop_var):\s*(?P<value>__[a-z][a-z0-9_]*)\s*$|(?P<key>__[a-z][a-z0-9_]*)\s*:)")
SUFFIXES = {".yml", ".yaml", ".j2"}
SKIP_DIRS = {".git", ".venv", "collections", ".cache", "node_modules", "__pycache__"}
# Trees whose files may read any role's internals.
EXEMPT = ("tests/unit/",)
# Internals an inventory may still spell, each with the reason.
ALLOWED = {
    # Inventories written before the QOS presets were keyed by name copy the
    # old full slurm_qos list with GrpTRES "cpu={{ __slurm_short_share_cpus }}"
    # (roles/slurm/vars/main.yml keeps the name for them).
    "__slurm_short_share_cpus",
}


def _files(root: pathlib.Path):
    """(path, path relative to root) of every YAML and Jinja file, in order."""
    for top, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(names):
            path = pathlib.Path(top) / name
            if path.suffix in SUFFIXES:
                yield path, path.relative_to(root).as_posix()


def _names(path: pathlib.Path):
    """(line number, name) of every `__`-name in a file."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return
    for number, line in enumerate(text.splitlines(), start=1):
        for match in PRIVATE.finditer(line):
            yield number, match.group(0)


def role_of(rel: str) -> str | None:
    """The role a repository path belongs to, or None."""
    parts = rel.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "roles" else None


def _definitions(path: pathlib.Path):
    """The `__`-names a file defines: keys, and names after register: or loop_var:."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return
    for line in text.splitlines():
        match = DEFINED.match(line)
        if match:
            yield match.group("value") or match.group("key")


def owners(root: pathlib.Path) -> tuple[list[str], dict[str, set[str]]]:
    """The roles, and {name: roles that define it} of every `__`-name a role defines."""
    roles = sorted(d.name for d in (root / "roles").iterdir() if d.is_dir())
    defined = {}
    for path, rel in _files(root):
        role = role_of(rel)
        if role is None:
            continue
        for name in _definitions(path):
            defined.setdefault(name, set()).add(role)
    return roles, defined


def owner_of(name: str, roles: list[str], defined: dict[str, set[str]]) -> set[str]:
    """The roles a `__`-name is private to: the role of its prefix, else
    every role that defines it."""
    prefixed = {r for r in roles if name.startswith(f"__{r}_")}
    return prefixed or defined.get(name, set())


def violations(root: pathlib.Path) -> list[str]:
    """'path:line: name (private to role ...)' for each read outside its role."""
    roles, used = owners(root)
    found = []
    for path, rel in _files(root):
        if rel.startswith(EXEMPT):
            continue
        here = role_of(rel)
        for number, name in _names(path):
            if name in ALLOWED:
                continue
            theirs = owner_of(name, roles, used)
            if theirs and here not in theirs:
                found.append(f"{rel}:{number}: {name} is private to the role "
                             f"{', '.join(sorted(theirs))}; use its public output")
    return found


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    root = pathlib.Path(argv[0]) if argv else pathlib.Path(__file__).resolve().parents[1]
    found = violations(root)
    for line in found:
        print(line, file=sys.stderr)
    if found:
        print(f"{len(found)} read(s) of another role's private variables "
              "(docs/architecture.md, \"Values that cross a role boundary\")", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
