"""The site's Dask Gateway: each user's clusters as Slurm jobs of that user,
authenticated through JupyterHub, with only the options the site allows.

The role `dask_gateway` installs this module next to the gateway's
configuration (dask_gateway_config.py), which reads the role's settings
(gateway_settings.json, data rendered from the inventory) and calls
`configure(c, settings)`. It runs inside dask-gateway-server on the gateway
host, so it needs nothing but the standard library and dask_gateway_server.

The settings are a dict with the keys of the role's variables without their
`dask_gateway_` prefix (see roles/dask_gateway/vars/main.yml), plus the paths
of the files the gateway reads (database, encryption keys, hub token,
launcher).
"""

import asyncio
import json

from dask_gateway_server.backends.jobqueue.slurm import SlurmBackend
from dask_gateway_server.options import Float, Integer, Options, Select
from traitlets import Unicode

# Where every Slurm job of a cluster keeps its TLS files and logs (0700,
# made by the launcher as the user).
STAGING_DIRECTORY = "{home}/.dask-gateway/"
SUDO = "/usr/bin/sudo"
# The environment sudo starts in. sudo's env_reset gives the launcher a clean
# one anyway, but sudo 1.9.16 (Debian 13) crashes in its sudoers plugin when
# it is started with no environment variable at all.
SUDO_ENVIRONMENT = {"PATH": "/usr/bin:/bin"}
# On PYTHONPATH of every scheduler and worker job: the role's sitecustomize.py
# there works around a TLS error of Python 3.13 with OpenSSL 3.4 and later
# that closed healthy connections of the scheduler (docs/dask-gateway.md).
SITE_PYTHONPATH = "/etc/dask/python"


