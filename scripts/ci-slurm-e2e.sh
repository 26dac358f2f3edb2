#!/usr/bin/env bash
# The Slurm recipe (deploy/slurm/) end to end on this machine: starts a
# single-node Slurm of its own (munged, slurmctld, slurmd with a slurm.conf
# written from this machine's hostname, CPUs and memory, on their own ports
# and munge socket, so a Slurm or munge already running here is not touched),
# runs `deploy/slurm/submit.sh SWEEP SHARDS` with the recipe's defaults,
# waits for the array and the merge job, checks that the merged runs.csv and
# summary.csv are byte-identical to a local `migsweep sweep` of the same
# file, and stops the daemons it started (also on failure or timeout).
#
#   scripts/ci-slurm-e2e.sh [sweep-file] [shards]     (default sweeps/default.yaml 2)
#
# Needs root (the daemons run as root, jobs as the caller), Debian's
# slurmctld, slurmd, slurm-client and munge (scripts/ci-install-slurm.sh),
# and dist/ (npm ci). Bounded: fails saying where it stood after
# MIGSWEEP_SLURM_TIMEOUT seconds (default 300). Exit 0 when identical, 1 otherwise.
# Idempotent: daemons left by an earlier run of this script (found by their
# pid files in its state folder) are stopped first.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$PATH:/usr/sbin:/sbin"

sweep=${1:-sweeps/default.yaml}
shards=${2:-2}
timeout_s=${MIGSWEEP_SLURM_TIMEOUT:-300}
state=${MIGSWEEP_SLURM_STATE:-${TMPDIR:-/tmp}/migsweep-ci-slurm}
# Ports of this test's own cluster (Slurm's defaults are 6817/6818).
ctld_port=${MIGSWEEP_SLURM_CTLD_PORT:-16817}
slurmd_port=${MIGSWEEP_SLURM_SLURMD_PORT:-16818}

