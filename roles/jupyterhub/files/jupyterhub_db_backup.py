"""Back up the hub's sqlite database before an upgrade of JupyterHub.

Run by the role hpc.datasci.jupyterhub on a login node (tasks/db_backup.yml,
with the host's /usr/bin/python3, through ansible.builtin.script) when the
JupyterHub release is about to change and the database exists:

    jupyterhub_db_backup.py DATABASE BACKUP_DIR KEEP FROM_VERSION

It copies DATABASE with sqlite's online backup (a consistent copy, even
while the hub still runs and writes to it) to
BACKUP_DIR/jupyterhub.sqlite.<UTC time>.<FROM_VERSION>, mode 0600, owned
like the database; then keeps the KEEP newest backups of that directory and
removes the older ones. It prints a JSON object: {"backup": <path>,
"removed": [<paths>]}. The restore procedure is in docs/jupyterhub.md.
"""

import datetime
import json
import os
import re
import sqlite3
import sys

PREFIX = "jupyterhub.sqlite."
# A backup's name: the prefix, a UTC time (sortable), the release it was taken from.
BACKUP_RE = re.compile(r"^jupyterhub\.sqlite\.\d{8}T\d{6}Z\.[A-Za-z0-9.+_-]+$")
VERSION_RE = re.compile(r"^[A-Za-z0-9.+_-]+$")


def backup_name(now, from_version):
    """The file name of a backup taken at now (a UTC datetime) from a hub of from_version."""
    if not VERSION_RE.match(from_version):
        raise ValueError("not a release: " + repr(from_version))
    return PREFIX + now.strftime("%Y%m%dT%H%M%SZ") + "." + from_version


def copy_database(source, target):
    """A consistent copy of the sqlite database source at target (mode 0600,
    owned like source), made with sqlite's online backup."""
    stat = os.stat(source)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(descriptor)
    src = sqlite3.connect("file:{}?mode=ro".format(source), uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    os.chown(target, stat.st_uid, stat.st_gid)
    os.chmod(target, 0o600)


def backups(directory):
    """The backups in directory, oldest first (their names sort by time)."""
    return sorted(name for name in os.listdir(directory) if BACKUP_RE.match(name))


def prune(directory, keep):
    """Removes all but the keep newest backups of directory; their paths."""
    names = backups(directory)
    old = names[:-keep] if keep > 0 else names
    paths = [os.path.join(directory, name) for name in old]
    for path in paths:
        os.remove(path)
    return paths


def back_up(database, directory, keep, from_version, now=None):
    """A backup of database in directory, then the older ones pruned to keep."""
    if keep < 1:
        raise ValueError("keep must be at least 1, not {}".format(keep))
    now = now or datetime.datetime.now(datetime.timezone.utc)
    target = os.path.join(directory, backup_name(now, from_version))
    copy_database(database, target)
    return {"backup": target, "removed": prune(directory, keep)}


def main(argv):
    if len(argv) != 5:
        sys.stderr.write("usage: jupyterhub_db_backup.py DATABASE BACKUP_DIR KEEP FROM_VERSION\n")
        return 2
    result = back_up(argv[1], argv[2], int(argv[3]), argv[4])
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