class SiteSlurmBackend(SlurmBackend):
    """The Slurm backend, reading job states as slurm.conf's SlurmUser.

    With PrivateData=jobs, squeue run as the gateway's own user lists none
    of the users' jobs, and the gateway would take every cluster for gone.
    SlurmUser sees all jobs; the gateway may run /usr/bin/squeue as that user
    (its sudo rule) and nothing else. Submitting and cancelling stay as the
    cluster's user, through the launcher.
    """

    status_user = Unicode("slurm", help="The user squeue runs as (slurm.conf's SlurmUser)", config=True)

    def get_status_cmd_env(self, job_ids):
        cmd, env = super().get_status_cmd_env(job_ids)
        return [SUDO, "-n", "-u", self.status_user, *cmd], {**SUDO_ENVIRONMENT, **env}

    async def do_as_user(self, user, action, **kwargs):
        """Run the launcher as `user` through its sudo rule, the request
        (`action` and its arguments) as JSON on its stdin; returns the
        command's (returncode, stdout, stderr) that the launcher reports.

        The backend's own version starts sudo with an empty environment,
        which crashes sudo 1.9.16; this one gives it SUDO_ENVIRONMENT."""
        request = json.dumps(dict(kwargs, action=action)).encode("utf-8")
        proc = await asyncio.create_subprocess_exec(
            SUDO, "-n", "-H", "-u", user, self.dask_gateway_jobqueue_launcher,
            env=dict(SUDO_ENVIRONMENT),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate(request)
        out, err = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
        if proc.returncode != 0:
            raise Exception(  # noqa: TRY002 - the backend reports this type
                f"sudo could not run the launcher as {user} (exit {proc.returncode}): {err.strip() or out.strip()}")
        reply = json.loads(out)
        if not reply.get("ok"):
            raise Exception(reply.get("error") or "the launcher failed")  # noqa: TRY002
        return reply["returncode"], reply["stdout"], reply["stderr"]


def load_settings(path):
    """The role's settings, from the JSON file the role renders."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def read_lines(path):
    """The non-empty lines of a secret file, stripped."""
    with open(path, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip()]


def read_text(path):
    """The content of a secret file, stripped."""
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip()


def slurm_memory(gib):
    """A size in GiB as the backend takes it: whole MiB ("512 M")."""
    return "%d M" % int(float(gib) * 1024)


def environment_prefixes(settings):
    """{name: prefix} of the environments users may pick, the default first."""
    return {env["name"]: env["prefix"] for env in settings["environments"]}


def in_environment(prefix):
    """Scheduler and worker commands, and their PATH, from one environment."""
    return {
        "scheduler_cmd": [prefix + "/bin/dask", "scheduler"],
        "worker_cmd": [prefix + "/bin/dask", "worker"],
        "environment": {"PATH": prefix + "/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONPATH": SITE_PYTHONPATH},
    }


def make_options_handler(environments):
    """The handler that turns a user's validated options into cluster
    settings: only values the Options fields accepted reach the jobs."""

    def options_handler(options):
        return {
            "partition": options.partition,
            "qos": options.qos,
            "worker_cores": options.worker_cores,
            "worker_memory": slurm_memory(options.worker_memory),
            **in_environment(environments[options.environment]),
        }

    return options_handler


def cluster_options(settings):
    """The options users may set, each bounded by the site's policy; any
    other value is refused (422) before a job is submitted."""
    environments = environment_prefixes(settings)
    cores = settings["worker_cores"]
    memory = settings["worker_memory_gib"]
    partitions = list(settings["partition_choices"])
    qos = list(settings["qos_choices"])
    return Options(
        Integer("worker_cores", default=cores["default"], min=cores["min"], max=cores["max"],
                label="Worker cores"),
        Float("worker_memory", default=memory["default"], min=memory["min"], max=memory["max"],
              label="Worker memory (GiB)"),
        Select("partition", partitions, default=partitions[0], label="Slurm partition"),
        Select("qos", qos, default=qos[0], label="Slurm QOS"),
        Select("environment", list(environments), default=next(iter(environments)),
               label="Software environment"),
        handler=make_options_handler(environments),
    )


def _configure_state(c, settings):
    """Clusters survive a restart of the gateway: an encrypted database on
    disk, and clusters left running on shutdown."""
    c.SlurmBackend.db_url = "sqlite:///" + settings["database"]
    c.SlurmBackend.db_encrypt_keys = read_lines(settings["encrypt_keys_file"])
    c.SlurmBackend.stop_clusters_on_shutdown = False


def bind_address(settings):
    """The address both ports listen on: the site-internal one the role
    found (or the inventory's); never every interface by omission."""
    address = str(settings.get("bind_address") or "")
    if not address:
        raise ValueError("bind_address is empty in gateway_settings.json: the dask_gateway role sets it to "
                         "dask_gateway_bind_address or the address found on the gateway host")
    return address


def _configure_addresses(c, settings):
    """HTTP behind JupyterHub's proxy at /services/<name>; the TLS port
    carries scheduler traffic from clients (SNI routing). Both listen on the
    site-internal address only; the gateway's own API on loopback."""
    prefix = "/services/" + settings["service_name"]
    address = bind_address(settings)
    c.Proxy.address = "%s:%d" % (address, settings["http_port"])
    c.Proxy.tcp_address = "%s:%d" % (address, settings["tcp_port"])
    c.Proxy.prefix = prefix
    c.DaskGateway.address = "127.0.0.1:0"
    c.SlurmBackend.api_url = "http://%s:%d%s/api" % (settings["connect_name"], settings["http_port"], prefix)


def _configure_authentication(c, settings):
    """A hub token with access to this service; the gateway's own token as a
    hub service comes from a file only it reads."""
    c.DaskGateway.authenticator_class = "dask_gateway_server.auth.JupyterHubAuthenticator"
    c.JupyterHubAuthenticator.jupyterhub_api_url = settings["hub_api_url"]
    c.JupyterHubAuthenticator.jupyterhub_service_name = settings["service_name"]
    c.JupyterHubAuthenticator.jupyterhub_api_token = read_text(settings["api_token_file"])


def _configure_slurm(c, settings):
    """Scheduler and workers as Slurm jobs, submitted by the launcher as the
    cluster's user; every job with an explicit time limit and the caps."""
    c.DaskGateway.backend_class = SiteSlurmBackend
    c.SiteSlurmBackend.status_user = settings["status_user"]
    c.SlurmBackend.dask_gateway_jobqueue_launcher = settings["launcher"]
    c.SlurmBackend.submit_command = "/usr/bin/sbatch"
    c.SlurmBackend.cancel_command = "/usr/bin/scancel"
    c.SlurmBackend.status_command = "/usr/bin/squeue"
    # Queue wait included: above the burst QOS's expected wait.
    c.SlurmBackend.cluster_start_timeout = settings["start_timeout"]
    c.SlurmBackend.worker_start_timeout = settings["start_timeout"]

    default = in_environment(next(iter(environment_prefixes(settings).values())))
    c.SlurmClusterConfig.scheduler_cmd = default["scheduler_cmd"]
    c.SlurmClusterConfig.worker_cmd = default["worker_cmd"]
    c.SlurmClusterConfig.environment = default["environment"]
    # Every job gets an explicit time limit (the backend sets none).
    c.SlurmClusterConfig.scheduler_setup = "#SBATCH --time=" + settings["job_time"]
    c.SlurmClusterConfig.worker_setup = "#SBATCH --time=" + settings["job_time"]
    c.SlurmClusterConfig.staging_directory = STAGING_DIRECTORY
    c.SlurmClusterConfig.account = settings["account"]
    c.SlurmClusterConfig.scheduler_cores = settings["scheduler_cores"]
    c.SlurmClusterConfig.scheduler_memory = slurm_memory(settings["scheduler_memory_gib"])
    c.SlurmClusterConfig.idle_timeout = settings["idle_timeout"]
    c.SlurmClusterConfig.cluster_max_workers = settings["cluster_max_workers"]
    c.SlurmClusterConfig.cluster_max_cores = settings["cluster_max_cores"]
    c.SlurmClusterConfig.cluster_max_memory = slurm_memory(settings["cluster_max_memory_gib"])


def configure(c, settings):
    """Sets the gateway's whole configuration on the traitlets config `c`."""
    _configure_state(c, settings)
    _configure_addresses(c, settings)
    _configure_authentication(c, settings)
    _configure_slurm(c, settings)
    c.Backend.cluster_options = cluster_options(settings)
