"""scripts/lock.py, imported by its path for the tests."""

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
_SPEC = importlib.util.spec_from_file_location("lock_tool", ROOT / "scripts" / "lock.py")
lock_tool = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(lock_tool)
