"""Exact messages of plugins/filter/miniforge_validation.py, in the first
play (no architecture) and on a host (its architecture)."""

import pytest
from _filters import load_filter

mf = load_filter("miniforge_validation")

SHA = "1b57f8cb991982063f79b56176881093abb1dc76d73fda32102afde60585b5a1"
BASE = {
    "version": "25.3.0-3",
    "installer_sha256": "",
    "checksums": {"25.3.0-3": {"x86_64": SHA}},
    "architectures": {"x86_64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"},
    "arch": "",
    "installer_path": "",
    "shared_storage": True,
    "install_host": "",
    "hosts": ["login1", "c1"],
}


def _with(**changes):
    return dict(BASE, **changes)


@pytest.mark.parametrize("settings, expected", [
    (BASE, []),
    (_with(arch="x86_64"), []),
    (_with(install_host="c1"), []),
    (_with(version="26.1.0-0"),
     ["miniforge_installer_sha256 is not set and miniforge_checksums has no entry for version 26.1.0-0: add the"
      " published sha256 of its installers, or set miniforge_installer_sha256 (64 hex digits)."]),
    (_with(version="26.1.0-0", installer_sha256=SHA), []),
    (_with(installer_sha256="abc"),
     ["miniforge_installer_sha256 (abc) is not a sha256: give 64 lowercase hex digits."]),
    (_with(arch="aarch64"),
     ["miniforge_installer_sha256 is not set and miniforge_checksums has no sha256 for version 25.3.0-3 on"
      " aarch64: add it, or set miniforge_installer_sha256 (64 hex digits)."]),
    (_with(arch="ppc64le"),
     ["miniforge: no installer for architecture ppc64le (miniforge_architectures knows x86_64, aarch64, arm64)."]),
    (_with(install_host="ctl"),
     ["miniforge_install_host (ctl) is not among the hosts of this play (login1, c1)."]),
    (_with(install_host="ctl", shared_storage=False), []),
    (_with(installer_path="/nonexistent/Miniforge3.sh"),
     ["miniforge_installer_path /nonexistent/Miniforge3.sh does not exist on the control machine."]),
])
def test_miniforge_errors(settings, expected):
    assert mf.miniforge_errors(settings) == expected


def test_an_existing_installer_path_passes(tmp_path):
    installer = tmp_path / "Miniforge3.sh"
    installer.write_text("#!/bin/sh\n")
    assert mf.miniforge_errors(_with(installer_path=str(installer))) == []
