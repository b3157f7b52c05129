#!/usr/bin/env bash
# make test-slurm-scale: a 1,000-point sweep (λ × width × seed, small nets) through a
# real one-node Slurm in 10 shards; the collected table must equal the unsharded sweep's
# byte for byte. Prints the measured figures: the unsharded sweep's wall time, the Slurm
# job's (submission to collected table), and collect's wall time and peak memory
# (/usr/bin/time -v), for records of runs 25x apart in length (collect reads records,
# never a run's history, so its memory must not follow the runs' length).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
LAB=${LAB:-$ROOT/target/release/lowrank-lab}
[ -x "$LAB" ] || { echo "test-slurm-scale: $LAB is not built (cargo build --release)" >&2; exit 1; }
say() { echo "test-slurm-scale: $*" >&2; }
fail() {
  say "FAIL: $*"
  exit 1
}
now() { date +%s%N; }
secs() { local ns=$(($2 - $1)); printf '%d.%02d' $((ns / 1000000000)) $((ns / 10000000 % 100)); }

bash scripts/slurm-install.sh
if [ ! -x /usr/bin/time ]; then
  say "installing GNU time (peak memory) from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
fi
# shellcheck source=../../scripts/slurm-local.sh
source scripts/slurm-local.sh
T=$(mktemp -d /tmp/lowrank-slurm-scale.XXXXXX)
chmod 755 "$T"
finish() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "$rc" -ne 0 ]; then
    for f in "$T"/job/logs/*.out "$T/cluster/log/slurmctld.log"; do
      [ -f "$f" ] && { echo "---- $f (last lines)" >&2; tail -n 10 "$f" >&2; }
    done
  fi
  slurm_local_stop || rc=1
  rm -rf "$T"
  exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM
mkdir "$T/cluster"
slurm_local_start "$T/cluster"

grid() {
  echo --set data.n=16 --set data.d=8 --set "train.steps=$1" \
    --grid 'train.lambda=0.0001;0.0002;0.0005;0.001;0.002;0.005;0.01;0.02;0.05;0.1' \
    --grid 'net.widths=[4];[8];[12];[16];[20];[24];[28];[32];[48];[64]' \
    --grid 'seed=0;1;2;3;4;5;6;7;8;9'
}
# shellcheck disable=SC2046
read -r -a GRID <<<"$(grid 200)"

t0=$(now)
"$LAB" sweep "${GRID[@]}" --jobs 2 --out "$T/full"
t1=$(now)
rows=$(($(wc -l <"$T/full/sweep.csv") - 1))
[ "$rows" -eq 1000 ] || fail "the unsharded sweep has $rows rows"
say "unsharded sweep, 1000 points, 2 threads: $(secs "$t0" "$t1") s"

"$LAB" sweep "${GRID[@]}" --slurm "$T/job" --shards 10 --cpus-per-task 1 --time 10 >/dev/null
t0=$(now)
bash "$T/job/submit.sh" >/dev/null
read -r array collect < <(tail -n 1 "$T/job/submitted.txt" | awk '{print $3, $5}')
t=0
while [ -n "$(squeue -h -j "$collect" 2>/dev/null)" ]; do
  sleep 0.2
  t=$((t + 1))
  [ "$t" -le 3000 ] || fail "collect job $collect still queued after 600 s"
done
t1=$(now)
state=$(scontrol -o show job "$collect" | grep -o 'JobState=[A-Z_]*')
[ "$state" = "JobState=COMPLETED" ] || fail "collect job: $state"
cmp "$T/full/sweep.csv" "$T/job/result/sweep.csv" || fail "the Slurm job's sweep.csv differs from the unsharded one"
cmp "$T/full/sweep.json" "$T/job/result/sweep.json" || fail "the Slurm job's sweep.json differs from the unsharded one"
say "Slurm job, 1000 points in 10 shards of 1 CPU on 2 CPUs: submission to collected table $(secs "$t0" "$t1") s; table equals the unsharded one byte for byte"

# collect on its own: 10 shard folders of 100 records each.
measure() { # $1 label, then the command; prints wall time and peak RSS
  local label=$1
  shift
  /usr/bin/time -v "$@" 2>"$T/time.txt" >/dev/null || { cat "$T/time.txt" >&2; fail "$label failed"; }
  local wall rss
  wall=$(grep 'Elapsed (wall clock)' "$T/time.txt" | awk '{print $NF}')
  rss=$(grep 'Maximum resident set size' "$T/time.txt" | awk '{print $NF}')
  say "$label: wall $wall, peak RSS $rss KB"
  echo "$rss"
}
rss200=$(measure "collect, 1000 points (200 steps each), 10 folders" "$LAB" collect "$T"/job/shards/* --out "$T/c200")
cmp "$T/full/sweep.csv" "$T/c200/sweep.csv" || fail "collect's table differs"

# The same grid with runs 25x longer (25x the history): records, and collect's memory, stay the same size.
# shellcheck disable=SC2046
read -r -a LONG <<<"$(grid 5000)"
t0=$(now)
"$LAB" sweep "${LONG[@]}" --jobs 2 --out "$T/long"
t1=$(now)
say "unsharded sweep, 1000 points of 5000 steps: $(secs "$t0" "$t1") s"
rss5000=$(measure "collect, 1000 points (5000 steps each), 1 folder" "$LAB" collect "$T/long" --out "$T/c5000")
size200=$(du -sb "$T/full/points" | cut -f1)
size5000=$(du -sb "$T/long/points" | cut -f1)
"$LAB" run "${LONG[@]:0:6}" --out "$T/run5000" >/dev/null
runjson=$(stat -c %s "$T/run5000/run.json")
say "records: $size200 B for 1000 runs of 200 steps, $size5000 B for 5000 steps (one 5000-step run's run.json with its history: $runjson B)"
[ "$rss5000" -le $((rss200 * 3 / 2)) ] || fail "collect's peak memory grew from $rss200 KB to $rss5000 KB with the runs' length"
say "passed"
