"""Checks of the jupyterhub role's settings, run in the first play, and of
the site's TLS files on the login node.

``jupyterhub_errors`` takes a dict of the role's inputs (built in
roles/jupyterhub/tasks/validate.yml) and returns a list of problems, each
naming the variable and the fix; an empty list means the settings are good.

The inputs:
  authenticator        jupyterhub_authenticator
  username_pattern     jupyterhub_username_pattern
  ldap, oauth          jupyterhub_ldap, jupyterhub_oauth
  hub_ip               jupyterhub_hub_ip
  tls_cert, tls_key    jupyterhub_tls_cert, jupyterhub_tls_key
  db_backup_dir        jupyterhub_db_backup_dir
  db_backup_keep       jupyterhub_db_backup_keep
  profiles             jupyterhub_profiles
  services             jupyterhub_services
  platform_services    jupyterhub_platform_services
  slurm_account        jupyterhub_slurm_account
  job_extra_sbatch     jupyterhub_job_extra_sbatch
  job_script_template  jupyterhub_job_script_template
  policy               the Slurm policy, {partitions: [...], qos: [...],
                       accounts: [...]}: lists of dicts with a `name`
                       (partitions with MaxTime, QOS with MaxWall, accounts
                       with a `qos` list); sand_partition and sand_share for
                       the sand checks.

``jupyterhub_sand_fit`` is its check of the profiles against the caps of
the sand partition alone, which the first play of playbooks/slurm.yml runs
again once the nodes' sizes are known (roles/jupyterhub/tasks/sand_fit.yml).

``jupyterhub_tls_errors`` takes the probes of the site's certificate and
key that roles/jupyterhub/tasks/tls_check.yml runs on the login node before
the role changes anything there (see its docstring).
"""

from __future__ import annotations

import ipaddress
import os
import re

from ansible_collections.hpc.datasci.plugins.filter.slurm_policy import sand_memory_problem
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_sand_fit import (
    amount,
    describe,
    over_caps,
    remedy,
    sand_caps,
)
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_vocab import (
    SlurmValueError,
    over_time_limit,
    parse_memory_mb,
    time_minutes,
)

AUTHENTICATORS = ("pam", "ldap", "oauth")
# The role's default: lower-case letters, digits, _, . and - (the dot for
# LDAP/AD names such as j.doe), up to 32 characters, not starting with a
# digit, - or . (POSIX-portable names as useradd takes them, without the
# trailing $ of machine accounts).
DEFAULT_USERNAME_PATTERN = "^[a-z_][a-z0-9_.-]{0,31}$"
PROFILE_KEYS = ("name", "display_name", "partition", "qos", "cpus", "memory", "runtime")
SERVICE_KEYS = ("name", "url", "api_token")
# The slurm role's QOS of Dask workers and other bursts, whose caps leave
# part of the sand share to notebooks (plugins/filter/slurm_policy.py).
BURST_QOS = "burst"
SERVICE_TOKEN_MIN = 32

PROFILE_NAME_RE = re.compile(r"^[a-z0-9_-]+$")
SERVICE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# One sbatch option: --name or --name=value, nothing else on the line.
SBATCH_OPTION_RE = re.compile(r"^--[A-Za-z][A-Za-z0-9-]*(=\S+)?$")

# Names an identity provider could send that a user-name pattern must
# refuse: batchspawner puts the name into a shell command (sudo -u <name>),
# so no shell metacharacter, quote, space, slash, leading dash or leading
# dot ("..", ".alice": names of directories) may pass.
# Only names JupyterHub's own checks let through (no leading or trailing
# space, no "/") reach the pattern, so these are tested as it tests them
# (re.match after lower-casing); "/" is kept for the files named after users.
HOSTILE_USERNAMES = (
    "alice;id", "alice$(id)", "alice`id`", "alice bob", "alice'bob", 'alice"bob', "alice|id", "alice&id",
    "alice>x", "alice\nid", "../alice", "..", ".alice", "alice/x", "-alice", "alice$", "*",
)


def _names(entries):
    """The names of a list of policy entries (dicts with a name)."""
    return [e["name"] for e in entries or [] if isinstance(e, dict) and "name" in e]


def _by_name(entries):
    return {e["name"]: e for e in entries or [] if isinstance(e, dict) and "name" in e}


def _minutes(value):
    """Minutes of a Slurm time; None for no limit; a SlurmValueError when it
    is not a time."""
    return time_minutes(value if isinstance(value, (int, float)) else str(value))


