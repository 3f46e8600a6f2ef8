#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: slurm_sacctmgr
short_description: Manage one Slurm accounting QOS, account or user association with sacctmgr
description:
  - Creates, modifies or deletes one Slurm accounting entity through C(sacctmgr), that is
    a QOS, an account (and its association on a cluster) or a user association
    (user x account x cluster).
  - Only the attributes listed in O(attributes) are managed; every other setting of the
    entity is left as it is.
  - The current state is read with C(sacctmgr --noheader --parsable2 show ...) and compared
    with the wanted values after normalizing both sides, so equivalent spellings
    (C(60) and C(01:00:00) for a wall time, C(node=2,cpu=4) and C(cpu=4,node=2) for TRES,
    C(2) and C(2.000000) for a factor) do not cause a change.
  - A change issues C(sacctmgr -i modify ... set) with only the attributes that differ
    (for accounts and users, one command for the account/user record and one for the
    association, when both have changes).
  - Must run on a host where C(sacctmgr) can reach slurmdbd as a Slurm administrator
    (usually the slurmdbd or controller host, as root or SlurmUser).
version_added: "1.0.0"
author:
  - HPC data-science bundle maintainers
options:
  entity:
    description:
      - Kind of accounting entity to manage.
    type: str
    required: true
    choices: [qos, account, user]
  name:
    description:
      - Name of the QOS, account or user.
      - Slurm stores QOS and account names in lower case; give them in lower case.
    type: str
    required: true
  state:
    description:
      - V(present) creates the entity (or association) if needed and sets O(attributes).
      - V(absent) deletes it. For O(entity=account) with O(cluster), only the account's
        association on that cluster is deleted; for O(entity=user), only the association
        with O(account) (and O(cluster) if given) is deleted.
    type: str
    choices: [present, absent]
    default: present
  attributes:
    description:
      - Attributes to manage, keyed as C(sacctmgr) spells them after C(set) (in any case, as
        C(sacctmgr) takes them). Names and value formats are those of the collection's Slurm
        vocabulary (C(plugins/module_utils/slurm_vocab.py)), which its validation filters use too.
      - "For O(entity=qos): C(Description), C(Priority), C(Flags), C(GraceTime), C(Preempt),
        C(PreemptMode), C(PreemptExemptTime), C(UsageFactor), C(UsageThreshold),
        C(MinPrioThresh), C(LimitFactor), C(GrpTRES), C(GrpTRESMins), C(GrpTRESRunMins),
        C(GrpJobs), C(GrpJobsAccrue), C(GrpSubmitJobs), C(GrpWall), C(MaxTRESPerJob),
        C(MaxTRESPerNode), C(MaxTRESMinsPerJob), C(MaxWall), C(MinTRESPerJob), C(MaxTRESPerUser),
        C(MaxTRESPerAccount), C(MaxJobsPerUser), C(MaxJobsPerAccount), C(MaxSubmitJobsPerUser),
        C(MaxSubmitJobsPerAccount), C(MaxJobsAccruePerUser), C(MaxJobsAccruePerAccount),
        C(MaxTRESRunMinsPU), C(MaxTRESRunMinsPA)."
      - "For O(entity=account): C(Description), C(Organization), C(Parent), C(QOS), C(DefaultQOS),
        C(Fairshare), C(Priority) and the association limits C(GrpTRES), C(GrpTRESMins),
        C(GrpTRESRunMins), C(GrpJobs), C(GrpSubmitJobs), C(GrpWall), C(MaxJobs), C(MaxSubmitJobs),
        C(MaxTRESPerJob), C(MaxTRESPerNode), C(MaxTRESMinsPerJob), C(MaxWall)."
      - "For O(entity=user): C(DefaultAccount), C(AdminLevel), C(QOS), C(DefaultQOS), C(Fairshare),
        C(Priority) and the same association limits as for accounts."
      - "Other spellings sacctmgr takes are accepted and mapped to the names above (which are
        used in the diff): C(MaxTRES), C(MaxTRESMins), C(MinTRES), C(MaxWallDurationPerJob),
        C(MinPrioThreshold), the short C(MaxTRESPU)-style names of the per-user/per-account
        limits, and for a QOS C(MaxJobs) and C(MaxSubmitJobs) (per-user limits there).
        C(MinPrioThreshold), the manual's spelling, is sent as C(MinPrioThresh) because Slurm
        22.05 rejects the long form."
      - Durations (C(MaxWall), C(GrpWall), C(PreemptExemptTime)) take minutes as a bare number,
        or C(MM:SS), C(HH:MM:SS), C(D-HH), C(D-HH:MM), C(D-HH:MM:SS). C(GraceTime) takes
        seconds as a bare number (or the same time formats).
      - TRES values are strings like C(cpu=4,mem=8G,gres/gpu=2) or a mapping; they are compared
        as sets of name/count pairs, and TRES currently set but not listed are removed.
      - C(Flags), C(Preempt) and C(QOS) are comma separated strings or lists, compared as sets
        (flags case-insensitively).
      - "C(Flags) takes the QOS flags both Slurm 22.05 and 24.11 know: C(DenyOnLimit),
        C(EnforceUsageThreshold), C(NoDecay), C(NoReserve), C(OverPartQOS), C(PartitionMaxNodes),
        C(PartitionMinNodes), C(PartitionTimeLimit), C(RequiresReservation), C(UsageFactorSafe).
        C(Relative) (Slurm 23.11 and later) is refused."
      - A value of V(null), an empty string or C(-1) clears a limit. Attributes with a Slurm
        default (QOS C(Priority) 0, C(GraceTime) 0, C(UsageFactor) 1, C(Fairshare) 1,
        C(AdminLevel) None, C(PreemptMode) cluster) are reset to that default instead.
        C(Parent) and C(DefaultAccount) cannot be cleared.
      - An unknown key fails the task before anything is run.
    type: dict
    default: {}
  cluster:
    description:
      - Cluster of the account or user association.
      - When omitted, C(sacctmgr) acts on the associations on all clusters.
      - Ignored (with a warning) for O(entity=qos); QOS are global to slurmdbd.
    type: str
  account:
    description:
      - For O(entity=user), the account of the user association. Required for that entity.
      - Ignored (with a warning) for the other entities.
    type: str
