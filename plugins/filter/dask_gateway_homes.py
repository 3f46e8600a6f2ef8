"""Check, on the gateway host, that the users the gateway may launch clusters
as have their homes under dask_gateway_home_dirs.

The gateway's unit sees the file system read-only (ProtectSystem=strict) but
for the directories it lists in ReadWritePaths, dask_gateway_home_dirs among
them; its launcher, run as the user under sudo inside that sandbox, writes
each cluster's staging directory (~/.dask-gateway). A user whose home lies
elsewhere could start no cluster, so tasks/gateway.yml stops before writing
the unit.

``dask_gateway_home_errors`` takes a dict built in that task:

  group          dask_gateway_spawn_group
  group_entry    its getent group entry as ansible.builtin.getent gives it
                 ([password, gid, "member1,member2"]), or None when missing
  passwd         the getent passwd enumeration ({user: [password, uid, gid,
                 gecos, home, shell]}): the users whose primary group it is
  members_passwd the output of `getent passwd <member>...` (passwd lines)
  home_dirs      dask_gateway_home_dirs

and returns a list of problems (empty or one message naming the variable).

``dask_gateway_group_members`` gives the member names of that group entry
([] when the group has none or does not exist): tasks/gateway.yml sets them
as a fact right after reading the group, to read their accounts.
"""

from __future__ import annotations

import posixpath

# At most this many users are named in the message.
SHOWN = 10


def group_members(group_entry):
    """The member names of a getent group entry, or [] when there is none."""
    if not group_entry or len(group_entry) < 3:
        return []
    return [name for name in str(group_entry[2] or "").split(",") if name]


def spawn_homes(group_entry, passwd, members_passwd):
    """{user: home} for the group's members and the users whose primary group it is."""
    homes = {}
    gid = str(group_entry[1]) if group_entry and len(group_entry) > 1 else None
    for user, fields in (passwd or {}).items():
        if gid is not None and len(fields) > 4 and str(fields[2]) == gid:
            homes[user] = str(fields[4])
    members = set(group_members(group_entry))
    for line in str(members_passwd or "").splitlines():
        fields = line.split(":")
        if len(fields) >= 6 and fields[0] in members:
            homes[fields[0]] = fields[5]
    return homes


def is_under(home, directory):
    """True when home is directory or lies below it (paths normalized)."""
    home = posixpath.normpath(home)
    directory = posixpath.normpath(directory)
    return home == directory or home.startswith(directory.rstrip("/") + "/")


def dask_gateway_home_errors(settings):
    """The problem of spawn-group users whose homes the gateway cannot write."""
    home_dirs = [str(d) for d in settings.get("home_dirs") or []]
    homes = spawn_homes(settings.get("group_entry"), settings.get("passwd"), settings.get("members_passwd"))
    outside = sorted(user for user, home in homes.items() if not any(is_under(home, d) for d in home_dirs))
    if not outside:
        return []
    shown = ", ".join(f"{user} ({homes[user]})" for user in outside[:SHOWN])
    if len(outside) > SHOWN:
        shown += f" and {len(outside) - SHOWN} more"
    return [f"the homes of these users of dask_gateway_spawn_group {settings.get('group')} are not under"
            f" dask_gateway_home_dirs ({', '.join(home_dirs)}): {shown}; add the directories that hold them to"
            f" dask_gateway_home_dirs: the gateway's unit may write only there, and its launcher writes each"
            f" cluster's staging directory (~/.dask-gateway) in the user's home"]


class FilterModule:
    """The gateway host's check of the spawn group's homes."""

    def filters(self):
        return {"dask_gateway_home_errors": dask_gateway_home_errors, "dask_gateway_group_members": group_members}
