# A one-node Slurm cluster in a temporary folder, for tests: source this file, then
#
#   slurm_local_start DIR    munged, slurmctld and slurmd with their own key, socket,
#                            config (SLURM_CONF=DIR/slurm.conf, exported), ports, state
#                            and logs, all under DIR; returns when the node is idle
#   slurm_local_stop         cancels the cluster's jobs, stops the three daemons by the
#                            pids recorded at start, and any process still carrying this
#                            cluster's SLURM_CONF (job steps); says if anything is left
#
# Nothing outside DIR is read or written: a machine with its own Slurm and munge keeps
# them untouched (other config, other ports, other munge socket). Needs root: slurmd
# runs jobs as their user, and munged must run as the `munge` user.
# Install the programs first with scripts/slurm-install.sh.

SLURM_LOCAL_DIR=""
SLURM_LOCAL_PIDS=()

_sl_log() { echo "slurm-local: $*" >&2; }

# A TCP port on 127.0.0.1 nobody listens on (checked; another program could still take it).
_sl_free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return 0
    fi
  done
  return 1
}

# Wait up to $1 seconds for the command after it to succeed; give up early
# if the process $SL_WATCH (when set) has exited.
_sl_wait() {
  local limit=$1
  shift
  local t=0
  until "$@" >/dev/null 2>&1; do
    if [ -n "${SL_WATCH:-}" ] && ! kill -0 "$SL_WATCH" 2>/dev/null; then
      return 1
    fi
    sleep 0.2
    t=$((t + 1))
    [ "$t" -ge $((limit * 5)) ] && return 1
  done
  return 0
}

_sl_alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# Pids of processes whose environment holds this cluster's SLURM_CONF: the
# daemons' job steps and the jobs' own processes, all started by us. Pure bash
# (mapfile, no child process), so the scan does not find itself.
_sl_our_processes() {
  local conf="SLURM_CONF=$SLURM_LOCAL_DIR/slurm.conf" e pid v
  local -a env
  for e in /proc/[0-9]*/environ; do
    pid=${e#/proc/}
    pid=${pid%/environ}
    [ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] && continue
    { mapfile -d '' env <"$e"; } 2>/dev/null || continue
    for v in "${env[@]}"; do
      if [ "$v" = "$conf" ]; then
        echo "$pid"
        break
      fi
    done
  done
}

slurm_local_start() {
  local dir=$1
  [ "$(id -u)" -eq 0 ] || { _sl_log "needs root (slurmd runs jobs as their user; munged runs as munge)"; return 1; }
  id munge >/dev/null 2>&1 || { _sl_log "no munge user: run scripts/slurm-install.sh"; return 1; }
  SLURM_LOCAL_DIR=$(cd "$dir" && pwd)
  dir=$SLURM_LOCAL_DIR
  # munged refuses folders others can write to, and must be able to reach its own.
  chmod 755 "$dir"
  if ! setpriv --reuid=munge --regid=munge --clear-groups test -x "$dir"; then
    _sl_log "the munge user cannot reach $dir (a parent folder is closed to others: chmod o+x it)"
    return 1
  fi
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log" "$dir/run"
  head -c 1024 /dev/urandom >"$dir/munge/munge.key"
  chown -R munge:munge "$dir/munge"
  chmod 755 "$dir/munge"
  chmod 400 "$dir/munge/munge.key"
  local sock="$dir/munge/munge.socket"
  setpriv --reuid=munge --regid=munge --clear-groups \
    munged --foreground --socket="$sock" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
    --seed-file="$dir/munge/munged.seed" >"$dir/log/munged.out" 2>&1 &
  SLURM_LOCAL_PIDS+=($!)
  if ! SL_WATCH=$! _sl_wait 15 sh -c "munge -n -S '$sock' | unmunge -S '$sock'"; then
    _sl_log "munged did not start:"
    cat "$dir/log/munged.out" "$dir/munge/munged.log" >&2 2>/dev/null
    return 1
  fi

  local ctld_port slurmd_port host cpus
  ctld_port=$(_sl_free_port) && slurmd_port=$(_sl_free_port) || { _sl_log "no free port"; return 1; }
  [ "$ctld_port" != "$slurmd_port" ] || slurmd_port=$((ctld_port + 1))
  host=$(hostname -s 2>/dev/null || hostname)
  cpus=$(nproc)
  cat >"$dir/slurm.conf" <<CONF
# A one-node test cluster (scripts/slurm-local.sh): everything under $dir.
ClusterName=lowranktest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool/%n
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd-%n.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
PlugStackConfig=$dir/plugstack.conf
ReturnToService=2
KillWait=5
MinJobAge=600
SchedulerParameters=sched_min_interval=0
NodeName=lowrank0 NodeHostname=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=lowrank0 Default=YES MaxTime=INFINITE State=UP
CONF
  : >"$dir/plugstack.conf"
  export SLURM_CONF="$dir/slurm.conf"
  slurmctld -D -f "$SLURM_CONF" >"$dir/log/slurmctld.out" 2>&1 &
  SLURM_LOCAL_PIDS+=($!)
  slurmd -D -f "$SLURM_CONF" -N lowrank0 >"$dir/log/slurmd.out" 2>&1 &
  SLURM_LOCAL_PIDS+=($!)
  if ! _sl_wait 30 sh -c 'sinfo -h -o %T | grep -qx idle'; then
    _sl_log "the node did not become idle within 30 s:"
    sinfo 2>&1 >&2
    tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" "$dir/log/slurmctld.out" "$dir/log/slurmd.out" >&2 2>/dev/null
    return 1
  fi
  _sl_log "one-node Slurm up in $dir (ports $ctld_port, $slurmd_port; pids ${SLURM_LOCAL_PIDS[*]})"
}

slurm_local_stop() {
  [ -n "$SLURM_LOCAL_DIR" ] || return 0
  local ctld=${SLURM_LOCAL_PIDS[1]:-} pid left
  # Jobs first, so their steps end cleanly.
  if _sl_alive "$ctld"; then
    local jobs
    jobs=$(squeue -h -o %A 2>/dev/null | sort -u)
    if [ -n "$jobs" ]; then
      # shellcheck disable=SC2086
      scancel $jobs 2>/dev/null || true
      _sl_wait 20 sh -c '[ -z "$(squeue -h 2>/dev/null)" ]' || _sl_log "jobs still listed after scancel"
    fi
  fi
  # The daemons, newest first, by the pids recorded at start.
  for ((i = ${#SLURM_LOCAL_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${SLURM_LOCAL_PIDS[$i]}
    _sl_alive "$pid" || continue
    kill -TERM "$pid" 2>/dev/null || true
    if ! _sl_wait 15 sh -c "! kill -0 $pid"; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  done
  # Anything else this cluster started (a job step that outlived its slurmd).
  left=$(_sl_our_processes)
  if [ -n "$left" ]; then
    _sl_log "stopping leftover processes of this cluster: $left"
    # shellcheck disable=SC2086
    kill -KILL $left 2>/dev/null || true
    sleep 0.5
  fi
  left=""
  for pid in "${SLURM_LOCAL_PIDS[@]}" $(_sl_our_processes); do
    _sl_alive "$pid" && left="$left $pid"
  done
  SLURM_LOCAL_PIDS=()
  if [ -n "$left" ]; then
    _sl_log "processes still running:$left"
    return 1
  fi
  _sl_log "stopped"
}
