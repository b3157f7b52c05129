#!/usr/bin/env bash
# make test-slurm: the job `lowrank-lab sweep --slurm` writes, run on a real Slurm.
#
# Installs slurm-wlm and munge if missing (scripts/slurm-install.sh), starts a one-node
# cluster in a temporary folder (scripts/slurm-local.sh: its own munge key and socket,
# config, ports, state), then
#   1. submits the generated job for a 12-point grid in 4 shards (2 CPUs each) and waits
#      for the collect job (afterok on the array): the collected sweep.csv and sweep.json
#      must equal the unsharded sweep's byte for byte;
#   2. submits it again in a new folder (1 CPU per shard), cancels shard 0 with scancel
#      once it has recorded a point: its finished points stay, the collect job is
#      cancelled (its dependency can no longer be met), `collect` lists the missing
#      points and exits 2; resubmitting the whole job resumes shard 0 (only its missing
#      points run, its records untouched), finished shards do nothing, and the table
#      equals the unsharded one.
# Every wait is bounded. The daemons it started are stopped by pid whatever the outcome
# (trap), and the test fails if any process of the cluster is left.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
LAB=${LAB:-$ROOT/target/release/lowrank-lab}
[ -x "$LAB" ] || { echo "test-slurm: $LAB is not built (cargo build --release)" >&2; exit 1; }
START=$(date +%s%N)
say() {
  local ms=$((($(date +%s%N) - START) / 1000000))
  printf 'test-slurm [%3d.%01ds]: %s\n' $((ms / 1000)) $((ms % 1000 / 100)) "$*" >&2
}
fail() {
  say "FAIL: $*"
  exit 1
}

