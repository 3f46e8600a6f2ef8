"""scripts/previous_release.py: the release the upgrade scenario starts from,
and the upgrade notes' edit of its inventory."""

import pathlib
import re

import pytest
from _modules import load_file

ROOT = pathlib.Path(__file__).resolve().parents[2]
previous_release = load_file("previous_release", ROOT / "scripts" / "previous_release.py")


@pytest.mark.parametrize(("tags", "version", "expected"), [
    (["v1.0.0", "v1.1.0", "v1.2.0"], "1.3.0", "v1.2.0"),
    # Once the tree's own release is tagged, the previous one is still the one below it.
    (["v1.0.0", "v1.1.0", "v1.2.0", "v1.3.0"], "1.3.0", "v1.2.0"),
    # By version, not by the order git lists them (v1.10.0 after v1.9.0).
    (["v1.10.0", "v1.9.0", "v1.2.0"], "1.11.0", "v1.10.0"),
    (["v1.9.0", "v1.10.0"], "1.10.0", "v1.9.0"),
    # Tags that are not releases are ignored; a newer tag too.
    (["v1.2.0", "v1.2.0-rc1", "demo", "v2.0.0", "1.2.5"], "1.3.0", "v1.2.0"),
    (["v1.2.1", "v1.2.0"], "1.3.0", "v1.2.1"),
    ([], "1.3.0", None),
    (["v1.3.0"], "1.3.0", None),
])
def test_previous_release_is_the_newest_tag_below_the_tree(tags, version, expected):
    assert previous_release.previous_release(tags, version) == expected


def test_the_tree_version_is_galaxy_yml_s(tmp_path):
    (tmp_path / "galaxy.yml").write_text("---\nnamespace: hpc\nversion: \"1.3.0\"  # next\n")
    assert previous_release.tree_version(tmp_path) == "1.3.0"


def test_this_tree_has_a_previous_release_tag():
    """In a clone with its tags (the CI's): the tag exists and is below the tree."""
    version = previous_release.tree_version()
    tag = previous_release.previous_release(previous_release.git_tags(), version)
    if tag is None:
        pytest.skip("no release tags in this checkout (git fetch --tags)")
    assert previous_release.version_of(tag) < previous_release.version_of(version)


def test_no_release_at_all_names_git_fetch_tags(monkeypatch):
    monkeypatch.setattr(previous_release, "git_tags", lambda root=None: [])
    monkeypatch.setattr(previous_release, "recorded_releases", lambda root=None: {})
    with pytest.raises(SystemExit, match="git fetch --tags"):
        previous_release.main(["tag"])


def test_renamed_variables_keep_value_comment_and_indent():
    text = ("# short work may use all of it\nslurm_short_share_percent: 100  # of the CPUs\n"
            "other: 1\nnested:\n  slurm_short_share_percent: 30\nslurm_short_share_percent_x: 2\n")
    out, changes = previous_release.rename_variables(text)
    assert out == ("# short work may use all of it\nslurm_sand_share_percent: 100  # of the CPUs\n"
                   "other: 1\nnested:\n  slurm_sand_share_percent: 30\nslurm_short_share_percent_x: 2\n")
    assert changes == [("slurm_short_share_percent", "slurm_sand_share_percent")]


def test_a_file_without_the_old_names_is_unchanged():
    text = "slurm_sand_share_percent: 50\n# slurm_short_share_percent: 10\n"
    assert previous_release.rename_variables(text) == (text, [])


def test_both_names_set_is_refused():
    with pytest.raises(ValueError, match="keep only slurm_sand_share_percent"):
        previous_release.rename_variables("slurm_short_share_percent: 1\nslurm_sand_share_percent: 2\n")


def test_edit_inventory_changes_only_the_files_that_set_an_old_name(tmp_path):
    (tmp_path / "group_vars" / "all").mkdir(parents=True)
    slurm = tmp_path / "group_vars" / "all" / "slurm.yml"
    slurm.write_text("---\nslurm_short_share_percent: 100\n")
    hosts = tmp_path / "hosts.yml"
    hosts.write_text("---\nall: {}\n")
    made = previous_release.edit_inventory(tmp_path)
    assert made == [(str(slurm), "slurm_short_share_percent", "slurm_sand_share_percent")]
    assert slurm.read_text() == "---\nslurm_sand_share_percent: 100\n"
    assert hosts.read_text() == "---\nall: {}\n"
    assert previous_release.edit_inventory(tmp_path) == []


def _changelog(root, records):
    lines = ["# Changelog", ""]
    for tag, commit in records:
        lines += [f"## {tag[1:]}", f"Release commit: `{commit}` (tag `{tag}`).", "", "- a change", ""]
    (root / "CHANGELOG.md").write_text("\n".join(lines), encoding="utf-8")


def test_the_changelog_records_each_release_commit(tmp_path):
    _changelog(tmp_path, [("v1.3.0", "a" * 40), ("v1.2.0", "b" * 40)])
    assert previous_release.recorded_releases(tmp_path) == {"v1.3.0": "a" * 40, "v1.2.0": "b" * 40}


def test_this_changelog_records_every_release_below_the_tree():
    """Every release the tree's CHANGELOG titles (below its own version) names its commit."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    tree = previous_release.version_of(previous_release.tree_version())
    titled = {f"v{v}" for v in re.findall(r"^## (\d+\.\d+\.\d+)", text, re.MULTILINE)}
    below = {tag for tag in titled if previous_release.version_of(tag) < tree}
    assert below, "CHANGELOG.md titles no release below the tree's version"
    assert below <= set(previous_release.recorded_releases()), "a release title lacks its 'Release commit:' line"


def test_a_clone_without_tags_takes_the_release_from_the_changelog(monkeypatch):
    """CI's clone may have no tags and no origin: CHANGELOG.md's record names the commit."""
    monkeypatch.setattr(previous_release, "git_tags", lambda root=None: [])
    monkeypatch.setattr(previous_release, "tag_commit", lambda tag, root=None: None)
    monkeypatch.setattr(previous_release, "fetch_tags", lambda root=None: pytest.fail("nothing to fetch"))
    version = previous_release.tree_version()
    records = previous_release.recorded_releases()
    tag = previous_release.previous_release(list(records), version)
    assert previous_release._previous("tag", fetch=True) == tag
    assert previous_release._previous("commit", fetch=True) == records[tag]


def test_a_commit_the_clone_lacks_names_git_fetch_unshallow(monkeypatch):
    monkeypatch.setattr(previous_release, "has_commit", lambda commit, root=None: False)
    monkeypatch.setattr(previous_release, "fetch_tags", lambda root=None: None)
    with pytest.raises(SystemExit, match="git fetch --unshallow --tags"):
        previous_release.main(["commit", "--fetch"])
