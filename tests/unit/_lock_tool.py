"""scripts/lock.py, imported by its path for the tests."""

import pathlib

from _modules import load_file

ROOT = pathlib.Path(__file__).resolve().parents[2]
lock_tool = load_file("lock_tool", ROOT / "scripts" / "lock.py")