def _is_positive_int(value):
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value > 0
    return isinstance(value, str) and value.isdigit() and int(value) > 0


def authenticator_errors(authenticator):
    if authenticator in AUTHENTICATORS:
        return []
    return [f"jupyterhub_authenticator must be pam, ldap or oauth, not {authenticator}"]


def username_pattern_errors(pattern, ldap, oauth):
    """jupyterhub_username_pattern compiles, is anchored at both ends and
    refuses every name of HOSTILE_USERNAMES; no authenticator's own
    settings replace it."""
    variable = "jupyterhub_username_pattern"
    errors = []
    if not isinstance(pattern, str) or not pattern:
        errors.append(f"{variable} must be a regular expression of the user names allowed, such as"
                      f" {DEFAULT_USERNAME_PATTERN}")
    else:
        errors += _pattern_errors(variable, pattern)
    errors += [f"jupyterhub_{name}: remove username_pattern and set {variable} (it applies to every authenticator)"
               for name, settings in (("ldap", ldap), ("oauth", oauth))
               if isinstance(settings, dict) and "username_pattern" in settings]
    return errors


def _pattern_errors(variable, pattern):
    """A user-name pattern that does not compile, is not anchored, or
    accepts a hostile name."""
    try:
        regex = re.compile(pattern)
    except re.error as problem:
        return [f"{variable} {pattern} is not a regular expression ({problem})"]
    errors = []
    if not (pattern.startswith("^") and pattern.endswith("$")):
        errors.append(f"{variable} {pattern} must start with ^ and end with $, so that it matches the whole name")
    accepted = [name for name in HOSTILE_USERNAMES if regex.match(name)]
    if accepted:
        errors.append(f"{variable} {pattern} accepts {', '.join(repr(n) for n in accepted)}: the hub runs"
                      " sudo -u <name>, so the pattern must refuse spaces, quotes, shell characters, / and a"
                      f" leading - or . (e.g. {DEFAULT_USERNAME_PATTERN})")
    return errors


def hub_ip_errors(address):
    """jupyterhub_hub_ip: empty (found on the login node) or an IPv4 address."""
    address = str(address or "")
    try:
        if not address or ipaddress.ip_address(address).version == 4:
            return []
    except ValueError:
        pass
    return [f"jupyterhub_hub_ip {address} is not an IPv4 address: give the login node's address on the site network,"
            " or leave it empty to have it found from the compute nodes"]


def tls_errors(cert, key):
    """jupyterhub_tls_cert and jupyterhub_tls_key: both set (absolute paths
    on the login node) or both empty (a self-signed pair); one alone would
    leave the proxy without a file or have the role generate a key over the
    site's."""
    cert, key = cert or "", key or ""
    if bool(cert) != bool(key):
        given, missing = ("jupyterhub_tls_cert", "jupyterhub_tls_key") if cert else (
            "jupyterhub_tls_key", "jupyterhub_tls_cert")
        return [f"{given} is set but {missing} is empty: give both (the site's certificate and its key), or"
                " neither for a self-signed certificate"]
    return [f"{variable} {path} must be an absolute path on the login node"
            for variable, path in (("jupyterhub_tls_cert", cert), ("jupyterhub_tls_key", key))
            if path and not str(path).startswith("/")]


def db_backup_errors(directory, keep):
    """jupyterhub_db_backup_dir (absolute) and jupyterhub_db_backup_keep (1 or more)."""
    errors = []
    if not (isinstance(directory, str) and directory.startswith("/")):
        errors.append(f"jupyterhub_db_backup_dir {directory} must be an absolute path on the login node")
    if not _is_positive_int(keep):
        errors.append(f"jupyterhub_db_backup_keep {keep} must be a positive integer (the number of backups kept)")
    return errors


def profile_key_errors(where, profile):
    """Missing and unknown keys of one profile."""
    errors = [f"{where}: {key} is missing" for key in PROFILE_KEYS if key not in profile]
    errors += [f"{where}: unknown key {key}" for key in profile if key not in PROFILE_KEYS]
    return errors


