# Entry points of the bundle. `make demo` and `make test` are the two set-up
# commands of the README: each prepares this machine as far as it needs to
# (Python venv, a Docker engine, the node image) and is safe to run again.
SHELL := /bin/bash
export PATH := $(CURDIR)/.venv/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_FORCE_COLOR ?= 0
export PY_COLORS ?= 0
# The real Miniforge installer cannot be downloaded on every machine: the
# demo and the tests use this stand-in unless MINIFORGE_INSTALLER names a
# real one (see README).
export MINIFORGE_STANDIN := $(CURDIR)/.cache/miniforge-standin/Miniforge3-standin.sh

# The Molecule scenarios of make test (docs/testing.md), longest first; each
# has its own containers, subnet, ports and fact cache, so they can run side
# by side. Debian 12 stays tested by the upgrade scenario; the full managed
# site on Debian 12 is `make molecule`.
MOLECULE_SCENARIOS ?= managed_site_debian13 upgrade_keeps_users_working overlay_keeps_site_running

.PHONY: molecule-scenarios molecule-debian13 demo demo-down test setup venv docker browser image image-trixie unit lint extension validation collection molecule molecule-overlay molecule-upgrade molecule-fast bench bench-down lock

## demo: bring up the local container site and install the whole platform on it
demo: setup
	ansible-playbook playbooks/container_site.yml
	ansible-playbook tests/scaffolding/users.yml
	ansible-playbook site.yml -i inventories/demo
	ansible-playbook playbooks/demo_summary.yml

## demo-down: remove the demo's containers (add KEEP_DATA=no to delete /home too)
demo-down: venv
	ansible-playbook playbooks/container_site.yml -e container_site_state=absent \
	  -e container_site_remove_volumes=$(if $(filter no,$(KEEP_DATA)),true,false)

# The sand benchmark's own site (tests/bench/inventory): its own containers,
# subnet and hub port, so it never touches a demo or a test site; its facts
# cached apart (the host names are the demo's).
BENCH_INVENTORY := tests/bench/inventory
BENCH_ENV := CONTAINER_SITE_PREFIX=hpcds-bench CONTAINER_SITE_SUBNET=10.213.3.0/24 \
  CONTAINER_SITE_HTTPS_PORT=18445 ANSIBLE_CACHE_PLUGIN_CONNECTION=$(CURDIR)/.cache/bench-facts

## bench: the sand benchmark on its own container site (QUICK=1: one short run per configuration); see docs/performance.md
bench: setup
	pip install --quiet --disable-pip-version-check -r tests/bench/requirements.txt
	$(BENCH_ENV) ansible-playbook playbooks/container_site.yml -i $(BENCH_INVENTORY)
	$(BENCH_ENV) ansible-playbook tests/scaffolding/users.yml -i $(BENCH_INVENTORY)
	$(BENCH_ENV) ansible-playbook site.yml -i $(BENCH_INVENTORY)
	$(BENCH_ENV) python tests/bench/sand_bench.py $(if $(QUICK),--quick)

## bench-down: remove the benchmark's containers and volumes
bench-down: venv
	$(BENCH_ENV) ansible-playbook playbooks/container_site.yml -i $(BENCH_INVENTORY) \
	  -e container_site_state=absent -e container_site_remove_volumes=true

## lock: remake the locks of the hub's, the gateway's, uv's and the notebook environments from their .in files (UPGRADE=1: newest indirect pins); see docs/software-environments.md#locks
lock: venv
	python scripts/lock.py $(if $(UPGRADE),--upgrade)

## test: every test, stage by stage, with the time of each
test: setup browser
	scripts/run-stages.sh \
	  "unit tests::$(MAKE) --no-print-directory unit" \
	  "lint::$(MAKE) --no-print-directory lint" \
	  "JupyterLab extension::$(MAKE) --no-print-directory extension" \
	  "bad-inventory suite::$(MAKE) --no-print-directory validation" \
	  "collection from its tarball::$(MAKE) --no-print-directory collection" \
	  "molecule scenarios::$(MAKE) --no-print-directory molecule-scenarios"

setup: venv docker image $(MINIFORGE_STANDIN)

$(MINIFORGE_STANDIN): tests/scaffolding/make-miniforge-standin.sh
	@tests/scaffolding/make-miniforge-standin.sh $@ >/dev/null

venv:
	@scripts/ensure-venv.sh

browser:
	@scripts/ensure-browser.sh

docker:
	@scripts/ensure-docker.sh

image: docker
	@scripts/build-image.sh >/dev/null

## image-trixie: the Debian 13 node image (hpcds-node:trixie) of the overlay tests' pre-existing site
image-trixie: docker
	@NODE_IMAGE_SUITE=trixie scripts/build-image.sh >/dev/null

unit: venv
	pytest -q -p no:cacheprovider tests/unit

lint: venv
	yamllint --strict .
	ruff check .
	ansible-playbook --syntax-check site.yml playbooks/*.yml tests/scaffolding/*.yml tests/integration/*.yml
	ansible-lint
	python docs/gen_role_readme.py --check
	python scripts/check_private_vars.py

## extension: build the JupyterLab extension (extensions/hpc_datasci_session) into a wheel in build/extension/ and test it, in headless Chromium too; see docs/jupyterhub.md#the-sessions-time-limit
extension: venv browser
	scripts/build-extension.sh
	pytest -q -p no:cacheprovider extensions/hpc_datasci_session/tests

validation: venv
	pytest -q -p no:cacheprovider tests/validation

## collection: build the tarball, install it into an empty path and use it from a foreign playbook tree
collection: venv
	pytest -q -p no:cacheprovider tests/collection

## molecule-scenarios: the scenarios of make test side by side (MOLECULE_JOBS at a time, default 2), each logged to artifacts/molecule/, with the time of each step
molecule-scenarios: setup image-trixie
	python scripts/run_scenarios.py $(MOLECULE_SCENARIOS)

molecule: setup
	molecule test --scenario-name managed_site

## molecule-debian13: the managed site on Debian 13 with Debian's Slurm 24.11
molecule-debian13: setup image-trixie
	molecule test --scenario-name managed_site_debian13

## molecule-upgrade: the previous release (its tag, or its commit in CHANGELOG.md) installed on Debian 12, then upgraded to this tree with users at work (docs/operations.md)
molecule-upgrade: setup
	molecule test --scenario-name upgrade_keeps_users_working

## molecule-fast: the roles that need no Slurm (Miniforge, the curated environments, the login firewall) on one container, in minutes
molecule-fast: setup
	molecule test --scenario-name roles_without_slurm

## molecule-overlay: the bundle laid over a center's own Slurm 24.11 on Debian 13 (docs/overlay.md)
molecule-overlay: setup image-trixie
	molecule test --scenario-name overlay_keeps_site_running
