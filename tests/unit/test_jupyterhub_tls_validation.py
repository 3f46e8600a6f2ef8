"""Unit tests of the checks of the site's certificate and key on the login
node (jupyterhub_tls_errors in plugins/filter/jupyterhub_validation.py),
from the probes roles/jupyterhub/tasks/tls_check.yml gathers: each problem
gives exactly the expected messages."""

import pytest
from ansible_collections.hpc.datasci.plugins.filter.jupyterhub_validation import jupyterhub_tls_errors

CERT = "/etc/ssl/certs/hub.pem"
KEY = "/etc/ssl/private/hub.key"
PUBKEY = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----"
OTHER_PUBKEY = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAF\n-----END PUBLIC KEY-----"
# Let's Encrypt's layout: live/ holds symbolic links into archive/.
LE_CERT = "/etc/letsencrypt/live/hub.example.org/fullchain.pem"
LE_KEY = "/etc/letsencrypt/live/hub.example.org/privkey.pem"
LE_CERT_TARGET = "/etc/letsencrypt/archive/hub.example.org/fullchain3.pem"
LE_KEY_TARGET = "/etc/letsencrypt/archive/hub.example.org/privkey3.pem"
FIX_PATHS = 'put the file there, or set jupyterhub_tls_cert and jupyterhub_tls_key to "" for a self-signed certificate'


def _probes():
    """The probes of a good pair, readable by the proxy's user."""
    return {
        "cert": CERT, "key": KEY, "user": "jupyterhub",
        "cert_probe": {"stat": {"exists": True, "isreg": True}, "readable_rc": 0, "pubkey_rc": 0,
                       "pubkey": PUBKEY + "\n", "pubkey_stderr": "", "valid_rc": 0,
                       "enddate": "notAfter=Jun  1 12:00:00 2030 GMT"},
        "key_probe": {"stat": {"exists": True, "isreg": True}, "readable_rc": 0, "pubkey_rc": 0,
                      "pubkey": PUBKEY, "pubkey_stderr": ""},
    }


def _with(**changes):
    """The good probes with changes, given as {"cert_probe": {...}} merges or top-level values."""
    probes = _probes()
    for key, value in changes.items():
        if isinstance(value, dict):
            probes[key].update(value)
        else:
            probes[key] = value
    return probes


def test_a_good_pair_passes():
    assert jupyterhub_tls_errors(_probes()) == []


def test_symbolic_links_to_a_good_pair_pass():
    # tls_check.yml's stat follows the links: it describes the files in archive/.
    probes = _with(cert=LE_CERT, key=LE_KEY, cert_probe={"realpath": LE_CERT_TARGET},
                   key_probe={"realpath": LE_KEY_TARGET})
    assert jupyterhub_tls_errors(probes) == []


def test_the_account_not_created_yet_skips_only_the_readability():
    probes = _with(cert_probe={"readable_rc": None}, key_probe={"readable_rc": None})
    assert jupyterhub_tls_errors(probes) == []