def profile_policy_errors(where, profile, policy, account):
    """A profile's partition, QOS and runtime against the Slurm policy, and
    the jobs' account's right to the QOS."""
    errors = []
    partitions = _by_name(policy.get("partitions"))
    qos = _by_name(policy.get("qos"))
    if "partition" in profile and profile["partition"] not in partitions:
        errors.append(f"{where}: partition {profile['partition']} is not in slurm_partitions"
                      f" ({', '.join(partitions)})")
    if "qos" in profile and profile["qos"] not in qos:
        errors.append(f"{where}: QOS {profile['qos']} is not in slurm_qos ({', '.join(qos)})")
    if "runtime" in profile:
        try:
            minutes = _minutes(profile["runtime"])
        except SlurmValueError:
            errors.append(f"{where}: runtime {profile['runtime']} is not a Slurm time such as 2:00:00")
        else:
            for kind, entries, key, limit_key in (("QOS", qos, "qos", "MaxWall"),
                                                  ("partition", partitions, "partition", "MaxTime")):
                entry = entries.get(profile.get(key), {})
                if over_time_limit(minutes, entry.get(limit_key)):
                    errors.append(f"{where}: runtime {profile['runtime']} is above the {limit_key} of {kind}"
                                  f" {profile[key]} ({entry[limit_key]}): the job would be refused")
    if account is not None and profile.get("qos") in qos:
        allowed = account.get("qos") or []
        if allowed and profile["qos"] not in allowed:
            errors.append(f"{where}: QOS {profile['qos']} is not among the qos of the account {account['name']}"
                          " in slurm_accounts (jupyterhub_slurm_account): add it there")
    return errors


def profile_value_errors(where, profile):
    """A profile's name, CPUs and memory."""
    errors = []
    name = profile.get("name")
    if "name" in profile and not (isinstance(name, str) and PROFILE_NAME_RE.match(name)):
        errors.append(f"{where}: name {name} must be lowercase letters, digits, _ and -"
                      " (display_name is the text users see)")
    if "cpus" in profile and not _is_positive_int(profile["cpus"]):
        errors.append(f"{where}: cpus {profile['cpus']} must be a positive integer")
    if "memory" in profile:
        try:
            parse_memory_mb(profile["memory"])
        except SlurmValueError:
            errors.append(f"{where}: memory {profile['memory']} is not a Slurm memory size such as 4G or 512M")
    return errors


def profile_sand_errors(where, profile, policy):
    """A profile's memory against what sand finds free on a full machine."""
    try:
        memory = parse_memory_mb(profile.get("memory"))
    except SlurmValueError:
        return []  # reported by profile_value_errors
    problem = sand_memory_problem(where, memory, profile.get("partition"), policy) if memory else None
    errors = [problem] if problem else []
    sand = policy.get("sand_partition")
    partitions = _by_name(policy.get("partitions"))
    if policy.get("sand_mode") == "suspend" and sand and profile.get("partition") not in (sand, None) \
            and profile.get("partition") in partitions:
        errors.append(f"{where}: partition {profile['partition']} is below the sand partition {sand}, whose jobs"
                      " suspend its jobs (slurm_sand_mode suspend): a suspended notebook freezes and the hub counts"
                      f" it as gone; put the profile in partition {sand}, or choose another slurm_sand_mode")
    return errors


def profile_fit_errors(where, profile, policy):
    """A profile's CPUs and memory against the caps of the sand partition
    (module_utils/slurm_sand_fit.py): a notebook that needs more could
    never start."""
    caps = sand_caps(policy, profile.get("partition"), profile.get("qos"))
    if not caps or not _is_positive_int(profile.get("cpus")):
        return []  # not in the sand partition, or reported by profile_value_errors
    try:
        memory = parse_memory_mb(profile.get("memory"))
    except SlurmValueError:
        memory = None
    errors = []
    for cap, need in over_caps([{"cpu": int(profile["cpus"]), "mem": memory}], caps):
        key = "cpus" if cap.tres == "cpu" else "memory"
        errors.append(f"{where}: its notebook asks {amount(cap.tres, need)} ({key} {profile[key]}), but the sand"
                      f" partition {profile['partition']} allows {describe(cap, policy)}: it could never start, its"
                      f" job would pend for good. {remedy(cap, need, policy, f'its {key}')}")
    return errors


