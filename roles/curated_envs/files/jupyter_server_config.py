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
from site_notebook import job_memory_limit

c = get_config()  # noqa: F821 (defined by Jupyter when it reads this file)
_limit = job_memory_limit()
if _limit:
    c.ResourceUseDisplay.mem_limit = _limit
