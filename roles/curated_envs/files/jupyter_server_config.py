# Installed by the Ansible role curated_envs into the default notebook
# environment's etc/jupyter (edits are overwritten). Read by every Jupyter
# server started from this environment, before the jupyter_server_config.json
# beside it (whose settings win, curated_envs_server_config included) and a
# user's own ~/.jupyter configuration.
#
# jupyter-resource-usage shows the memory the server and its kernels use
# against the memory limit of the Slurm job the server runs in
# (site_notebook.job_memory_limit); outside a job with a limit it shows
# the use alone.
#
# The Dask panel (dask-labextension) opens a cluster's dashboard from its
# dashboard link when that link lies under this server's proxy/: its
# gateway clusters get the gateway's internal address through this
# server's jupyter-server-proxy (site_notebook.dashboard_address), which
# may reach that one host beside the local ones.
import os

from site_notebook import dashboard_address, dask_gateway_address, job_memory_limit, url_host

c = get_config()  # noqa: F821 (defined by Jupyter when it reads this file)
_limit = job_memory_limit()
if _limit:
    c.ResourceUseDisplay.mem_limit = _limit

_gateway = dask_gateway_address()
_prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX")
if _gateway and _prefix:
    import dask.config

    c.ServerProxy.host_allowlist = ["localhost", "127.0.0.1", url_host(_gateway)]
    dask.config.set({"labextension.factory.kwargs.public_address": dashboard_address(_gateway, _prefix)})