def profile_reserve_errors(where, profile, policy):
    """A notebook profile in the sand partition, outside the QOS burst, that
    asks more CPUs than the part of the sand share burst jobs leave free
    could wait behind other users' Dask workers. The slurm role derives
    that part to hold the largest such notebook (sand_share.burst); only a
    GrpTRES the site set on the QOS burst itself (site_group_cpus) can leave
    less. A profile over the whole share is left to profile_fit_errors."""
    share = policy.get("sand_share") or {}
    burst = share.get("burst") or {}
    group = burst.get("site_group_cpus")
    if (group is None or profile.get("partition") != share.get("partition")
            or profile.get("qos") == burst.get("qos") or not _is_positive_int(profile.get("cpus"))):
        return []
    cpus, total = int(profile["cpus"]), burst["share_cpus"]
    kept = max(0, total - group)
    if cpus <= kept or cpus >= total:
        return []
    return [f"{where}: its notebook asks {amount('cpu', cpus)} (cpus {profile['cpus']}), but burst jobs (QOS"
            f" {burst['qos']}) may hold {amount('cpu', group)} of the sand partition {profile['partition']}'s"
            f" {amount('cpu', total)} (GrpTRES of slurm_qos.{burst['qos']}), leaving {amount('cpu', kept)}: it"
            f" would wait behind other users' Dask workers. Lower the cpu of slurm_qos.{burst['qos']}.GrpTRES to"
            f" at most {total - cpus} (or remove it: the slurm role then derives a reserve that holds the largest"
            f" notebook), or lower its cpus."]


def jupyterhub_notebook_cpus(profiles):
    """{partition: the CPUs of its largest notebook profile outside the QOS
    burst}: what the slurm role's derived reserve for notebooks in the sand
    partition must hold (its input slurm_notebook_cpus). Profiles that are
    not dicts or ask no whole number of CPUs are left to validation."""
    largest = {}
    for profile in profiles if isinstance(profiles, list) else []:
        if (isinstance(profile, dict) and isinstance(profile.get("partition"), str)
                and profile.get("qos") != BURST_QOS and _is_positive_int(profile.get("cpus"))):
            partition = profile["partition"]
            largest[partition] = max(largest.get(partition, 0), int(profile["cpus"]))
    return largest


def jupyterhub_sand_fit(settings):
    """The problems of profile_fit_errors for every profile of
    jupyterhub_profiles (settings: {profiles, policy}); the shape of the
    profiles is left to jupyterhub_errors."""
    profiles = settings.get("profiles")
    errors = []
    for index, profile in enumerate(profiles if isinstance(profiles, list) else []):
        if isinstance(profile, dict):
            where = f"jupyterhub_profiles[{index}] ({profile.get('name', '?')})"
            errors += profile_fit_errors(where, profile, settings.get("policy") or {})
            errors += profile_reserve_errors(where, profile, settings.get("policy") or {})
    return errors


def profiles_errors(profiles, policy, slurm_account):
    """Every problem of jupyterhub_profiles."""
    if not isinstance(profiles, list):
        return ["jupyterhub_profiles must be a list of profiles"]
    if not profiles:
        return ["jupyterhub_profiles is empty: give at least one profile"]
    account = _by_name(policy.get("accounts")).get(slurm_account) if slurm_account else None
    errors = []
    for index, profile in enumerate(profiles):
        if not isinstance(profile, dict):
            errors.append(f"jupyterhub_profiles[{index}] must be a dict with the keys {', '.join(PROFILE_KEYS)}")
            continue
        where = f"jupyterhub_profiles[{index}] ({profile.get('name', '?')})"
        errors += profile_key_errors(where, profile)
        errors += profile_policy_errors(where, profile, policy, account)
        errors += profile_value_errors(where, profile)
        errors += profile_sand_errors(where, profile, policy)
        errors += profile_fit_errors(where, profile, policy)
        errors += profile_reserve_errors(where, profile, policy)
    return errors


def account_errors(slurm_account, policy):
    """The jobs' account, when one is set, exists in slurm_accounts."""
    names = _names(policy.get("accounts"))
    if not slurm_account or slurm_account in names:
        return []
    return [f"jupyterhub_slurm_account {slurm_account} is not in slurm_accounts ({', '.join(names)})"]


