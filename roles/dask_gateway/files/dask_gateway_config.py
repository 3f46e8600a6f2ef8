"""Configuration of the site's Dask Gateway, installed by the Ansible role
dask_gateway (edits are overwritten). It holds no settings: those are the
data the role renders from the inventory into gateway_settings.json, and the
module dask_gateway_site applies them. Both files are beside this one.
"""

import importlib.util
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def _load_site_module():
    """The module dask_gateway_site from this file's directory."""
    spec = importlib.util.spec_from_file_location("dask_gateway_site", os.path.join(_HERE, "dask_gateway_site.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_site = _load_site_module()
_site.configure(get_config(), _site.load_settings(os.path.join(_HERE, "gateway_settings.json")))  # noqa: F821 (get_config: given by dask-gateway-server)