bash scripts/slurm-install.sh
# shellcheck source=../../scripts/slurm-local.sh
source scripts/slurm-local.sh
T=$(mktemp -d /tmp/lowrank-slurm-test.XXXXXX)
chmod 755 "$T" # munged, running as munge, must reach its folder inside
finish() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "$rc" -ne 0 ] && [ -d "$T/cluster/log" ]; then
    for f in "$T"/job*/logs/*.out "$T/cluster/log/slurmctld.log" "$T/cluster/log/slurmd.log"; do
      [ -f "$f" ] && { echo "---- $f (last lines)" >&2; tail -n 15 "$f" >&2; }
    done
  fi
  slurm_local_stop || rc=1
  rm -rf "$T"
  [ "$rc" -eq 0 ] && say "passed" || say "failed (exit $rc)"
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

mkdir "$T/cluster"
slurm_local_start "$T/cluster"
say "cluster up"

# Wait (at most $2 s) until job $1 (or every task of an array) has left the queue.
wait_gone() {
  local t=0
  while [ -n "$(squeue -h -j "$1" 2>/dev/null)" ]; do
    sleep 0.25
    t=$((t + 1))
    [ "$t" -le $(($2 * 4)) ] || fail "job $1 still queued after $2 s: $(squeue -h -j "$1" -o '%i %T %r')"
  done
}
# The states of job $1's records (an array: one per task), sorted, e.g. "COMPLETED COMPLETED".
states() { scontrol -o show job "$1" | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 | sort | tr '\n' ' ' | sed 's/ $//'; }
records() { find "$1/points" -maxdepth 1 -name '[0-9]*.json' 2>/dev/null | wc -l; }
ids() { tail -n 1 "$1/submitted.txt" | awk '{print $3, $5}'; }

# 12 points of about a second each on one core: slow enough to cancel a shard mid-run.
GRID=(--set data.n=32 --set data.d=16 --set 'net.widths=[32]' --set train.steps=60000
  --grid 'train.lambda=0.001;0.01;0.03' --grid 'seed=0;1;2;3')
"$LAB" sweep "${GRID[@]}" --jobs 2 --out "$T/full"
say "unsharded sweep done ($(($(wc -l <"$T/full/sweep.csv") - 1)) rows)"

# ---- 1. The generated job, submitted as is.
"$LAB" sweep "${GRID[@]}" --slurm "$T/job1" --shards 4 --cpus-per-task 2 --time 10 --partition debug >/dev/null
bash "$T/job1/submit.sh" >/dev/null
read -r array collect < <(ids "$T/job1")
say "job 1: array $array, collect $collect"
wait_gone "$collect" 300
[ "$(states "$array")" = "COMPLETED COMPLETED COMPLETED COMPLETED" ] || fail "array $array: $(states "$array")"
[ "$(states "$collect")" = "COMPLETED" ] || fail "collect $collect: $(states "$collect")"
cmp "$T/full/sweep.csv" "$T/job1/result/sweep.csv" || fail "job 1's sweep.csv differs from the unsharded one"
cmp "$T/full/sweep.json" "$T/job1/result/sweep.json" || fail "job 1's sweep.json differs from the unsharded one"
for i in 0 1 2 3; do
  grep -q "== shard $i/4: job ${array}_$i on .* threads: 2$" "$T/job1/logs/shard-$i.out" ||
    fail "logs/shard-$i.out lacks its header with 2 threads"
  [ "$(records "$T/job1/shards/$i")" -eq 3 ] || fail "shard $i has $(records "$T/job1/shards/$i") records, not 3"
done
say "job 1: 4 shards and the collect job completed; the table equals the unsharded one byte for byte"

# ---- 2. A shard cancelled mid-run, then the job resubmitted.
"$LAB" sweep "${GRID[@]}" --slurm "$T/job2" --shards 4 --cpus-per-task 1 --time 10 >/dev/null
bash "$T/job2/submit.sh" >/dev/null
read -r array collect < <(ids "$T/job2")
s0="$T/job2/shards/0"
t=0
until [ "$(records "$s0")" -ge 1 ]; do
  sleep 0.05
  t=$((t + 1))
  [ "$t" -le 2400 ] || fail "shard 0 recorded no point within 120 s"
done
scancel "${array}_0"
say "job 2: cancelled shard 0 (${array}_0) after its first record"
wait_gone "$array" 300
wait_gone "$collect" 60
kept=$(records "$s0")
[ "$kept" -ge 1 ] && [ "$kept" -lt 3 ] || fail "shard 0 kept $kept of its 3 points (expected 1 or 2: cancelled mid-run)"
[ ! -e "$s0/sweep.csv" ] || fail "cancelled shard 0 has a sweep.csv"
task0=$(scontrol -o show job "${array}_0" | grep -o 'JobState=[A-Z_]*' | cut -d= -f2)
[ "$task0" = "CANCELLED" ] || fail "task ${array}_0 is $task0, not CANCELLED"
[ "$(states "$collect")" = "CANCELLED" ] || fail "collect $collect is $(states "$collect"), not cancelled for its unmet dependency"
[ ! -e "$T/job2/result" ] || fail "a result was written although shard 0 did not finish"
stat -c '%i %Y %n' "$s0"/points/[0-9]*.json >"$T/kept-before"
missing=$((3 - kept))
set +e
msg=$("$T/job2/bin/lowrank-lab" collect "$T"/job2/shards/* --out "$T/partial" 2>&1)
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "collect of the incomplete job exited $rc, not 2: $msg"
echo "$msg" | grep -q "$missing of 12 points missing (point.* in shard 0/4, $s0)" || fail "collect did not list shard 0's missing points: $msg"
[ ! -e "$T/partial" ] || fail "collect wrote a partial table"
say "job 2: shard 0 kept $kept finished points; collect lists the $missing missing ones, exits 2, writes nothing"

bash "$T/job2/submit.sh" >/dev/null
read -r array2 collect2 < <(ids "$T/job2")
wait_gone "$collect2" 300
[ "$(states "$array2")" = "COMPLETED COMPLETED COMPLETED COMPLETED" ] || fail "resubmitted array $array2: $(states "$array2")"
[ "$(states "$collect2")" = "COMPLETED" ] || fail "collect $collect2: $(states "$collect2")"
grep -q "shard 0/4 (3 of 12 points): $kept already done, running $missing$" "$T/job2/logs/shard-0.out" ||
  fail "shard 0's log does not show the resume: $(tail -n 3 "$T/job2/logs/shard-0.out")"
for i in 1 2 3; do
  grep -q "shard $i/4 (3 of 12 points): all done, .* nothing to do" "$T/job2/logs/shard-$i.out" ||
    fail "finished shard $i did not do nothing: $(tail -n 2 "$T/job2/logs/shard-$i.out")"
done
stat -c '%i %Y %n' "$s0"/points/[0-9]*.json | grep -F -f "$T/kept-before" | cmp -s - "$T/kept-before" ||
  fail "shard 0's kept records were rewritten"
cmp "$T/full/sweep.csv" "$T/job2/result/sweep.csv" || fail "job 2's sweep.csv differs from the unsharded one"
cmp "$T/full/sweep.json" "$T/job2/result/sweep.json" || fail "job 2's sweep.json differs from the unsharded one"
say "job 2: resubmitted: shard 0 ran only its $missing missing points, shards 1-3 did nothing; the table equals the unsharded one"
