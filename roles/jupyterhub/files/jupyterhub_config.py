# JupyterHub configuration, installed by the role hpc.datasci.jupyterhub
# (roles/jupyterhub/files/jupyterhub_config.py); do not edit it here.
#
# It holds no setting of its own. The site's settings are in
# hub_settings.json, next to this file (rendered from the inventory); the
# hub's behaviour is in the module hpc_datasci_hub.py, next to this file;
# the site's additions (jupyterhub_extra_config) are in
# jupyterhub_extra_config.py, next to this file, run last.
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import hpc_datasci_hub  # noqa: E402 (found through the line above)

c = get_config()  # noqa: F821 (provided by JupyterHub)

hpc_datasci_hub.configure(c, hpc_datasci_hub.load_json(os.path.join(HERE, "hub_settings.json")))

_EXTRA = os.path.join(HERE, "jupyterhub_extra_config.py")
if os.path.exists(_EXTRA):
    with open(_EXTRA, encoding="utf-8") as _f:
        exec(compile(_f.read(), _EXTRA, "exec"))  # noqa: S102 (the site's own lines, as if appended here)
