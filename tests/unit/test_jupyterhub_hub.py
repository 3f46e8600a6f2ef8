"""Unit tests of the hub's module (roles/jupyterhub/files/hpc_datasci_hub.py):
the port-only callback handler, the profiles (form, form data, refusals,
apply_user_options) and the options configure() sets, without a hub."""

import importlib.util
import json
import pathlib

import pytest
from batchspawner import SlurmSpawner
from batchspawner.api import BatchSpawnerAPIHandler
from jupyterhub import apihandlers
from tornado import web
from traitlets.config import Config

ROOT = pathlib.Path(__file__).resolve().parents[2]
FILES = ROOT / "roles" / "jupyterhub" / "files"
_SPEC = importlib.util.spec_from_file_location("hpc_datasci_hub", FILES / "hpc_datasci_hub.py")
hub = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(hub)

PROFILES = [
    {"name": "interactive", "display_name": "Interactive, 2 hours", "partition": "short",
     "qos": "interactive", "cpus": 2, "memory": "4G", "runtime": "2:00:00"},
    {"name": "burst", "display_name": "Burst, 30 minutes", "partition": "short",
     "qos": "burst", "cpus": 1, "memory": "2G", "runtime": "30:00"},
]


class FakeSpawner:
    """What apply_user_options touches on a spawner."""

    user_options = {"profile": "burst"}


# --- The job's callback -------------------------------------------------------------------------


@pytest.mark.parametrize("body, ok", [
    ({"port": 8888}, True),
    ({"port": 1}, True),
    ({"port": 65535}, True),
    ({"port": 0}, False),
    ({"port": 65536}, False),
    ({"port": -1}, False),
    ({"port": "8888"}, False),
    ({"port": 8888.0}, False),
    ({"port": True}, False),
    ({"port": None}, False),
    ({}, False),
    ({"port": 8888, "ip": "10.0.0.1"}, False),
    ({"port": 8888, "cmd": ["/bin/sh"]}, False),
    ({"server": {"port": 8888}}, False),
    ([8888], False),
])
def test_only_a_port_may_be_reported(body, ok):
    assert hub.valid_port_report(body) is ok


def _handler(body):
    """A PortOnlyBatchSpawnerAPIHandler without a hub, answering body."""
    handler = object.__new__(hub.PortOnlyBatchSpawnerAPIHandler)
    handler.get_json_body = lambda: body
    return handler


@pytest.fixture
def stock_post(monkeypatch):
    """Replaces batchspawner's own post with a recorder."""
    calls = []
    monkeypatch.setattr(BatchSpawnerAPIHandler, "post", lambda self: calls.append(self) or "stock")
    return calls


def test_a_port_report_reaches_batchspawners_handler(stock_post):
    handler = _handler({"port": 40123})
    # Unwrapped from web.authenticated: the hub checks the token first.
    assert hub.PortOnlyBatchSpawnerAPIHandler.post.__wrapped__(handler) == "stock"
    assert stock_post == [handler]


@pytest.mark.parametrize("body", [{"port": 40123, "ip": "0.0.0.0"}, {"port": "40123"}, None, {}])
def test_any_other_report_is_refused_with_400(stock_post, body):
    with pytest.raises(web.HTTPError) as refused:
        hub.PortOnlyBatchSpawnerAPIHandler.post.__wrapped__(_handler(body))
    assert refused.value.status_code == 400
    assert refused.value.log_message == "only an integer port may be reported"
    assert stock_post == []


def test_the_handler_still_requires_authentication():
    assert hasattr(hub.PortOnlyBatchSpawnerAPIHandler.post, "__wrapped__")


def test_the_port_only_handler_replaces_batchspawners_route():
    hub.install_port_only_handler()
    hub.install_port_only_handler()  # twice: the config may be loaded again
    routes = dict(apihandlers.default_handlers)
    assert routes[r"/api/batchspawner"] is hub.PortOnlyBatchSpawnerAPIHandler
    assert BatchSpawnerAPIHandler not in routes.values()
    assert [r for r, _ in apihandlers.default_handlers].count(r"/api/batchspawner") == 1


# --- Profiles ----------------------------------------------------------------------------------


def test_a_profile_reaches_the_spawner():
    spawner = FakeSpawner()
    hub.Profiles(PROFILES).apply_user_options(spawner, {"profile": "interactive"})
    assert (spawner.req_partition, spawner.req_qos, spawner.req_runtime, spawner.req_nprocs, spawner.req_memory) == (
        "short", "interactive", "2:00:00", "2", "4G")
    assert spawner.user_options == {}


