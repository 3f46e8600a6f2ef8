"""Unit tests of the hub's database backup before an upgrade
(roles/jupyterhub/files/jupyterhub_db_backup.py): the backup's name, a
consistent copy with mode 0600, pruning to the newest KEEP, refusals."""

import datetime
import json
import os
import pathlib
import sqlite3
import stat

import pytest
import yaml
from _modules import load_file

ROOT = pathlib.Path(__file__).resolve().parents[2]
backup = load_file("jupyterhub_db_backup", ROOT / "roles" / "jupyterhub" / "files" / "jupyterhub_db_backup.py")

NOW = datetime.datetime(2026, 5, 26, 12, 30, 5, tzinfo=datetime.timezone.utc)


def _database(path, users=("alice", "bob")):
    """A small sqlite database standing for the hub's."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE users (name TEXT)")
        db.executemany("INSERT INTO users VALUES (?)", [(u,) for u in users])
    db.close()
    return path


def _users(path):
    db = sqlite3.connect(path)
    try:
        return [row[0] for row in db.execute("SELECT name FROM users ORDER BY name")]
    finally:
        db.close()


def test_the_name_holds_the_time_and_the_old_release():
    assert backup.backup_name(NOW, "5.2.1") == "jupyterhub.sqlite.20260526T123005Z.5.2.1"
    assert backup.BACKUP_RE.match(backup.backup_name(NOW, "unknown"))


@pytest.mark.parametrize("version", ["", "5.2 1", "../x", "5;id"])
def test_a_release_that_cannot_be_part_of_a_name_is_refused(version):
    with pytest.raises(ValueError, match="not a release"):
        backup.backup_name(NOW, version)


def test_a_backup_is_a_private_copy_of_the_database(tmp_path):
    database = _database(tmp_path / "jupyterhub.sqlite")
    (tmp_path / "backups").mkdir()
    result = backup.back_up(str(database), str(tmp_path / "backups"), 5, "5.2.1", now=NOW)
    target = tmp_path / "backups" / "jupyterhub.sqlite.20260526T123005Z.5.2.1"
    assert result == {"backup": str(target), "removed": []}
    assert _users(target) == ["alice", "bob"]
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert os.stat(target).st_uid == os.stat(database).st_uid


def test_a_backup_is_consistent_while_the_hub_holds_a_transaction(tmp_path):
    database = _database(tmp_path / "jupyterhub.sqlite")
    (tmp_path / "backups").mkdir()
    hub = sqlite3.connect(database)
    hub.execute("INSERT INTO users VALUES ('carol')")  # not committed yet
    try:
        result = backup.back_up(str(database), str(tmp_path / "backups"), 5, "5.2.1", now=NOW)
    finally:
        hub.rollback()
        hub.close()
    assert _users(result["backup"]) == ["alice", "bob"]


def test_an_existing_backup_is_never_overwritten(tmp_path):
    database = _database(tmp_path / "jupyterhub.sqlite")
    (tmp_path / "backups").mkdir()
    backup.back_up(str(database), str(tmp_path / "backups"), 5, "5.2.1", now=NOW)
    with pytest.raises(FileExistsError):
        backup.back_up(str(database), str(tmp_path / "backups"), 5, "5.2.1", now=NOW)


def test_only_the_newest_backups_are_kept(tmp_path):
    database = _database(tmp_path / "jupyterhub.sqlite")
    directory = tmp_path / "backups"
    directory.mkdir()
    (directory / "notes.txt").write_text("the site's own file stays")
    for day in range(1, 4):
        backup.back_up(str(database), str(directory), 5, "5.0.0", now=NOW.replace(day=day))
    result = backup.back_up(str(database), str(directory), 2, "5.2.1", now=NOW)
    assert result["removed"] == [str(directory / "jupyterhub.sqlite.20260501T123005Z.5.0.0"),
                                 str(directory / "jupyterhub.sqlite.20260502T123005Z.5.0.0")]
    assert sorted(os.listdir(directory)) == ["jupyterhub.sqlite.20260503T123005Z.5.0.0",
                                             "jupyterhub.sqlite.20260526T123005Z.5.2.1", "notes.txt"]


def test_keeping_no_backup_is_refused(tmp_path):
    database = _database(tmp_path / "jupyterhub.sqlite")
    with pytest.raises(ValueError, match="keep must be at least 1, not 0"):
        backup.back_up(str(database), str(tmp_path), 0, "5.2.1", now=NOW)
    assert os.listdir(tmp_path) == ["jupyterhub.sqlite"]


def test_main_prints_the_backup_as_json(tmp_path, capsys):
    database = _database(tmp_path / "jupyterhub.sqlite")
    (tmp_path / "backups").mkdir()
    assert backup.main(["x", str(database), str(tmp_path / "backups"), "3", "5.2.1"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["removed"] == [] and _users(result["backup"]) == ["alice", "bob"]


def test_main_explains_its_arguments(capsys):
    assert backup.main(["x", "only-one"]) == 2
    assert "usage: jupyterhub_db_backup.py DATABASE BACKUP_DIR KEEP FROM_VERSION" in capsys.readouterr().err


# --- The pending upgrade's mark (tasks/db_backup.yml, tasks/service.yml) ----------------------------


def _tasks(name):
    """The tasks of one of the hub role's task files."""
    return yaml.safe_load((ROOT / "roles" / "jupyterhub" / "tasks" / name).read_text())


def _index(tasks, start):
    return next(i for i, task in enumerate(tasks) if task["name"].startswith(start))


def test_the_mark_is_written_before_pip_and_cleared_after_upgrade_db():
    """A run that stops between pip and upgrade-db leaves the mark, so the
    next run upgrades the database although the release no longer differs."""
    main, backup_tasks, service = _tasks("main.yml"), _tasks("db_backup.yml"), _tasks("service.yml")
    assert _index(main, "Back up the hub's database") < _index(main, "Install the hub's packages")
    mark = backup_tasks[_index(backup_tasks, "Mark the database's upgrade as pending")]
    assert mark["ansible.builtin.copy"]["dest"] == "{{ __jupyterhub_db_upgrade_marker }}"
    assert mark["ansible.builtin.copy"]["mode"] == "0600"
    note = backup_tasks[_index(backup_tasks, "Note whether the hub's database needs")]["ansible.builtin.set_fact"]
    assert "__jupyterhub_db_upgrade_pending.stat.exists" in note["__jupyterhub_db_upgrade"]
    upgrade, clear = _index(service, "Upgrade the hub's database"), _index(service, "Clear the mark")
    assert clear == upgrade + 1
    assert service[clear]["ansible.builtin.file"] == {"path": "{{ __jupyterhub_db_upgrade_marker }}", "state": "absent"}
    for task in (service[_index(service, "Stop the hub")], service[upgrade], service[clear]):
        assert task["when"] == "__jupyterhub_db_upgrade | default(false) | bool"
