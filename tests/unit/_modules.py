"""One loader for the unit tests of Python files that are not importable
packages (a role's files/, scripts/, a filter plugin read on its own)."""

import importlib.util


def load_file(name, path):
    """The module of the Python file at path, executed under name."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