def test_a_profile_reaches_batchspawners_traits():
    spawner = SlurmSpawner()
    hub.Profiles(PROFILES).apply_user_options(spawner, {"profile": "burst"})
    assert (spawner.req_partition, spawner.req_qos, spawner.req_runtime, spawner.req_nprocs, spawner.req_memory) == (
        "short", "burst", "30:00", "1", "2G")


@pytest.mark.parametrize("options", [{}, {"profile": ""}, {"profile": None}])
def test_no_profile_means_the_first(options):
    spawner = FakeSpawner()
    hub.Profiles(PROFILES).apply_user_options(spawner, options)
    assert spawner.req_qos == "interactive"


@pytest.mark.parametrize("options, message", [
    ({"profile": "gpu"}, "unknown profile 'gpu'"),
    ({"profile": "Interactive"}, "unknown profile 'Interactive'"),
    ({"profile": ["burst"]}, "unknown profile ['burst']"),
    ({"profile": "burst", "partition": "batch"}, "unknown spawn options: partition"),
    ({"qos": "normal", "req_memory": "1T"}, "unknown spawn options: qos, req_memory"),
])
def test_anything_but_a_profile_name_is_refused_at_spawn(options, message):
    spawner = FakeSpawner()
    with pytest.raises(web.HTTPError) as refused:
        hub.Profiles(PROFILES).apply_user_options(spawner, options)
    assert refused.value.status_code == 400
    assert refused.value.log_message == message
    assert not hasattr(spawner, "req_partition")


def test_profiles_need_at_least_one():
    with pytest.raises(ValueError, match="no profile"):
        hub.Profiles([])


@pytest.mark.parametrize("formdata, options", [
    ({"profile": ["burst"]}, {"profile": "burst"}),
    ({"profile": ["burst", "interactive"]}, {"profile": "burst"}),
    ({}, {"profile": "interactive"}),
    ({"profile": []}, {"profile": "interactive"}),
    ({"profile": ["burst"], "partition": ["batch"]}, {"profile": "burst"}),
])
def test_the_form_gives_only_a_profile_name(formdata, options):
    assert hub.Profiles(PROFILES).options_from_form(formdata) == options


def test_the_form_offers_every_profile_the_first_selected():
    form = hub.Profiles(PROFILES).options_form(FakeSpawner())
    assert form == (
        '<label for="profile" class="form-label">Profile</label>'
        '<select class="form-select" name="profile" id="profile">'
        '<option value="interactive" selected>Interactive, 2 hours</option>'
        '<option value="burst">Burst, 30 minutes</option>'
        "</select>"
    )


def test_the_form_escapes_every_inserted_name():
    profiles = [dict(PROFILES[0], name='a"><script>x</script>',
                     display_name="<script>alert('hi')</script> & <b>bold</b>")]
    form = hub.Profiles(profiles).options_form(FakeSpawner())
    assert "<script>" not in form and "<b>" not in form
    assert ('<option value="a&quot;&gt;&lt;script&gt;x&lt;/script&gt;" selected>'
            "&lt;script&gt;alert(&#x27;hi&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;</option>") in form


# --- configure() -------------------------------------------------------------------------------


def _settings(tmp_path, **changes):
    """Settings as the role renders them, with their files in tmp_path."""
    (tmp_path / "proxy.env").write_text("CONFIGPROXY_AUTH_TOKEN=proxy-secret\n")
    (tmp_path / "notebook_job.sh.j2").write_text("#!/bin/bash\n#SBATCH --job-name=jupyter-notebook\n")
    (tmp_path / "service_tokens.json").write_text(json.dumps({"dask-gateway": "t" * 40}))
    settings = {
        "state_dir": str(tmp_path), "config_dir": str(tmp_path), "venv": "/opt/jupyterhub",
        "hub_port": 8081, "hub_connect_name": "login1", "proxy_api_port": 8001, "public_url": "",
        "authenticator": "pam", "ldap": {}, "oauth": {}, "allowed_users": ["carol"],
        "allowed_groups": ["datasci"], "admin_users": ["admin"], "notebook_env": "/opt/software/envs/notebook",
        "start_timeout": 300, "slurm_account": "datasci", "profiles": PROFILES,
        "services": [{"name": "dask-gateway", "url": "http://login1:8010"}, {"name": "docs", "url": "http://d:1"}],
        "cull_timeout": 3600, "cull_every": 300,
    }
    settings.update(changes)
    return settings


