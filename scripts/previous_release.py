#!/usr/bin/env python3
"""The previous release of this tree, and its inventory changed as the upgrade notes say.

    scripts/previous_release.py tag [--fetch]
        The newest release (vX.Y.Z) whose version is strictly lower than
        this tree's (galaxy.yml `version:`): for a 1.3.0 tree, v1.2.0, also
        once v1.3.0 itself is tagged on the tree's commit. The releases are
        the checkout's tags and the ones CHANGELOG.md records ("Release
        commit: `<sha>` (tag `vX.Y.Z`)." under each release's title), so a
        clone made without tags still names it.

    scripts/previous_release.py commit [--fetch]
        The commit of that release: its tag's, or else the one CHANGELOG.md
        records. With --fetch, a checkout that lacks it (shallow, or made
        without tags) first fetches the tags and history from `origin`.

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


RECORD = re.compile(r"^Release commit: `([0-9a-f]{40})` \(tag `(v\d+\.\d+\.\d+)`\)\.$", re.MULTILINE)


def recorded_releases(root=ROOT):
    """{tag: commit} of the releases CHANGELOG.md records under their titles."""
    path = pathlib.Path(root) / "CHANGELOG.md"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return {tag: commit for commit, tag in RECORD.findall(text)}


def git_tags(root=ROOT):
    """The tags of the git checkout at root."""
    out = subprocess.run(["git", "-C", str(root), "tag", "--list"], capture_output=True, text=True, check=True)
    return out.stdout.split()


def tag_commit(tag, root=ROOT):
    """The commit the checkout's tag names, or None when it has no such tag."""
    out = subprocess.run(["git", "-C", str(root), "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}"],
                         capture_output=True, text=True, check=False)
    return out.stdout.strip() or None


def has_commit(commit, root=ROOT):
    """Whether the checkout holds commit's objects (a shallow clone may not)."""
    return subprocess.run(["git", "-C", str(root), "cat-file", "-e", f"{commit}^{{commit}}"],
                          capture_output=True, check=False).returncode == 0


def release_commit(tag, root=ROOT):
    """The commit of release tag: the checkout's tag, else CHANGELOG.md's record; None if neither."""
    return tag_commit(tag, root) or recorded_releases(root).get(tag)


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


def _previous(what, fetch):
    """The previous release's tag, or (what == "commit") its commit, fetching from origin if asked and needed."""
    version = tree_version()

    def find():
        tag = previous_release([*git_tags(), *recorded_releases()], version)
        commit = release_commit(tag) if tag else None
        return tag, commit, bool(commit) and has_commit(commit)

    tag, commit, present = find()
    if fetch and not (tag and (what == "tag" or present)):
        fetch_tags()
        tag, commit, present = find()
    if tag is None:
        raise SystemExit(f"no release below this tree's version {version}: neither a tag in this checkout nor a "
                         "'Release commit:' line in CHANGELOG.md: run `git fetch --tags` and try again")
    if what == "tag":
        return tag
    if not present:
        raise SystemExit(f"release {tag} is commit {commit}, which this checkout does not hold (a shallow clone): "
                         "run `git fetch --unshallow --tags` and try again")
    return commit


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, what in (("tag", "tag"), ("commit", "commit")):
        command = sub.add_parser(name, help=f"print the previous release's {what}")
        command.add_argument("--fetch", action="store_true",
                             help="fetch the tags and history from origin first when the checkout lacks them")
    edit = sub.add_parser("edit-inventory", help="apply the upgrade notes' renames to an inventory")
    edit.add_argument("directory")
    args = parser.parse_args(argv)
    if args.command in ("tag", "commit"):
        print(_previous(args.command, args.fetch))
        return 0
    for path, old, new in edit_inventory(args.directory):
        print(f"{path}: {old} -> {new}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
