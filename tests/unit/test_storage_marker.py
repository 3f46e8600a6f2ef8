"""Unit tests of the storage_marker module: real files under tmp_path."""

import json
import os

import pytest
import storage_marker
from ansible.module_utils.testing import patch_module_args


def call_main(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exc:
            storage_marker.main()
    return exc.value.code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("create, path, expected", [
    (["opt/software"], "opt/software/miniforge3", "opt/software"),
    (["opt"], "opt/software/miniforge3", "opt"),
    (["opt/software/envs"], "opt/software/envs", "opt/software/envs"),
])
def test_marker_dir_is_the_deepest_existing_directory(tmp_path, create, path, expected):
    for name in create:
        (tmp_path / name).mkdir(parents=True)
    assert storage_marker.marker_dir(str(tmp_path / path)) == str(tmp_path / expected)


def test_marker_dir_skips_a_symlinked_prefix(tmp_path):
    (tmp_path / "miniforge3-1").mkdir()
    (tmp_path / "miniforge3").symlink_to("miniforge3-1")
    assert storage_marker.marker_dir(str(tmp_path / "miniforge3")) == str(tmp_path)


def test_write_look_for_and_remove(tmp_path, capsys):
    (tmp_path / "software").mkdir()
    code, out = call_main({"state": "present", "paths": [str(tmp_path / "software/miniforge3"),
                                                         str(tmp_path / "software/envs")]}, capsys)
    assert code == 0 and out["changed"] is True
    first, second = out["markers"]
    assert first["dir"] == second["dir"] == str(tmp_path / "software")
    assert first["marker"] == second["marker"]
    assert os.path.basename(first["marker"]).startswith(storage_marker.PREFIX)
    assert os.path.isfile(first["marker"])

    code, out = call_main({"state": "query", "markers": [first["marker"], str(tmp_path / "nothing")],
                           "wait": 0}, capsys)
    assert out["seen"] == {first["marker"]: True, str(tmp_path / "nothing"): False}
    assert out["changed"] is False

    code, out = call_main({"state": "absent", "markers": [first["marker"]]}, capsys)
    assert out["removed"] == [first["marker"]]
    assert list(tmp_path.joinpath("software").iterdir()) == []


def test_unwritable_directory_is_reported_not_fatal(tmp_path):
    entries = storage_marker.write_markers([str(tmp_path / "missing-parent" / "x")], ".m", "h")
    assert entries[0]["marker"] == str(tmp_path / ".m")
    os.unlink(entries[0]["marker"])
    readonly = tmp_path / "ro"
    readonly.mkdir()
    entries = storage_marker.write_markers([str(readonly / "x")], ".m", "h")
    assert entries[0]["error"] == ""
    entries = storage_marker.write_markers([str(readonly / "x")], ".m", "h")
    assert entries[0] == {"path": str(readonly / "x"), "dir": str(readonly), "marker": "",
                          "error": "File exists"}


def test_look_for_waits_until_the_marker_appears(tmp_path):
    marker = tmp_path / ".m"
    ticks = iter(range(100))

    def sleep(_):
        marker.write_text("")

    seen = storage_marker.look_for([str(marker)], 5, clock=lambda: next(ticks), sleep=sleep)
    assert seen == {str(marker): True}


def test_only_marker_files_are_removed(tmp_path):
    other = tmp_path / "data"
    other.write_text("keep")
    assert storage_marker.remove_markers([str(other)]) == []
    assert other.exists()


def test_relative_paths_are_refused(capsys):
    code, out = call_main({"state": "present", "paths": ["opt/software"]}, capsys)
    assert code == 1
    assert out["msg"] == "paths and markers must be absolute: opt/software"