def test_configure_sets_state_network_and_proxy(tmp_path):
    c = Config()
    hub.configure(c, _settings(tmp_path))
    assert c.JupyterHub.db_url == f"sqlite:///{tmp_path}/jupyterhub.sqlite"
    assert c.JupyterHub.cookie_secret_file == f"{tmp_path}/jupyterhub_cookie_secret"
    assert (c.JupyterHub.hub_ip, c.JupyterHub.hub_port, c.JupyterHub.hub_connect_ip) == ("0.0.0.0", 8081, "login1")
    assert "public_url" not in c.JupyterHub
    assert c.ConfigurableHTTPProxy.should_start is False
    assert c.ConfigurableHTTPProxy.api_url == "http://127.0.0.1:8001"
    assert c.ConfigurableHTTPProxy.auth_token == "proxy-secret"
    assert c.JupyterHub.cleanup_servers is False


def test_configure_sets_the_public_url_when_given(tmp_path):
    c = Config()
    hub.configure(c, _settings(tmp_path, public_url="https://hub.example.org/"))
    assert c.JupyterHub.public_url == "https://hub.example.org/"


def test_configure_sets_pam_logins(tmp_path):
    c = Config()
    hub.configure(c, _settings(tmp_path))
    assert c.JupyterHub.authenticator_class == "pam"
    assert (c.PAMAuthenticator.service, c.PAMAuthenticator.open_sessions) == ("jupyterhub", False)
    assert c.PAMAuthenticator.allowed_groups == {"datasci"}
    assert (c.Authenticator.allowed_users, c.Authenticator.admin_users) == ({"carol"}, {"admin"})


@pytest.mark.parametrize("method, cls, section", [
    ("ldap", "ldapauthenticator.LDAPAuthenticator", "LDAPAuthenticator"),
    ("oauth", "generic-oauth", "GenericOAuthenticator"),
])
def test_configure_passes_the_authenticators_settings(tmp_path, method, cls, section):
    values = {"server_address": "ldap.example.org", "bind_dn_template": ["uid={username},dc=x"], "lookup_dn": True}
    c = Config()
    hub.configure(c, _settings(tmp_path, authenticator=method, **{method: values}))
    assert c.JupyterHub.authenticator_class == cls
    assert dict(c[section]) == values
    assert "allowed_groups" not in c.PAMAuthenticator


def test_configure_refuses_an_unknown_authenticator(tmp_path):
    with pytest.raises(ValueError, match="unknown authenticator 'kerberos'"):
        hub.configure(Config(), _settings(tmp_path, authenticator="kerberos"))


def test_configure_spawns_slurm_jobs_with_the_profiles(tmp_path):
    c = Config()
    hub.configure(c, _settings(tmp_path))
    assert c.JupyterHub.spawner_class == "batchspawner.SlurmSpawner"
    assert c.Spawner.cmd == ["/opt/software/envs/notebook/bin/jupyterhub-singleuser"]
    assert c.SlurmSpawner.batchspawner_singleuser_cmd == "/opt/software/envs/notebook/bin/batchspawner-singleuser"
    assert (c.Spawner.default_url, c.Spawner.start_timeout, c.Spawner.http_timeout) == ("/lab", 300, 120)
    assert c.Spawner.environment == {"JUPYTERHUB_ACTIVITY_INTERVAL": "60"}
    assert c.SlurmSpawner.batch_script == "#!/bin/bash\n#SBATCH --job-name=jupyter-notebook\n"
    assert (c.SlurmSpawner.req_srun, c.SlurmSpawner.req_account) == ("", "datasci")
    assert c.SlurmSpawner.state_unknown_re.startswith("^slurm_load_jobs error")
    spawner = SlurmSpawner(config=c)
    assert spawner.req_account == "datasci"
    spawner.apply_user_options(spawner, {"profile": "burst"})
    assert (spawner.req_partition, spawner.req_qos) == ("short", "burst")
    assert 'name="profile"' in spawner.options_form(spawner)
    assert spawner.options_from_form({"profile": ["burst"]}) == {"profile": "burst"}


def test_configure_lists_services_with_their_tokens_and_the_culler(tmp_path):
    c = Config()
    hub.configure(c, _settings(tmp_path))
    scopes = ["access:services!service=dask-gateway", "access:services!service=docs"]
    assert c.JupyterHub.services == [
        {"name": "dask-gateway", "url": "http://login1:8010", "display": False, "api_token": "t" * 40},
        {"name": "docs", "url": "http://d:1", "display": False},
        {"name": "idle-culler", "command": ["/opt/jupyterhub/bin/python3", "-m", "jupyterhub_idle_culler",
                                            "--timeout=3600", "--cull-every=300"]},
    ]
    assert c.JupyterHub.load_roles == [
        {"name": "idle-culler", "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
         "services": ["idle-culler"]},
        {"name": "user", "scopes": ["self"] + scopes},
    ]
    assert c.Spawner.server_token_scopes == ["users:activity!user", "access:servers!server"] + scopes
