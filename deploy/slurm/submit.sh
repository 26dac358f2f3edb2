#!/bin/bash
# Run a sweep on a Slurm cluster: the shards as an array, then the merge.
#   deploy/slurm/submit.sh [sweep-file] [shards]
# from the migsweep checkout (after `npm ci`), on a file system the nodes share.
set -euo pipefail
sweep=${1:-sweeps/default.yaml}
shards=${2:-8}
name=$(basename "$sweep" .yaml)
run="results/$name/slurm-$(date -u +%Y%m%d-%H%M%S)"
mkdir -p logs "$run"
array=$(sbatch --parsable --array="0-$((shards - 1))" --export=ALL,SWEEP="$sweep",RUN="$run" deploy/slurm/sweep.sbatch)
merge=$(sbatch --parsable --dependency=afterok:"$array" --export=ALL,RUN="$run" deploy/slurm/merge.sbatch)
echo "array job $array ($shards shards), merge job $merge; results in $run/merged"
