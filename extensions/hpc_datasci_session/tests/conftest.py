"""The extension's tests run with the project's venv (pytest, Playwright);
the extension itself runs in build/extension/venv, the notebook environment
from its lock with the wheel (scripts/build-extension.sh, `make extension`)."""

import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
# slurm_time needs only the standard library: imported from the source tree.
sys.path.insert(0, str(HERE.parent))


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives JupyterLab in headless Chromium (about 1 min)")
