"""Exact messages of plugins/filter/dask_gateway_homes.py."""

import pytest
from _filters import load_filter

homes = load_filter("dask_gateway_homes")

GROUP = ["x", "1001", "alice,bob"]
PASSWD = {
    "root": ["x", "0", "0", "root", "/root", "/bin/bash"],
    "carol": ["x", "1003", "1001", "", "/home/carol", "/bin/bash"],
    "dave": ["x", "1004", "1004", "", "/srv/dave", "/bin/bash"],
}
MEMBERS = "alice:x:1001:1001::/home/alice:/bin/bash\nbob:x:1002:1002::/home/bob:/bin/bash\n"


def _settings(**changes):
    settings = {"group": "datasci", "group_entry": GROUP, "passwd": PASSWD, "members_passwd": MEMBERS,
                "home_dirs": ["/home"]}
    settings.update(changes)
    return settings


def _message(dirs, shown):
    return (f"the homes of these users of dask_gateway_spawn_group datasci are not under dask_gateway_home_dirs"
            f" ({dirs}): {shown}; add the directories that hold them to dask_gateway_home_dirs: the gateway's unit"
            f" may write only there, and its launcher writes each cluster's staging directory (~/.dask-gateway)"
            f" in the user's home")


@pytest.mark.parametrize("settings, expected", [
    (_settings(), []),
    (_settings(home_dirs=["/home/"]), []),
    (_settings(home_dirs=["/srv", "/home"]), []),
    # No such group on the gateway host: nobody to check.
    (_settings(group_entry=None, members_passwd=""), []),
    (_settings(members_passwd=MEMBERS.replace("/home/bob", "/gpfs/home/bob")),
     [_message("/home", "bob (/gpfs/home/bob)")]),
    # A user whose primary group it is, not listed as a member.
    (_settings(passwd=dict(PASSWD, carol=["x", "1003", "1001", "", "/users/carol", "/bin/bash"])),
     [_message("/home", "carol (/users/carol)")]),
    # /homes is not below /home; a member missing from passwd is skipped.
    (_settings(members_passwd="alice:x:1001:1001::/homes/alice:/bin/bash\n", home_dirs=["/home", "/data"]),
     [_message("/home, /data", "alice (/homes/alice)")]),
    # Other users (dave) are not the gateway's business.
    (_settings(home_dirs=["/srv"]),
     [_message("/srv", "alice (/home/alice), bob (/home/bob), carol (/home/carol)")]),
])
def test_dask_gateway_home_errors(settings, expected):
    assert homes.dask_gateway_home_errors(settings) == expected


def test_many_users_are_cut_short():
    names = [f"u{i:02d}" for i in range(13)]
    members = "".join(f"{n}:x:1:1::/gpfs/{n}:/bin/sh\n" for n in names)
    settings = _settings(group_entry=["x", "1001", ",".join(names)], passwd={}, members_passwd=members)
    shown = ", ".join(f"{n} (/gpfs/{n})" for n in names[:10]) + " and 3 more"
    assert homes.dask_gateway_home_errors(settings) == [_message("/home", shown)]


@pytest.mark.parametrize("home, directory, expected", [
    ("/home/a", "/home", True), ("/home", "/home", True), ("/home/a/", "/home/", True),
    ("/homes/a", "/home", False), ("/home/../etc/a", "/home", False),
])
def test_is_under(home, directory, expected):
    assert homes.is_under(home, directory) is expected


@pytest.mark.parametrize("entry, members", [
    (["x", "3001", "alice,bob"], ["alice", "bob"]),
    (["x", "3001", ""], []),
    (["x", "3001", None], []),
    (None, []),
])
def test_group_members(entry, members):
    assert homes.group_members(entry) == members
