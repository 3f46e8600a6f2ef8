"""Load a filter plugin of the collection by its file name, as Ansible does."""

import importlib


def load_filter(name):
    """The module plugins/filter/<name>.py, imported by its collection path."""
    return importlib.import_module(f"ansible_collections.hpc.datasci.plugins.filter.{name}")