attributes:
  check_mode:
    description: Reads the current state and reports the change it would make, without writing.
    support: full
  diff_mode:
    description: Returns the managed attributes before and after the change.
    support: full
  platform:
    description: Needs C(sacctmgr) on the target host.
    support: full
    platforms: posix
notes:
  - Commands are run without a shell, as an argument list.
  - C(sacctmgr) stores descriptions in lower case, so C(Description) and C(Organization) are
    compared case-insensitively.
  - Without O(cluster), a user or account whose associations differ between clusters is
    compared per cluster; any difference updates all of them.
seealso:
  - module: slurm_sacctmgr_info
  - name: sacctmgr manual
    description: The Slurm sacctmgr manual page.
    link: https://slurm.schedmd.com/sacctmgr.html
'''

EXAMPLES = r'''
- name: QOS for interactive data-science sessions
  slurm_sacctmgr:
    entity: qos
    name: interactive
    attributes:
      Description: interactive notebooks
      Priority: 100
      MaxWall: "08:00:00"
      MaxTRESPerUser: cpu=8,mem=32G,gres/gpu=1
      MaxSubmitJobsPerUser: 4
      Flags: DenyOnLimit

- name: Preemptable QOS, clearing a previously set group limit
  slurm_sacctmgr:
    entity: qos
    name: scavenger
    attributes:
      Priority: 0
      UsageFactor: 0
      PreemptMode: requeue
      GraceTime: 120        # seconds
      GrpTRES: ""           # clear

- name: The normal QOS may preempt scavenger
  slurm_sacctmgr:
    entity: qos
    name: normal
    attributes:
      Preempt: [scavenger]

- name: Account on the cluster
  slurm_sacctmgr:
    entity: account
    name: datascience
    cluster: hpc
    attributes:
      Description: data science group
      Organization: research
      Parent: root
      QOS: normal,interactive,scavenger
      DefaultQOS: normal

- name: User association
  slurm_sacctmgr:
    entity: user
    name: alice
    account: datascience
    cluster: hpc
    attributes:
      DefaultAccount: datascience
      QOS: [normal, interactive]
      DefaultQOS: normal

- name: Remove a QOS
  slurm_sacctmgr:
    entity: qos
    name: oldqos
    state: absent
'''

RETURN = r'''
changed:
  description: Whether sacctmgr was (or, in check mode, would have been) asked to write.
  returned: always
  type: bool
commands:
  description:
    - The sacctmgr write commands run (in check mode, the ones that would run), each as an
      argument list starting with C(sacctmgr).
    - Empty when nothing had to change.
  returned: always
  type: list
  elements: list
  sample: [["sacctmgr", "-i", "modify", "qos", "where", "name=interactive", "set", "MaxWall=480"]]
diff:
  description:
    - The managed attributes before and after, spelled as sacctmgr prints them
      (durations as C([D-]HH:MM:SS), TRES sorted with memory units, flags in sacctmgr's case).
    - Each side starts with C(state), V(present) or V(absent); the attributes are listed
      only on a side where the entity (or association) exists.
  returned: always
  type: dict
  contains:
    before:
      description: State and managed attributes as found.
      type: dict
    after:
      description: State and managed attributes as wanted.
      type: dict
  sample:
    before: {state: present, MaxWall: "04:00:00", Priority: "100"}
    after: {state: present, MaxWall: "08:00:00", Priority: "100"}
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hpc.datasci.plugins.module_utils.sacctmgr import (
    ENTITIES,
    QOS,
    USER,
    SacctmgrError,
    ensure,
)


def argument_spec():
    return dict(
        entity=dict(type='str', required=True, choices=list(ENTITIES)),
        name=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        attributes=dict(type='dict', default={}),
        cluster=dict(type='str'),
        account=dict(type='str'),
    )


def make_runner(module, binary):
    def runner(args):
        return module.run_command([binary] + list(args), environ_update={'LC_ALL': 'C'})
    return runner


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    params = dict(module.params)

    if params['entity'] == QOS and params.get('cluster'):
        module.warn('cluster is ignored for entity=qos: QOS are global to slurmdbd')
        params['cluster'] = None
    if params['entity'] != USER and params.get('account'):
        module.warn('account is only used with entity=user; ignored')
        params['account'] = None

    binary = module.get_bin_path('sacctmgr', required=True)
    try:
        result = ensure(params, make_runner(module, binary), check_mode=module.check_mode)
    except SacctmgrError as exc:
        module.fail_json(msg=exc.msg, **exc.details)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
