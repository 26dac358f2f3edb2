#!/bin/bash
# Run a sweep on a Slurm cluster: the shards as an array, then the merge.
#
#   deploy/slurm/submit.sh [--cpus N] [--mem SIZE] [--out DIR] [sweep-file] [shards]
#
# from the migsweep checkout (after `npm ci`), on a file system the nodes share.
#   sweep-file   default sweeps/default.yaml
#   shards       array tasks, default 8
#   --cpus N     CPUs per array task (= migsweep workers); default: the CPUs of
#                the smallest node `sinfo` lists, at most 4 (also MIGSWEEP_SLURM_CPUS)
#   --mem SIZE   memory per array task in sbatch's units (2G, 1500M); default:
#                2G, or the memory of the smallest node when that is less
#                (also MIGSWEEP_SLURM_MEM)
#   --out DIR    the run folder (default results/<sweep>/slurm-<date-time>);
#                the shards go to DIR/shard-K, the merge to DIR/merged, the
#                job logs to DIR/logs
# A request larger than any node would leave the array pending for ever
# (reason PartitionConfig), so it is refused here before anything is queued.
# Prints the two job ids on its last line: `array job A (N shards), merge job M; ...`.
set -euo pipefail

usage() {
  echo "usage: deploy/slurm/submit.sh [--cpus N] [--mem SIZE] [--out DIR] [sweep-file] [shards]" >&2
  exit 2
}
fail() {
  echo "submit.sh: $*" >&2
  exit 2
}

cpus=${MIGSWEEP_SLURM_CPUS:-}
mem=${MIGSWEEP_SLURM_MEM:-}
run=""
positional=()
while [ $# -gt 0 ]; do
  case $1 in
    --cpus) [ $# -ge 2 ] || usage; cpus=$2; shift 2 ;;
    --mem) [ $# -ge 2 ] || usage; mem=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || usage; run=$2; shift 2 ;;
    -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "submit.sh: unknown option $1" >&2; usage ;;
    *) positional+=("$1"); shift ;;
  esac
done
[ ${#positional[@]} -le 2 ] || usage
sweep=${positional[0]:-sweeps/default.yaml}
shards=${positional[1]:-8}

[ -f "$sweep" ] || fail "no sweep file $sweep (give a path from the migsweep checkout, e.g. sweeps/default.yaml)"
[[ $shards =~ ^[1-9][0-9]*$ ]] || fail "shards must be a whole number >= 1, got '$shards'"
[ -f dist/src/cli.js ] || fail "dist/src/cli.js missing: run it from the migsweep checkout after npm ci"
command -v sbatch >/dev/null 2>&1 || fail "sbatch not found: run it on a Slurm login node"

# The smallest node's CPUs and memory (MB): sinfo prints one line per node
# configuration (%c CPUs per node, %m memory per node in MB).
node_cpus=$(sinfo -h -o '%c' 2>/dev/null | tr -dc '0-9\n' | sort -n | head -1 || true)
node_mem_mb=$(sinfo -h -o '%m' 2>/dev/null | tr -dc '0-9\n' | sort -n | head -1 || true)

if [ -z "$cpus" ]; then
  cpus=1
  if [ -n "$node_cpus" ]; then cpus=$((node_cpus < 4 ? node_cpus : 4)); fi
fi
[[ $cpus =~ ^[1-9][0-9]*$ ]] || fail "--cpus must be a whole number >= 1, got '$cpus'"
if [ -n "$node_cpus" ] && [ "$cpus" -gt "$node_cpus" ]; then
  fail "--cpus $cpus is more than the $node_cpus CPUs of the smallest node: the array would pend for ever (give --cpus $node_cpus or less)"
fi

if [ -z "$mem" ]; then
  mem=2G
  if [ -n "$node_mem_mb" ] && [ "$node_mem_mb" -lt 2048 ]; then mem="${node_mem_mb}M"; fi
fi
[[ $mem =~ ^([1-9][0-9]*)([KMGT]?)$ ]] || fail "--mem must be a size like 2G or 1500M, got '$mem'"
case ${BASH_REMATCH[2]} in
  K) mem_mb=$((BASH_REMATCH[1] / 1024)) ;;
  G) mem_mb=$((BASH_REMATCH[1] * 1024)) ;;
  T) mem_mb=$((BASH_REMATCH[1] * 1024 * 1024)) ;;
  *) mem_mb=${BASH_REMATCH[1]} ;; # sbatch's default unit is MB
esac
if [ -n "$node_mem_mb" ] && [ "$mem_mb" -gt "$node_mem_mb" ]; then
  fail "--mem $mem is more than the ${node_mem_mb}M of the smallest node: the array would pend for ever (give --mem ${node_mem_mb}M or less)"
fi

name=$(basename "$sweep" .yaml)
run=${run:-results/$name/slurm-$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$run/logs"
array=$(sbatch --parsable --array="0-$((shards - 1))" --cpus-per-task="$cpus" --mem="$mem" \
  --output="$run/logs/migsweep-%A_%a.out" --export=ALL,SWEEP="$sweep",RUN="$run" deploy/slurm/sweep.sbatch)
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" --mem="$mem" --output="$run/logs/migsweep-merge-%j.out" \
  --export=ALL,RUN="$run" deploy/slurm/merge.sbatch)
merge=${merge%%;*}
echo "array job $array ($shards shards, $cpus CPUs and $mem each), merge job $merge; results in $run/merged"