CASES = [
    ("certificate missing", _with(cert_probe={"stat": {"exists": False}, "pubkey_rc": 1, "valid_rc": 1}),
     [f"jupyterhub_tls_cert {CERT} does not exist on this host: {FIX_PATHS}"]),
    ("both missing", _with(cert_probe={"stat": {"exists": False}}, key_probe={"stat": {"exists": False}}),
     [f"jupyterhub_tls_cert {CERT} does not exist on this host: {FIX_PATHS}",
      f"jupyterhub_tls_key {KEY} does not exist on this host: {FIX_PATHS}"]),
    ("key a directory", _with(key_probe={"stat": {"exists": True, "isreg": False, "isdir": True}}),
     [f"jupyterhub_tls_key {KEY} is a directory: set jupyterhub_tls_key to the path of the PEM file itself (a"
      " symbolic link to it will do)"]),
    ("certificate a FIFO behind a link", _with(cert=LE_CERT, cert_probe={"stat": {"exists": True, "isreg": False,
                                                                                  "isfifo": True},
                                                                         "realpath": "/srv/hub.fifo"}),
     [f"jupyterhub_tls_cert {LE_CERT} (-> /srv/hub.fifo) is a FIFO: set jupyterhub_tls_cert to the path of the PEM"
      " file itself (a symbolic link to it will do)"]),
    ("key neither a file nor anything known", _with(key_probe={"stat": {"exists": True, "isreg": False}}),
     [f"jupyterhub_tls_key {KEY} is not a regular file: set jupyterhub_tls_key to the path of the PEM file itself"
      " (a symbolic link to it will do)"]),
    ("key linked into a home", _with(key=LE_KEY, key_probe={"realpath": "/home/admin/hub.key"}),
     [f"jupyterhub_tls_key {LE_KEY} (-> /home/admin/hub.key) is in a directory the proxy's unit hides (ProtectHome:"
      " /home, /root, /run/user): put it under /etc (e.g. /etc/ssl)"]),
    ("key behind a link unreadable by the proxy", _with(key=LE_KEY, key_probe={"realpath": LE_KEY_TARGET,
                                                                              "readable_rc": 1}),
     [f"jupyterhub_tls_key {LE_KEY} (-> {LE_KEY_TARGET}) is not readable by jupyterhub, the proxy's user: e.g."
      f" chgrp jupyterhub {LE_KEY_TARGET} and chmod 0640 it, and let the user through the directories above it"
      " and above the link"]),
    ("key unreadable by the proxy", _with(key_probe={"readable_rc": 1}),
     [f"jupyterhub_tls_key {KEY} is not readable by jupyterhub, the proxy's user: e.g. chgrp jupyterhub {KEY} and"
      " chmod 0640 it, and let the user through the directories above it"]),
    ("key in a home", _with(key="/root/hub.key"),
     ["jupyterhub_tls_key /root/hub.key is in a directory the proxy's unit hides (ProtectHome: /home, /root,"
      " /run/user): put it under /etc (e.g. /etc/ssl)"]),
    ("certificate not PEM", _with(cert_probe={"pubkey_rc": 1, "pubkey": "", "valid_rc": 1,
                                              "pubkey_stderr": f"Could not read certificate from {CERT}\nerror"}),
     [f"jupyterhub_tls_cert {CERT} is not a PEM certificate (openssl: Could not read certificate from {CERT})"]),
    ("key with a passphrase", _with(key_probe={"pubkey_rc": 1, "pubkey": "",
                                               "pubkey_stderr": "Could not read key from /etc/ssl/private/hub.key"}),
     [f"jupyterhub_tls_key {KEY} is not a PEM private key that opens without a passphrase"
      f" (openssl: Could not read key from {KEY})"]),
    ("key unreadable without a word from openssl", _with(key_probe={"pubkey_rc": 1, "pubkey_stderr": ""}),
     [f"jupyterhub_tls_key {KEY} is not a PEM private key that opens without a passphrase (openssl: no output)"]),
    ("certificate expired", _with(cert_probe={"valid_rc": 1,
                                              "enddate": "notAfter=Jan  2 00:00:00 2020 GMT\nCertificate will expire"}),
     [f"jupyterhub_tls_cert {CERT} has expired (notAfter=Jan  2 00:00:00 2020 GMT): renew it, then run the play"
      " again"]),
    ("certificate of another key", _with(key_probe={"pubkey": OTHER_PUBKEY}),
     [f"jupyterhub_tls_cert {CERT} does not belong to jupyterhub_tls_key {KEY} (their public keys differ): give"
      " the key the certificate was issued for"]),
    ("expired and of another key", _with(cert_probe={"valid_rc": 1, "enddate": "notAfter=Jan  2 00:00:00 2020 GMT"},
                                         key_probe={"pubkey": OTHER_PUBKEY}),
     [f"jupyterhub_tls_cert {CERT} has expired (notAfter=Jan  2 00:00:00 2020 GMT): renew it, then run the play"
      " again",
      f"jupyterhub_tls_cert {CERT} does not belong to jupyterhub_tls_key {KEY} (their public keys differ): give"
      " the key the certificate was issued for"]),
]


@pytest.mark.parametrize("probes, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_problem_has_its_message(probes, expected):
    assert jupyterhub_tls_errors(probes) == expected
