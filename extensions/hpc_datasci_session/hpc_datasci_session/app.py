"""The server extension: GET <base_url>hpc-datasci-session/time answers the
job's end, the server's clock, the warning times and the longer-session text."""

import json
import time

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.application import ExtensionApp
from jupyter_server.utils import url_path_join
from tornado import web
from traitlets import Float, List, TraitError, Unicode, validate

from .slurm_time import EndTime

# Short enough for JupyterLab's toast (140 characters) beside the warning.
DEFAULT_LONGER_SESSION = "Need longer? Pick a profile with a longer runtime on the spawn page."


class SessionTimeHandler(APIHandler):
    """The job's end, the server's clock, the warning times and the longer-session text."""

    @web.authenticated
    async def get(self):
        app = self.settings["hpc_datasci_session"]
        self.finish(json.dumps(await app.session_time()))


class SlurmSession(ExtensionApp):
    """The session's Slurm job in JupyterLab (c.SlurmSession.* in a Jupyter server config file)."""

    name = "hpc_datasci_session"

    warn_minutes = List(
        Float(), default_value=[10, 2],
        help="Minutes before the job's end at which JupyterLab warns and saves open documents.",
    ).tag(config=True)

    longer_session = Unicode(
        DEFAULT_LONGER_SESSION,
        help="How to get a longer session, shown in each warning.",
    ).tag(config=True)

    refresh_seconds = Float(
        30.0, help="Seconds for which squeue's answer about the job's end is reused; JupyterLab asks again as often.",
    ).tag(config=True)

    squeue = Unicode("squeue", help="The squeue command asked for the job's end.").tag(config=True)

    @validate("warn_minutes")
    def _check_warn_minutes(self, proposal):
        minutes = proposal["value"]
        if any(m <= 0 for m in minutes):
            raise TraitError(f"warn_minutes must be positive minutes, not {minutes}")
        return sorted(set(minutes), reverse=True)

    def initialize_settings(self):
        self.end_time = EndTime(squeue=self.squeue, refresh=self.refresh_seconds)
        self.settings["hpc_datasci_session"] = self

    def initialize_handlers(self):
        self.handlers.append((url_path_join("hpc-datasci-session", "time"), SessionTimeHandler))

    async def session_time(self):
        return {
            "job_id": self.end_time.job_id,
            "end": await self.end_time.get(),
            "now": time.time(),
            "warn_minutes": list(self.warn_minutes),
            "longer_session": self.longer_session,
            "refresh": self.refresh_seconds,
        }