say() { echo "ci-slurm-e2e: $*"; }
die() {
  echo "ci-slurm-e2e: FAILED: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root to start slurmctld, slurmd and munged (run as root, or skip this script)"
for c in munged mungekey munge unmunge slurmctld slurmd sbatch scontrol sinfo; do
  command -v "$c" >/dev/null 2>&1 || die "$c not found: run scripts/ci-install-slurm.sh first"
done
[ -f dist/src/cli.js ] || die "dist/src/cli.js missing: run npm ci first"
[ -f "$sweep" ] || die "no sweep file $sweep"

# Stop a daemon by its pid file (only a process this script started: the pid
# file is in its own state folder), waiting up to 10 s before SIGKILL.
stop_pidfile() {
  local file=$1 pid i
  [ -f "$file" ] || return 0
  pid=$(cat "$file" 2>/dev/null || true)
  rm -f "$file"
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.2
  done
  kill -9 "$pid" 2>/dev/null || true
}
# This cluster's job steps (slurmstepd) left behind: their working folder or
# open files are in the state folder. A step whose slurmd has gone keeps
# retrying to report to it and ignores SIGTERM.
stray_steps() {
  local d pid
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    [ "$(cat "$d/comm" 2>/dev/null)" = slurmstepd ] || continue
    if [[ "$(readlink "$d/cwd" 2>/dev/null)" == "$state"* ]] || ls -l "$d/fd" 2>/dev/null | grep -q -- "$state"; then echo "$pid"; fi
  done
}
stop_all() {
  local i pid
  # cancel what is still queued or running first, so that no job outlives the daemons
  if [ -f "$state/slurm.conf" ] && [ -f "$state/slurmctld.pid" ] && SLURM_CONF=$state/slurm.conf timeout 10 scontrol ping >/dev/null 2>&1; then
    SLURM_CONF=$state/slurm.conf timeout 10 scancel --user="$(id -un)" 2>/dev/null || true
    for i in $(seq 1 40); do
      [ -z "$(SLURM_CONF=$state/slurm.conf timeout 10 squeue -h -o %A 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
  stop_pidfile "$state/slurmd.pid"
  stop_pidfile "$state/slurmctld.pid"
  stop_pidfile "$state/munged.pid"
  for pid in $(stray_steps); do kill -9 "$pid" 2>/dev/null || true; done
}

# One run at a time per state folder: a second run waits (bounded) rather than stopping the first one's daemons.
command -v flock >/dev/null 2>&1 || die "flock not found (util-linux)"
exec 9>"$state.lock"
flock -w "$timeout_s" 9 || die "another run of this script holds $state.lock"
deadline=$(($(date +%s) + timeout_s))

stop_all
rm -rf "$state"
mkdir -p "$state"/{munge,spool,ctld,run}
chmod 0755 "$state"
chmod 0755 "$state/munge" # the key itself is 0600; clients need to reach the socket

dump_logs() {
  local f
  for f in "$state"/slurmctld.log "$state"/slurmd.log "$state"/munged.log "$state"/run/logs/*; do
    [ -f "$f" ] || continue
    echo "----- $f (last 40 lines)" >&2
    tail -n 40 "$f" >&2
  done
}
on_exit() {
  local code=$?
  if [ $code -ne 0 ]; then dump_logs; fi
  stop_all
  say "daemons stopped"
  exit $code
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# Wait until a command succeeds, or die at the deadline saying what for.
wait_for() {
  local what=$1
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || die "timed out after ${timeout_s}s waiting for $what"
    sleep 0.5
  done
}

# munge: a key and a socket of its own.
mungekey --create --keyfile="$state/munge/munge.key" --force >/dev/null
chmod 0600 "$state/munge/munge.key"
munged --force --socket="$state/munge/munge.socket" --key-file="$state/munge/munge.key" \
  --pid-file="$state/munged.pid" --log-file="$state/munged.log" --seed-file="$state/munge/munged.seed"
munge_ok() { munge --socket="$state/munge/munge.socket" -n | unmunge --socket="$state/munge/munge.socket"; }
wait_for "munged to answer" munge_ok

# slurm.conf from this machine: `slurmd -C` prints its node line (NodeName
# from the short hostname, CPUs, sockets, cores, threads, RealMemory in MB).
host=$(hostname -s)
node_line=$(slurmd -C | head -1)
[[ $node_line == NodeName=* ]] || die "slurmd -C printed no node line: $node_line"
cat >"$state/slurm.conf" <<CONF
# written by scripts/ci-slurm-e2e.sh for a single-node test cluster
ClusterName=migsweep-ci
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$state/munge/munge.socket
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
ReturnToService=2
MinJobAge=600
StateSaveLocation=$state/ctld
SlurmdSpoolDir=$state/spool
SlurmctldPidFile=$state/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=$state/slurmctld.log
SlurmdLogFile=$state/slurmd.log
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$state/slurm.conf
say "cluster: $node_line"

slurmctld -i
wait_for "slurmctld to answer (scontrol ping)" scontrol ping
slurmd -N "$host"
node_idle() { sinfo -h -N -o '%T' | grep -qx idle; }
wait_for "the node to be idle (sinfo: $(sinfo -h -N -o '%N %T %E' 2>/dev/null || true))" node_idle
say "slurmctld and slurmd up; node $host idle"

# The recipe, with its defaults for this cluster.
run="$state/run"
submitted=$(bash deploy/slurm/submit.sh --out "$run" "$sweep" "$shards")
echo "$submitted"
[[ $submitted =~ array\ job\ ([0-9]+).*merge\ job\ ([0-9]+) ]] || die "submit.sh printed no job ids"
array=${BASH_REMATCH[1]}
merge=${BASH_REMATCH[2]}

# Wait for the merge job; give up early on a state it cannot leave.
job_field() { scontrol show job -o "$1" 2>/dev/null | grep -o "$2=[^ ]*" | cut -d= -f2 | sort -u | tr '\n' ' '; }
while :; do
  m_state=$(job_field "$merge" JobState)
  m_reason=$(job_field "$merge" Reason)
  a_states=$(job_field "$array" JobState)
  a_reasons=$(job_field "$array" Reason)
  case "$m_state" in
    "COMPLETED ") break ;;
    *FAILED* | *CANCELLED* | *TIMEOUT* | *NODE_FAIL* | *OUT_OF_MEMORY* | *PREEMPTED*) die "merge job $merge ended $m_state(reason $m_reason)" ;;
  esac
  case "$a_states" in *FAILED* | *CANCELLED* | *TIMEOUT* | *NODE_FAIL* | *OUT_OF_MEMORY*) die "array job $array: $a_states(reason $a_reasons)" ;; esac
  case "$m_reason $a_reasons" in
    *DependencyNeverSatisfied* | *PartitionConfig* | *BadConstraints* | *ReqNodeNotAvail*) die "jobs cannot run: array $a_states($a_reasons), merge $m_state($m_reason)" ;;
  esac
  [ "$(date +%s)" -lt "$deadline" ] || die "timed out after ${timeout_s}s: array $a_states($a_reasons), merge $m_state($m_reason)"
  sleep 1
done
say "array job $array and merge job $merge completed"

# The same sweep on this machine, without Slurm.
node dist/src/cli.js sweep "$sweep" --out "$state/local" --quiet --force >/dev/null
for f in runs.csv summary.csv; do
  [ -f "$run/merged/$f" ] || die "the merge wrote no $run/merged/$f"
  cmp "$run/merged/$f" "$state/local/$f" || die "$f of the Slurm run differs from the local run's"
done
say "merged runs.csv ($(($(wc -l <"$run/merged/runs.csv") - 1)) runs) and summary.csv byte-identical to a local run of $sweep"
