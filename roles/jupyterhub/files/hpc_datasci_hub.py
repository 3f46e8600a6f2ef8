"""The hub's behaviour on a login node, shipped by the role hpc.datasci.jupyterhub.

The role installs this module next to the hub's configuration
(/etc/jupyterhub/hpc_datasci_hub.py). The configuration file,
jupyterhub_config.py, is static: it reads the site's settings from
hub_settings.json (rendered by the role from the inventory) and calls
``configure(c, settings)``, which sets every option of the hub:

- state, network and the separate proxy (its token read from proxy.env);
- the authenticator (PAM, LDAP or OAuth);
- notebook servers as Slurm jobs (batchspawner) whose partition, QOS,
  time, CPUs and memory come from a profile chosen by name, and nothing
  else (``Profiles``);
- the job's callback to the hub, which may report its port and nothing
  else (``PortOnlyBatchSpawnerAPIHandler``);
- the services behind the proxy, with their tokens from a 0600 file, and
  the idle culler.
"""

import html
import json
import os

import batchspawner  # noqa: F401 (importing it registers the hub's /api/batchspawner route)
from batchspawner.api import BatchSpawnerAPIHandler
from jupyterhub import apihandlers
from tornado import web

# Files the settings name by directory; the role writes them.
PROXY_ENV = "proxy.env"
JOB_SCRIPT = "notebook_job.sh.j2"
SERVICE_TOKENS = "service_tokens.json"

# The idle culler may list users, see their activity and servers, and stop servers.
CULLER_SCOPES = ["list:users", "read:users:activity", "read:servers", "delete:servers"]

# A failing sudo or an unreachable controller is "unknown", not "gone": the
# hub keeps the server instead of forgetting a running job.
STATE_UNKNOWN_RE = (
    r"^slurm_load_jobs error: (?:Socket timed out on send/recv|Unable to contact slurm controller)|^sudo: "
)


def load_json(path):
    """The JSON document of a file (the settings, the services' tokens)."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def read_proxy_token(path):
    """The proxy's token from its environment file (CONFIGPROXY_AUTH_TOKEN=<token>)."""
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip().split("=", 1)[1]


def read_text(path):
    """A text file's content (the job script)."""
    with open(path, encoding="utf-8") as handle:
        return handle.read()


# --- Profiles: the only choice users have ---------------------------------------------------


class Profiles:
    """The spawn page's profiles. A user chooses one by name, from the form
    or the REST API; its partition, QOS, time, CPUs and memory come from the
    settings, and any other option is refused."""

    def __init__(self, profiles):
        if not profiles:
            raise ValueError("no profile: the hub needs at least one")
        self.profiles = list(profiles)
        self.default = self.profiles[0]["name"]

    def find(self, name):
        """The profile called name; an HTTP 400 error when there is none."""
        for profile in self.profiles:
            if profile["name"] == name:
                return profile
        raise web.HTTPError(400, "unknown profile " + repr(name))

    def options_form(self, spawner=None):
        """The spawn page's form: a choice of profiles, the first selected.
        Every inserted name is HTML-escaped."""
        rows = "".join(
            '<option value="{0}"{2}>{1}</option>'.format(
                html.escape(str(p["name"]), quote=True),
                html.escape(str(p["display_name"]), quote=True),
                " selected" if p["name"] == self.default else "",
            )
            for p in self.profiles
        )
        return (
            '<label for="profile" class="form-label">Profile</label>'
            '<select class="form-select" name="profile" id="profile">' + rows + "</select>"
        )

    def options_from_form(self, formdata):
        """The form gives only the profile's name."""
        return {"profile": (formdata.get("profile") or [self.default])[0]}

    def apply_user_options(self, spawner, user_options):
        """Only a known profile name is accepted; its values come from the settings."""
        unknown = set(user_options) - {"profile"}
        if unknown:
            raise web.HTTPError(400, "unknown spawn options: " + ", ".join(sorted(unknown)))
        profile = self.find(user_options.get("profile") or self.default)
        spawner.req_partition = profile["partition"]
        spawner.req_qos = profile["qos"]
        spawner.req_runtime = str(profile["runtime"])
        spawner.req_nprocs = str(profile["cpus"])
        spawner.req_memory = str(profile["memory"])
        # The job script must not see the raw options.
        spawner.user_options = {}


# --- The job's callback: its port and nothing else -----------------------------------------------


def valid_port_report(body):
    """Whether a callback body is exactly {"port": <integer 1-65535>}."""
    if not isinstance(body, dict) or set(body) != {"port"}:
        return False
    port = body["port"]
    return isinstance(port, int) and not isinstance(port, bool) and 0 < port < 65536


class PortOnlyBatchSpawnerAPIHandler(BatchSpawnerAPIHandler):
    """The notebook's callback may set its port and nothing else (the stock
    handler copies every key it is sent onto the hub's spawner object)."""

    @web.authenticated
    def post(self):
        if not valid_port_report(self.get_json_body() or {}):
            raise web.HTTPError(400, "only an integer port may be reported")
        return super().post()


def install_port_only_handler():
    """Puts PortOnlyBatchSpawnerAPIHandler in place of batchspawner's handler
    in the hub's API routes (before the hub builds its application)."""
    apihandlers.default_handlers[:] = [
        (route, PortOnlyBatchSpawnerAPIHandler if _is_batchspawner_handler(handler) else handler)
        for route, handler in apihandlers.default_handlers
    ]


