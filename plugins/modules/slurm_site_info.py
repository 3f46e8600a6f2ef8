#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: slurm_site_info
short_description: Read a running site's Slurm configuration, files and active jobs
description:
  - Reads, without changing anything, what overlay mode must know before it adds its
    fragment to a site's Slurm - the release and the running configuration
    (C(scontrol show config)), the site's slurm.conf and every file it includes (each
    key and partition with the file and line that defines it), the partitions slurmctld
    runs (C(scontrol show partition -o)), the nodes it knows with their sizes
    (C(scontrol show node -o)), the partitions and QOS of active jobs
    (C(squeue)) and the running jobs that hold their nodes with dedicated cores
    (C(squeue --json)).
  - The bundle's own fragment is read apart (O(fragment)) - it is the record of what the
    bundle wrote last time - and is never counted as the site's.
  - Must run where slurm.conf is read and slurmctld answers, as root (to see every
    user's jobs under C(PrivateData)), usually on the controller.
version_added: "1.3.0"
author:
  - HPC data-science bundle maintainers
options:
  fragment:
    description:
      - Path of the bundle's fragment. Empty means C(hpc-datasci.conf) in the directory
        of the site's slurm.conf (as C(scontrol show config) reports it).
    type: str
    default: ""
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
'''

EXAMPLES = r'''
- name: Read the site's Slurm
  hpc.datasci.slurm_site_info:
  register: site
'''

RETURN = r'''
version:
  description: The Slurm release, [major, minor, micro].
  type: list
  returned: always
conf_path:
  description: The site's slurm.conf.
  type: str
  returned: always
fragment_path:
  description: The bundle's fragment.
  type: str
  returned: always
fragment_included:
  description: Whether the site's files include the fragment.
  type: bool
  returned: always
fragment:
  description: What the fragment defines now (parse of it; empty when it does not exist).
  type: dict
  returned: always
site:
  description: What the site's files define (keys, partitions, nodes, includes, defaults).
  type: dict
  returned: always
config:
  description: The running configuration, key to value.
  type: dict
  returned: always
partitions:
  description: The partitions slurmctld runs, name to their scontrol keys.
  type: dict
  returned: always
nodes:
  description: The names of the nodes slurmctld knows.
  type: list
  returned: always
node_records:
  description:
    - What slurmctld counts of each node it knows, name to C(CPUs) (its CPUTot), C(RealMemory) and
      C(MemSpecLimit) (MiB held back from jobs; 0 when the node sets none), and C(Partitions), the
      partitions the node is in.
  type: dict
  returned: always
  sample: {"c1": {"CPUs": 2, "RealMemory": 3000, "MemSpecLimit": 0, "Partitions": ["general", "express"]}}
jobs:
  description: Active jobs, each {id, partitions, qos, state}.
  type: list
  returned: always
one_row_jobs:
  description:
    - The running or suspended jobs that hold their nodes with dedicated cores (they started while their
      partition was not C(OverSubscribe=FORCE)), each {job_id, partition, user, state, nodes, end}; C(end)
      in seconds since the epoch, null when unlimited. No job of a C(OverSubscribe=FORCE) partition starts
      on those nodes until they end.
    - Null where C(squeue --json) does not say how jobs hold their nodes (Slurm 22.05).
  type: list
  returned: always
  sample: [{"job_id": 3, "partition": "general", "user": "carol", "state": "RUNNING", "nodes": "c2",
            "end": 1796822914}]
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_blocking_jobs import read_one_row_jobs
from ansible_collections.hpc.datasci.plugins.module_utils.slurm_conf_reader import (
    merge_conf,
    node_sizes,
    parse_conf,
    scontrol_config,
    scontrol_records,
    slurm_version,
)

FRAGMENT_NAME = 'hpc-datasci.conf'


def _run(module, args):
    rc, out, err = module.run_command(args, environ_update={'LC_ALL': 'C'})
    if rc != 0:
        module.fail_json(msg='%s failed (exit %d): %s' % (' '.join(args), rc, (err or out).strip()))
    return out


def _one_row_jobs(module):
    """one_row_jobs of `squeue --json`; None where squeue fails or prints no
    such JSON (a Slurm built without its JSON serializer), or does not say
    how jobs hold nodes."""
    rc, out, _err = module.run_command(['squeue', '-a', '--json'], environ_update={'LC_ALL': 'C'})
    return read_one_row_jobs(out) if rc == 0 else None


def _read(path):
    with open(path, encoding='utf-8', errors='replace') as handle:
        return handle.read()


def read_site_files(conf_path, fragment_path, cluster=''):
    """Parse slurm.conf and its includes (depth first, as Slurm reads them,
    one table of DEFAULT lines for all), leaving out the fragment. An Include
    names a file relative to slurm.conf's directory or absolute; "%c" stands
    for the cluster's name. Returns (parsed files, whether the fragment is
    included, files that could not be read)."""
    parsed, unreadable, included = [], [], False
    conf_dir = os.path.dirname(conf_path)
    defaults = {'partition': {}, 'node': {}}
    seen = set()

    def visit(path):
        nonlocal included
        real = os.path.realpath(path)
        if real in seen:
            return
        seen.add(real)
        try:
            each = parse_conf(_read(path), path, defaults)
        except OSError as exc:
            unreadable.append('%s (%s)' % (path, exc.strerror))
            return
        parsed.append(each)
        for include in each['includes']:
            target = include['path'].replace('%c', cluster.lower())
            if not os.path.isabs(target):
                target = os.path.join(conf_dir, target)
            if os.path.realpath(target) == os.path.realpath(fragment_path):
                included = True
                continue
            visit(target)

    visit(conf_path)
    return parsed, included, unreadable


def active_jobs(text):
    """[{id, partitions, qos, state}] of `squeue -h -o %i|%P|%q|%T`."""
    jobs = []
    for line in (text or '').splitlines():
        fields = line.strip().split('|')
        if len(fields) != 4:
            continue
        jobs.append({'id': fields[0], 'partitions': [p for p in fields[1].split(',') if p],
                     'qos': fields[2], 'state': fields[3]})
    return jobs


def main():
    module = AnsibleModule(
        argument_spec=dict(fragment=dict(type='str', default='')),
        supports_check_mode=True,
    )
    config = scontrol_config(_run(module, ['scontrol', 'show', 'config']))
    conf_path = config.get('SLURM_CONF') or '/etc/slurm/slurm.conf'
    fragment_path = module.params['fragment'] or os.path.join(os.path.dirname(conf_path), FRAGMENT_NAME)
    if not os.path.isabs(fragment_path):
        module.fail_json(msg='fragment must be an absolute path, not %s' % fragment_path)
    parsed, included, unreadable = read_site_files(conf_path, fragment_path, config.get('ClusterName', ''))
    if unreadable:
        module.fail_json(msg='cannot read the site\'s Slurm configuration: %s' % ', '.join(unreadable))
    fragment = parse_conf(_read(fragment_path), fragment_path) if os.path.exists(fragment_path) else {}
    partitions = scontrol_records(_run(module, ['scontrol', 'show', 'partition', '-o']), 'PartitionName')
    node_records = node_sizes(scontrol_records(_run(module, ['scontrol', 'show', 'node', '-o']), 'NodeName'))
    jobs = active_jobs(_run(module, ['squeue', '-h', '-a', '-o', '%i|%P|%q|%T']))
    holding = _one_row_jobs(module)
    version = slurm_version(config.get('SLURM_VERSION') or _run(module, ['scontrol', '--version']))
    module.exit_json(
        changed=False,
        version=list(version) if version else None,
        conf_path=conf_path,
        fragment_path=fragment_path,
        fragment_included=included,
        fragment=fragment,
        site=merge_conf(parsed),
        config=config,
        partitions=partitions,
        nodes=sorted(node_records),
        node_records=node_records,
        jobs=jobs,
        one_row_jobs=holding,
    )


if __name__ == '__main__':
    main()
