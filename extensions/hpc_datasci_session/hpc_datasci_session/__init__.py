"""JupyterLab shows the time left in the session's Slurm job, warns at the
site's warning times and saves open documents with unsaved changes.

The server extension answers GET <base_url>hpc-datasci-session/time; the lab
extension (built from src/, installed into
share/jupyter/labextensions/hpc-datasci-session) shows and warns.
"""

__version__ = "0.1.0"


def _jupyter_server_extension_points():
    from .app import SlurmSession

    return [{"module": "hpc_datasci_session", "app": SlurmSession}]