def _is_batchspawner_handler(handler):
    """batchspawner's handler, or ours from an earlier load of this module."""
    return isinstance(handler, type) and issubclass(handler, BatchSpawnerAPIHandler)


# --- The hub's options ---------------------------------------------------------------------------


def configure_hub(c, settings):
    """State, network and the separate proxy."""
    state = settings["state_dir"]
    c.JupyterHub.db_url = "sqlite:///" + os.path.join(state, "jupyterhub.sqlite")
    c.JupyterHub.cookie_secret_file = os.path.join(state, "jupyterhub_cookie_secret")
    # The hub API, plain HTTP on the site's internal network only.
    c.JupyterHub.hub_ip = "0.0.0.0"
    c.JupyterHub.hub_port = int(settings["hub_port"])
    c.JupyterHub.hub_connect_ip = settings["hub_connect_name"]
    if settings.get("public_url"):
        c.JupyterHub.public_url = settings["public_url"]
    # The proxy is its own service (jupyterhub-proxy): restarting the hub keeps
    # users' routes. Its token is read from a file, not from the environment,
    # which sudo -E would hand to commands run as users.
    c.ConfigurableHTTPProxy.should_start = False
    c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{}".format(int(settings["proxy_api_port"]))
    c.ConfigurableHTTPProxy.auth_token = read_proxy_token(os.path.join(settings["config_dir"], PROXY_ENV))
    # Stopping or upgrading the hub never cancels users' notebook jobs.
    c.JupyterHub.cleanup_servers = False


def configure_authenticator(c, settings):
    """PAM (the site's stack through /etc/pam.d/jupyterhub), LDAP or OAuth,
    and who may log in."""
    method = settings["authenticator"]
    if method == "pam":
        c.JupyterHub.authenticator_class = "pam"
        c.PAMAuthenticator.service = "jupyterhub"
        c.PAMAuthenticator.open_sessions = False
        c.PAMAuthenticator.allowed_groups = set(settings["allowed_groups"])
    elif method == "ldap":
        c.JupyterHub.authenticator_class = "ldapauthenticator.LDAPAuthenticator"
        for key, value in settings["ldap"].items():
            setattr(c.LDAPAuthenticator, key, value)
    elif method == "oauth":
        c.JupyterHub.authenticator_class = "generic-oauth"
        for key, value in settings["oauth"].items():
            setattr(c.GenericOAuthenticator, key, value)
    else:
        raise ValueError("unknown authenticator " + repr(method))
    c.Authenticator.allowed_users = set(settings["allowed_users"])
    c.Authenticator.admin_users = set(settings["admin_users"])


def configure_spawner(c, settings):
    """Notebook servers as Slurm jobs, with the profiles as the only choice."""
    c.JupyterHub.spawner_class = "batchspawner.SlurmSpawner"
    env = settings["notebook_env"]
    # Absolute paths: since JupyterHub 5.2 no PATH reaches the job.
    c.Spawner.cmd = [env + "/bin/jupyterhub-singleuser"]
    c.SlurmSpawner.batchspawner_singleuser_cmd = env + "/bin/batchspawner-singleuser"
    c.Spawner.default_url = "/lab"
    c.Spawner.start_timeout = int(settings["start_timeout"])
    c.Spawner.http_timeout = 120
    # Servers report their users' activity every minute, so the idle culler
    # never stops a server that is in use.
    c.Spawner.environment = {"JUPYTERHUB_ACTIVITY_INTERVAL": "60"}
    c.SlurmSpawner.batch_script = read_text(os.path.join(settings["config_dir"], JOB_SCRIPT))
    c.SlurmSpawner.req_srun = ""
    c.SlurmSpawner.req_account = settings["slurm_account"]
    c.SlurmSpawner.state_unknown_re = STATE_UNKNOWN_RE
    profiles = Profiles(settings["profiles"])
    c.Spawner.options_form = profiles.options_form
    c.Spawner.options_from_form = profiles.options_from_form
    c.Spawner.apply_user_options = profiles.apply_user_options
    install_port_only_handler()
    return profiles


def configure_services(c, settings, tokens):
    """The site's services behind the proxy (each with its own token, when
    it has one) and the idle culler."""
    services = settings["services"]
    scopes = ["access:services!service=" + s["name"] for s in services]
    c.JupyterHub.load_roles = [
        {"name": "idle-culler", "scopes": CULLER_SCOPES, "services": ["idle-culler"]},
        # Users may use the site's services, also with their notebook's token.
        {"name": "user", "scopes": ["self"] + scopes},
    ]
    c.Spawner.server_token_scopes = ["users:activity!user", "access:servers!server"] + scopes
    entries = []
    for service in services:
        entry = {"name": service["name"], "url": service["url"], "display": False}
        if service["name"] in tokens:
            entry["api_token"] = tokens[service["name"]]
        entries.append(entry)
    entries.append({
        "name": "idle-culler",
        "command": [
            settings["venv"] + "/bin/python3", "-m", "jupyterhub_idle_culler",
            "--timeout={}".format(settings["cull_timeout"]), "--cull-every={}".format(settings["cull_every"]),
        ],
    })
    c.JupyterHub.services = entries


def configure(c, settings):
    """Every option of the hub, from the settings (hub_settings.json); the
    services' tokens are read from their own file in the state directory."""
    configure_hub(c, settings)
    configure_authenticator(c, settings)
    configure_spawner(c, settings)
    configure_services(c, settings, load_json(os.path.join(settings["state_dir"], SERVICE_TOKENS)))