def service_errors(variable, services):
    """Every problem of a list of hub services (jupyterhub_services or
    jupyterhub_platform_services)."""
    if not isinstance(services, list):
        return [f"{variable} must be a list of services (name, url, api_token)"]
    errors = []
    for index, service in enumerate(services):
        where = f"{variable}[{index}]"
        if not isinstance(service, dict):
            errors.append(f"{where} must be a dict with the keys name, url and api_token")
            continue
        errors += [f"{where}: {key} is missing" for key in ("name", "url") if key not in service]
        errors += [f"{where}: unknown key {key} (name, url, api_token)" for key in service if key not in SERVICE_KEYS]
        name = service.get("name")
        if "name" in service and not (isinstance(name, str) and SERVICE_NAME_RE.match(name)):
            errors.append(f"{where}: name {name} must be lowercase letters, digits and dashes")
        if "api_token" in service and len(str(service["api_token"])) < SERVICE_TOKEN_MIN:
            errors.append(f"{where} ({service.get('name', '?')}): api_token must have at least"
                          f" {SERVICE_TOKEN_MIN} characters")
    return errors


def duplicate_service_errors(services, platform_services):
    """A service name given twice across both lists."""
    if not isinstance(services, list) or not isinstance(platform_services, list):
        return []
    names = [s.get("name") for s in services + platform_services if isinstance(s, dict) and "name" in s]
    twice = sorted({n for n in names if names.count(n) > 1}, key=str)
    return [f"jupyterhub_services + jupyterhub_platform_services: service {name} is given twice;"
            " keep one (the bundle's playbooks add the services of its own roles)" for name in twice]


def unique_profile_errors(profiles):
    if not isinstance(profiles, list):
        return []
    names = [p.get("name", "") if isinstance(p, dict) else "" for p in profiles]
    if len(set(map(str, names))) != len(names):
        return ["jupyterhub_profiles: profile names must be unique"]
    return []


def job_script_errors(extra_sbatch, template):
    """jupyterhub_job_extra_sbatch and jupyterhub_job_script_template."""
    errors = []
    if not isinstance(extra_sbatch, list):
        errors.append('jupyterhub_job_extra_sbatch must be a list of sbatch options such as "--gres=gpu:1"')
    else:
        for index, option in enumerate(extra_sbatch):
            if not (isinstance(option, str) and SBATCH_OPTION_RE.match(option)):
                errors.append(f'jupyterhub_job_extra_sbatch[{index}]: "{option}" must be one sbatch option'
                              ' starting with "--", without spaces or line breaks (e.g. "--gres=gpu:1")')
    if template:
        if not os.path.isabs(str(template)):
            errors.append(f"jupyterhub_job_script_template {template} must be an absolute path on the control machine"
                          ' (or "" for the role\'s template)')
        elif not os.path.isfile(template):
            errors.append(f"jupyterhub_job_script_template {template} is not a file on the control machine"
                          ' (give the path of the site\'s template, or "" for the role\'s)')
    return errors


def jupyterhub_errors(settings):
    """Every problem of the hub's settings (see the module's docstring for
    the keys of settings)."""
    policy = settings.get("policy") or {}
    profiles = settings.get("profiles")
    services = settings.get("services", [])
    platform_services = settings.get("platform_services", [])
    slurm_account = settings.get("slurm_account") or ""
    errors = authenticator_errors(settings.get("authenticator"))
    errors += username_pattern_errors(settings.get("username_pattern"), settings.get("ldap"), settings.get("oauth"))
    errors += hub_ip_errors(settings.get("hub_ip"))
    errors += tls_errors(settings.get("tls_cert"), settings.get("tls_key"))
    errors += db_backup_errors(settings.get("db_backup_dir", "/var/lib/jupyterhub/backups"),
                               settings.get("db_backup_keep", 5))
    errors += profiles_errors(profiles, policy, slurm_account)
    errors += account_errors(slurm_account, policy)
    errors += service_errors("jupyterhub_services", services)
    errors += service_errors("jupyterhub_platform_services", platform_services)
    errors += duplicate_service_errors(services, platform_services)
    errors += unique_profile_errors(profiles)
    errors += job_script_errors(settings.get("job_extra_sbatch", []), settings.get("job_script_template") or "")
    return errors


# --- The site's TLS files, on the login node (roles/jupyterhub/tasks/tls_check.yml) -------------

# Directories the proxy's unit does not see (ProtectHome=true).
HIDDEN_FROM_PROXY = ("/home/", "/root/", "/run/user/")


def _first_line(text):
    lines = (text or "").strip().splitlines()
    return lines[0] if lines else "no output"


def _file_kind(stat):
    """What a path that is not a regular file is, from its stat."""
    for key, kind in (("isdir", "a directory"), ("ischr", "a character device"), ("isblk", "a block device"),
                      ("isfifo", "a FIFO"), ("issock", "a socket")):
        if stat.get(key):
            return kind
    return "not a regular file"


