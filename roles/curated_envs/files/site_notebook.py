"""What the site's notebook server computes when it starts.

Installed by the bundle's `curated_envs` role into the site's default
notebook environment, beside site_env_kernels.py, and used by it and by
the environment's etc/jupyter/jupyter_server_config.py. Plain Python (no
Jupyter import), so that the bundle's unit tests run it as it is:

- job_memory_limit: the memory limit of the Slurm job the server runs in
  (its cgroup's, else the job's variables), which jupyter-resource-usage
  shows the job's memory use against;
- kernel_display_name: the name of a curated environment's kernel, with the
  environment's live version and Python filled in;
- is_own_kernel: whether a kernel spec is one the server's environment
  ships itself (ipykernel's "Python 3 (ipykernel)"), which the site's
  kernel of the same environment replaces.
"""

import glob
import os
import re
import urllib.parse

# cgroup v1 reports "no limit" as a number near 2**63.
_UNLIMITED = 1 << 60


def _read(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        return None


def _limit_bytes(text):
    """A cgroup memory limit file's value in bytes, 0 for none ("max")."""
    text = (text or "").strip()
    if not text.isdigit():
        return 0
    value = int(text)
    return value if 0 < value < _UNLIMITED else 0


def cgroup_memory_limit(proc_cgroup="/proc/self/cgroup", cgroup_root="/sys/fs/cgroup"):
    """The smallest memory limit on the way from this process's cgroup up to
    the root (cgroup v2 memory.max, or v1 memory.limit_in_bytes), in bytes;
    0 when there is none. Slurm sets it on the job's cgroup, above the
    step's and the task's, which have none of their own."""
    limits = []
    for line in (_read(proc_cgroup) or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        hierarchy, controllers, path = parts
        if hierarchy == "0" and controllers == "":
            base, name = cgroup_root, "memory.max"
        elif "memory" in controllers.split(","):
            base, name = os.path.join(cgroup_root, "memory"), "memory.limit_in_bytes"
        else:
            continue
        relative = path.strip().strip("/")
        while True:
            value = _limit_bytes(_read(os.path.join(base, relative, name)))
            if value:
                limits.append(value)
            if not relative:
                break
            relative = os.path.dirname(relative)
    return min(limits) if limits else 0


def slurm_memory_limit(environ):
    """The job's memory from Slurm's variables, in bytes; 0 when it has none.
    --mem sets SLURM_MEM_PER_NODE, --mem-per-cpu SLURM_MEM_PER_CPU (both in
    MB), which counts once per CPU of the job on this node."""
    per_node = str(environ.get("SLURM_MEM_PER_NODE", "")).strip()
    if per_node.isdigit() and int(per_node) > 0:
        return int(per_node) * 1024 * 1024
    per_cpu = str(environ.get("SLURM_MEM_PER_CPU", "")).strip()
    cpus = str(environ.get("SLURM_CPUS_ON_NODE", "") or environ.get("SLURM_CPUS_PER_TASK", "") or "1").strip()
    if per_cpu.isdigit() and int(per_cpu) > 0 and cpus.isdigit():
        return int(per_cpu) * max(int(cpus), 1) * 1024 * 1024
    return 0


def job_memory_limit(environ=None, proc_cgroup="/proc/self/cgroup", cgroup_root="/sys/fs/cgroup"):
    """The memory limit of the job the server runs in, in bytes: the limit
    Slurm enforces (the cgroup's), else what the job asked for (Slurm's
    variables), else 0 (no limit known: none is shown)."""
    environ = os.environ if environ is None else environ
    return cgroup_memory_limit(proc_cgroup, cgroup_root) or slurm_memory_limit(environ)


def url_host(address):
    """The host name of a URL (the gateway's address), or None for none."""
    if not isinstance(address, str) or not address:
        return None
    return urllib.parse.urlsplit(address).hostname


def dask_gateway_address():
    """The site's Dask Gateway address (gateway.address of the Dask
    configuration, /etc/dask/gateway.yaml), or None where there is none."""
    try:
        import dask.config
    except ImportError:
        return None
    address = dask.config.get("gateway.address", default=None)
    return address if url_host(address) else None


def dashboard_address(gateway_address, server_prefix):
    """The public address that the Dask panel's gateway clusters get: the
    gateway's internal address through this notebook server's own proxy
    (jupyter-server-proxy's <server_prefix>proxy/<host:port>/<path>), so
    the browser reaches each cluster's dashboard through the hub's proxy
    and the server, and the panel opens it as it is (a dashboard link
    under the server's proxy/)."""
    parts = urllib.parse.urlsplit(gateway_address)
    return f"{server_prefix.rstrip('/')}/proxy/{parts.netloc}{parts.path}".rstrip("/")


def _python_version(prefix):
    """The X.Y of an environment's Python: a venv's pyvenv.cfg, else the
    name of its lib/pythonX.Y directory (conda); '' when not found."""
    for line in (_read(os.path.join(prefix, "pyvenv.cfg")) or "").splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            found = re.match(r"(\d+\.\d+)", value.strip())
            if found:
                return found.group(1)
    for path in sorted(glob.glob(os.path.join(prefix, "lib", "python[0-9]*.[0-9]*"))):
        found = re.search(r"python(\d+\.\d+)$", path)
        if found:
            return found.group(1)
    return ""


def kernel_display_name(template, link, name=""):
    """template with {name} (the environment's), {version} (the live
    version's hash, the <hash> of <root>/<name>-<hash>) and {python} (its
    Python's X.Y) filled in from the environment's stable path `link`; a
    field that cannot be read becomes '?'."""
    target = os.path.realpath(link)
    name = name or os.path.basename(link.rstrip("/"))
    version = ""
    if os.path.isdir(target):
        base = os.path.basename(target)
        version = base[len(name) + 1:] if base.startswith(name + "-") else base
    fields = {"name": name, "version": version or "?", "python": _python_version(target) or "?"}
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError):
        return template


def is_own_kernel(resource_dir, prefix):
    """True when the kernel spec in resource_dir lies inside the environment
    at prefix (the server's sys.prefix): the kernel that environment ships."""
    resource = os.path.realpath(resource_dir)
    prefix = os.path.realpath(prefix)
    return resource == prefix or resource.startswith(prefix.rstrip("/") + "/")
