#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: slurm_sacctmgr_info
short_description: Read Slurm accounting QOS, accounts or user associations with sacctmgr
description:
  - Lists what exists in the Slurm accounting database through
    C(sacctmgr --noheader --parsable2 show ...). Never changes anything.
  - Records use the same attribute keys (sacctmgr's set spelling) and value spelling as the
    diff of M(slurm_sacctmgr), so they can be fed back into it, or compared with an inventory
    (for example to find QOS that are no longer wanted).
version_added: "1.0.0"
author:
  - HPC data-science bundle maintainers
options:
  entity:
    description:
      - Kind of accounting entity to list.
    type: str
    required: true
    choices: [qos, account, user]
  name:
    description:
      - Only this QOS, account or user. All of them when omitted.
    type: str
  cluster:
    description:
      - For O(entity=account) and O(entity=user), only associations on this cluster.
    type: str
  account:
    description:
      - For O(entity=user), only associations with this account.
    type: str
attributes:
  check_mode:
    description: Read-only; runs the same in check mode.
    support: full
  diff_mode:
    description: Nothing to diff.
    support: none
  platform:
    description: Needs C(sacctmgr) on the target host.
    support: full
    platforms: posix
seealso:
  - module: slurm_sacctmgr
'''

EXAMPLES = r'''
- name: All QOS
  slurm_sacctmgr_info:
    entity: qos
  register: qos_info

- name: Delete QOS that the inventory no longer lists (slurm_qos_purge)
  slurm_sacctmgr:
    entity: qos
    name: "{{ item }}"
    state: absent
  loop: "{{ qos_info.records | map(attribute='Name') | difference(wanted_qos) }}"
  vars:
    # QOS the inventory defines, plus the one slurmdbd creates itself
    wanted_qos: "{{ slurm_qos | map(attribute='name') | list + ['normal'] }}"

- name: Associations of one user on one cluster
  slurm_sacctmgr_info:
    entity: user
    name: alice
    cluster: hpc
  register: alice_info
'''

RETURN = r'''
records:
  description:
    - One dict per QOS (O(entity=qos)), per account association (O(entity=account); an
      account without association appears once with C(Cluster) null), or per user
      association (O(entity=user); a user without association appears once with
      C(Account) and C(Cluster) null, unless O(account) or O(cluster) filter).
    - Keys are C(Name), plus C(Cluster) for accounts, C(Account) and C(Cluster) for users,
      plus every attribute M(slurm_sacctmgr) manages for that entity, keyed by set-name.
      Unset values are null.
  returned: always
  type: list
  elements: dict
  sample:
    - Name: interactive
      Description: interactive notebooks
      Priority: "100"
      MaxWall: "08:00:00"
      MaxTRESPerUser: cpu=8,mem=32G,gres/gpu=1
      Flags: DenyOnLimit
      GrpTRES: null
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hpc.datasci.plugins.module_utils.sacctmgr import (
    ENTITIES,
    Sacctmgr,
    SacctmgrError,
    info_records,
)


def argument_spec():
    return dict(
        entity=dict(type='str', required=True, choices=list(ENTITIES)),
        name=dict(type='str'),
        cluster=dict(type='str'),
        account=dict(type='str'),
    )


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    p = module.params
    binary = module.get_bin_path('sacctmgr', required=True)

    def runner(args):
        return module.run_command([binary] + list(args), environ_update={'LC_ALL': 'C'})

    try:
        records = info_records(Sacctmgr(runner), p['entity'], name=p['name'],
                               cluster=p['cluster'], account=p['account'])
    except SacctmgrError as exc:
        module.fail_json(msg=exc.msg, **exc.details)
    module.exit_json(changed=False, records=records)


if __name__ == '__main__':
    main()
