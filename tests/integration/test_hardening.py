"""What the login node exposes and to whom: the hub's and the gateway's
internal ports listen only on the address the compute nodes reach it at, the
HTTPS endpoint is the only public one, and a user name that could reach a
shell command through batchspawner is refused at login."""

import re

import pytest
from hub import BASE, LOGIN, new_session

# The internal ports of the demo inventory's defaults: the hub's API, the
# gateway's HTTP and TCP proxies.
INTERNAL_PORTS = [8081, 8010, 8786]
WILDCARDS = ("0.0.0.0:", "*:", "[::]:")


def _listening(host):
    """{port: [local addresses]} of the host's TCP listeners (ss -ltn)."""
    ports = {}
    for line in host.check_output("ss -ltnH").splitlines():
        local = line.split()[3]
        address, port = local.rsplit(":", 1)
        ports.setdefault(int(port), []).append(address)
    return ports


def _internal_address(node):
    """The address login1 uses to reach the compute nodes."""
    route = node(LOGIN).check_output("ip -4 -o route get $(getent ahostsv4 c1 | awk 'NR==1 {print $1}')")
    return re.search(r"\bsrc (\S+)", route).group(1)


@pytest.mark.parametrize("port", INTERNAL_PORTS)
def test_internal_ports_listen_only_on_the_internal_address(node, port):
    listening = _listening(node(LOGIN))
    assert listening.get(port) == [_internal_address(node)], f"port {port} listens on {listening.get(port)}"


def test_the_https_endpoint_is_the_public_one(node):
    assert _listening(node(LOGIN)).get(443) == ["0.0.0.0"]


@pytest.mark.parametrize("url", [
    "http://login1:8081/hub/api",
    "http://login1:8010/services/dask-gateway/api/health",
])
def test_compute_nodes_reach_the_internal_ports(node, url):
    code = ("import urllib.request as u; "
            f"print(u.build_opener(u.ProxyHandler({{}})).open('{url}', timeout=10).status)")
    assert node("c1").check_output(f"python3 -c \"{code}\"") == "200"


def _connects(host, port):
    """Whether host opens a TCP connection to login1's port within 3 s."""
    code = ("import socket; s = socket.socket(); s.settimeout(3); "
            f"print(s.connect_ex(('login1', {port})) == 0)")
    return host.check_output(f"python3 -c \"{code}\"") == "True"


@pytest.mark.parametrize("port", INTERNAL_PORTS)
def test_the_firewall_lets_only_the_sites_hosts_reach_the_internal_ports(node, port):
    # The demo inventory turns the optional firewall on: compute hosts in,
    # the controller (neither compute nor login) out.
    assert "hpc_datasci" in node(LOGIN).check_output("nft list tables")
    assert _connects(node("c1"), port), f"c1 cannot reach login1:{port}"
    assert not _connects(node("ctl"), port), f"ctl reaches login1:{port} through the firewall"


# A name PAM accepts (useradd --badname) but that holds shell syntax.
HOSTILE = "eve;id"


@pytest.fixture(scope="module")
def hostile_user(node):
    """A Unix account with a hostile name and a password, on the login node
    only (the hub's PAM stack reads it there)."""
    login = node(LOGIN)
    login.check_output(f"useradd --badname --no-create-home --shell /usr/sbin/nologin '{HOSTILE}'")
    login.check_output(f"echo '{HOSTILE}:{HOSTILE}-pw' | chpasswd")
    yield HOSTILE
    login.run(f"userdel '{HOSTILE}'")


def test_a_hostile_user_name_is_refused_at_login(node, ca_file, hostile_user):
    login = node(LOGIN)
    # PAM itself would let it in: the refusal is the hub's username_pattern.
    assert login.run(f"getent passwd '{hostile_user}'").rc == 0
    session = new_session(ca_file)
    page = session.get(f"{BASE}/hub/login", timeout=30)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
    since = login.check_output("date '+%Y-%m-%d %H:%M:%S'")
    reply = session.post(f"{BASE}/hub/login", timeout=60,
                         data={"username": hostile_user, "password": f"{hostile_user}-pw", "_xsrf": xsrf})
    assert "/hub/login" in reply.url or reply.status_code == 403, (reply.status_code, reply.url)
    assert session.get(f"{BASE}/hub/api/user", timeout=30).status_code in (401, 403)
    log = login.check_output(f"journalctl -u jupyterhub --since '{since}' --no-pager")
    assert "Disallowing invalid username 'eve;id'" in log, log[-2000:]
    assert login.run("squeue --noheader --format=%u | grep -F 'eve'").rc == 1, "a job of the hostile name exists"