def tls_file_errors(variable, path, probe, user):
    """One TLS file's existence and readability by the proxy's user; empty
    when the file is fine, so that its content may be read. The stat
    follows symbolic links (Let's Encrypt's live/*.pem lead into archive/),
    and probe["realpath"] is where the path leads ("" when unknown)."""
    stat = probe.get("stat") or {}
    if not stat.get("exists"):
        return [f"{variable} {path} does not exist on this host: put the file there, or set jupyterhub_tls_cert"
                ' and jupyterhub_tls_key to "" for a self-signed certificate']
    target = probe.get("realpath") or path
    shown = f"{path} (-> {target})" if target != path else path
    if not stat.get("isreg"):
        return [f"{variable} {shown} is {_file_kind(stat)}: set {variable} to the path of the PEM file itself (a"
                " symbolic link to it will do)"]
    if str(path).startswith(HIDDEN_FROM_PROXY) or str(target).startswith(HIDDEN_FROM_PROXY):
        return [f"{variable} {shown} is in a directory the proxy's unit hides (ProtectHome: /home, /root,"
                " /run/user): put it under /etc (e.g. /etc/ssl)"]
    if probe.get("readable_rc") not in (None, 0):
        through = "above it and above the link" if target != path else "above it"
        return [f"{variable} {shown} is not readable by {user}, the proxy's user: e.g. chgrp {user} {target} and"
                f" chmod 0640 it, and let the user through the directories {through}"]
    return []


def tls_content_errors(settings):
    """The certificate and key's content: both parse, the certificate is
    not expired, and both hold the same public key."""
    cert, key = settings["cert"], settings["key"]
    cert_probe, key_probe = settings["cert_probe"], settings["key_probe"]
    errors = []
    if cert_probe.get("pubkey_rc") != 0:
        errors.append(f"jupyterhub_tls_cert {cert} is not a PEM certificate"
                      f" (openssl: {_first_line(cert_probe.get('pubkey_stderr'))})")
    elif cert_probe.get("valid_rc") != 0:
        errors.append(f"jupyterhub_tls_cert {cert} has expired ({_first_line(cert_probe.get('enddate'))}):"
                      " renew it, then run the play again")
    if key_probe.get("pubkey_rc") != 0:
        errors.append(f"jupyterhub_tls_key {key} is not a PEM private key that opens without a passphrase"
                      f" (openssl: {_first_line(key_probe.get('pubkey_stderr'))})")
    parsed = cert_probe.get("pubkey_rc") == 0 and key_probe.get("pubkey_rc") == 0
    if parsed and cert_probe.get("pubkey", "").strip() != key_probe.get("pubkey", "").strip():
        errors.append(f"jupyterhub_tls_cert {cert} does not belong to jupyterhub_tls_key {key} (their public"
                      " keys differ): give the key the certificate was issued for")
    return errors


def jupyterhub_tls_errors(settings):
    """Every problem of the site's certificate and key on the login node,
    from the probes of roles/jupyterhub/tasks/tls_check.yml:

      cert, key     the paths (jupyterhub_tls_cert, jupyterhub_tls_key)
      user          jupyterhub_user
      cert_probe    {stat: {exists, isreg, isdir, ...} of the file a
                    symbolic link leads to, realpath: that file's path
                    (`realpath -e`; "" when unknown), readable_rc: rc of
                    `test -r` (through the link) as
                    the user (None when the account does not exist yet),
                    pubkey_rc, pubkey, pubkey_stderr: `openssl x509 -pubkey`,
                    valid_rc: `openssl x509 -checkend 0`, enddate}
      key_probe     {stat, realpath, readable_rc, pubkey_rc, pubkey, pubkey_stderr:
                    `openssl pkey -pubout`}
    """
    errors = []
    for variable, path, probe in (("jupyterhub_tls_cert", settings["cert"], settings["cert_probe"]),
                                  ("jupyterhub_tls_key", settings["key"], settings["key_probe"])):
        errors += tls_file_errors(variable, path, probe, settings["user"])
    if errors:
        return errors
    return tls_content_errors(settings)


class FilterModule:
    """The jupyterhub role's checks."""

    def filters(self):
        return {"jupyterhub_errors": jupyterhub_errors, "jupyterhub_sand_fit": jupyterhub_sand_fit,
                "jupyterhub_notebook_cpus": jupyterhub_notebook_cpus, "jupyterhub_tls_errors": jupyterhub_tls_errors}
