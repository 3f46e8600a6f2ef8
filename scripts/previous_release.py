#!/usr/bin/env python3
"""The previous release of this tree, and its inventory changed as the upgrade notes say.

    scripts/previous_release.py tag [--fetch]
        The newest release tag (vX.Y.Z) whose version is strictly lower than
        this tree's (galaxy.yml `version:`): for a 1.3.0 tree, v1.2.0, also
        once v1.3.0 itself is tagged on the tree's commit. With --fetch, a
        checkout that has no such tag (a shallow clone, or one made without
        tags) first fetches the tags and history from its remote `origin`.

    scripts/previous_release.py edit-inventory DIR
        Applies the upgrade notes' inventory changes (RENAMED below: the
        variables a release renamed, old name -> new name) to the YAML files
        of the inventory DIR, in place, and prints each change.

The Molecule scenario upgrade_keeps_users_working installs the release that
`tag` names and upgrades it with its inventory edited by `edit-inventory`
(docs/operations.md, "Upgrading the bundle to a new release").
"""

from __future__ import annotations

import argparse
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
TAG = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")

# The inventory variables this release renamed, as its upgrade notes
# (CHANGELOG.md) tell a center to rename them: old name -> new name.
RENAMED = {"slurm_short_share_percent": "slurm_sand_share_percent"}


def version_of(text):
    """(major, minor, patch) of "1.3.0" or "v1.3.0"; None for anything else."""
    found = TAG.match(text if text.startswith("v") else f"v{text}")
    return tuple(int(part) for part in found.groups()) if found else None


def tree_version(root=ROOT):
    """The version of the tree at root, from its galaxy.yml."""
    for line in (pathlib.Path(root) / "galaxy.yml").read_text(encoding="utf-8").splitlines():
        found = re.match(r"""^version:\s*["']?([^"'\s#]+)""", line)
        if found:
            return found.group(1)
    raise SystemExit(f"no version: line in {root}/galaxy.yml")


def previous_release(tags, version):
    """The newest of tags (vX.Y.Z; others ignored) strictly below version, or None."""
    below = [(version_of(tag), tag) for tag in tags if TAG.match(tag) and version_of(tag) < version_of(version)]
    return max(below)[1] if below else None


def git_tags(root=ROOT):
    """The tags of the git checkout at root."""
    out = subprocess.run(["git", "-C", str(root), "tag", "--list"], capture_output=True, text=True, check=True)
    return out.stdout.split()


def fetch_tags(root=ROOT):
    """Fetch the tags, and the history a shallow clone lacks, from origin."""
    shallow = subprocess.run(["git", "-C", str(root), "rev-parse", "--is-shallow-repository"],
                             capture_output=True, text=True, check=False).stdout.strip() == "true"
    subprocess.run(["git", "-C", str(root), "fetch", "--quiet", "--tags", *(["--unshallow"] if shallow else []),
                    "origin"], check=False)


def rename_variables(text, renamed=RENAMED):
    """text (one YAML file) with each old variable name of renamed, where it
    is a key, written under its new name; and the list of (old, new) made.
    Refuses a file that sets both names (the notes say: keep one)."""
    changes = []
    for old, new in renamed.items():
        key = re.compile(rf"^(\s*){re.escape(old)}(\s*:)", re.MULTILINE)
        if not key.search(text):
            continue
        if re.search(rf"^\s*{re.escape(new)}\s*:", text, re.MULTILINE):
            raise ValueError(f"{old} and {new} are both set: keep only {new}")
        text = key.sub(rf"\g<1>{new}\g<2>", text)
        changes.append((old, new))
    return text, changes


def edit_inventory(directory, renamed=RENAMED):
    """Renames the variables of renamed in every YAML file under directory;
    returns [(file, old, new)]."""
    made = []
    for path in sorted(pathlib.Path(directory).rglob("*")):
        if path.suffix not in (".yml", ".yaml") or not path.is_file():
            continue
        try:
            text, changes = rename_variables(path.read_text(encoding="utf-8"), renamed)
        except ValueError as err:
            raise SystemExit(f"{path}: {err}") from err
        if changes:
            path.write_text(text, encoding="utf-8")
            made.extend((str(path), old, new) for old, new in changes)
    return made


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    tag_command = sub.add_parser("tag", help="print the previous release's tag")
    tag_command.add_argument("--fetch", action="store_true",
                             help="fetch the tags from origin first when the checkout has none below the tree's")
    edit = sub.add_parser("edit-inventory", help="apply the upgrade notes' renames to an inventory")
    edit.add_argument("directory")
    args = parser.parse_args(argv)
    if args.command == "tag":
        version = tree_version()
        tag = previous_release(git_tags(), version)
        if tag is None and args.fetch:
            fetch_tags()
            tag = previous_release(git_tags(), version)
        if tag is None:
            raise SystemExit(f"no release tag below this tree's version {version} in this checkout "
                             "(a shallow clone, or tags not fetched): run `git fetch --tags` and try again")
        print(tag)
        return 0
    for path, old, new in edit_inventory(args.directory):
        print(f"{path}: {old} -> {new}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
