#!/usr/bin/env bash
# Installs Debian's Slurm (slurm-wlm: slurmctld, slurmd, sbatch …) and munge, if missing.
# Only installs: no service is configured or started (the tests start their own
# daemons with their own config, see scripts/slurm-local.sh). Idempotent; needs root
# (or sudo) only when something is missing.
set -euo pipefail
log() { echo "slurm-install: $*" >&2; }

missing=()
for cmd in slurmctld slurmd sbatch squeue scontrol scancel; do
  command -v "$cmd" >/dev/null 2>&1 || { missing+=(slurm-wlm); break; }
done
command -v munged >/dev/null 2>&1 || missing+=(munge)
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { log "need root to install ${missing[*]} (apt-get); run as root or install them"; exit 1; }
  sudo=sudo
fi
log "installing ${missing[*]} from Debian (about a minute)"
# Keep the packages' maintainer scripts from starting system services (munge,
# slurmctld, slurmd) on a machine without systemd: a policy-rc.d that says no,
# only for this install and only if the machine has none of its own.
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  made_policy=1
fi
# (An `if`, not `[ … ] &&`: on a machine with its own policy-rc.d the test is
# false, and as the EXIT trap's last command it would make the install exit 1.)
cleanup() { if [ -n "$made_policy" ]; then $sudo rm -f "$policy"; fi; }
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show slurm-wlm munge >/dev/null 2>&1; then
  $sudo apt-get update -qq
fi
$sudo apt-get install -y -qq slurm-wlm munge >/dev/null || {
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq slurm-wlm munge >/dev/null
}
log "installed: $(slurmctld -V 2>/dev/null || echo slurmctld?), $(munged --version 2>/dev/null | head -1 || echo munged?)"
