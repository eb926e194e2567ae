#!/usr/bin/env bash
# Run the workflow through SLURM on this machine and check it matches a local run.
#
# As root on Debian: installs munge + slurm-wlm, writes a single-node
# slurm.conf (saving any existing one), starts munged, slurmctld and slurmd,
# runs the shipped data through profiles/slurm in a scratch copy and the same
# copy locally, and compares rates.csv, quarantine.jsonl, ingest_summary.json,
# the figures (bytes) and trials.parquet (content). Prints PASS or FAIL, stops
# the daemons it started, and exits 0 on PASS.
#   sudo bash scripts/slurm-smoke-test.sh    (from the repository root, after `make venv`)
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-$REPO/.venv}
SCRATCH=$(mktemp -d /tmp/slurm-smoke.XXXXXX)
HOST=$(hostname -s)
PARTITION=smoke
STARTED=()
T0=$(date +%s)

log() { echo "slurm-smoke-test: $*"; }
fail() { log "FAIL: $*"; exit 1; }

cleanup() {
  for pidfile in "${STARTED[@]}"; do
    [ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  if [ -f /etc/slurm/slurm.conf.smoke-backup ]; then
    mv /etc/slurm/slurm.conf.smoke-backup /etc/slurm/slurm.conf
  elif [ -n "${WROTE_CONF:-}" ]; then
    rm -f /etc/slurm/slurm.conf
  fi
  rm -rf "$SCRATCH"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || fail "run as root (it installs packages and starts daemons)"
command -v apt-get >/dev/null || fail "needs apt-get (Debian/Ubuntu)"
[ -x "$VENV/bin/snakemake" ] || fail "no $VENV/bin/snakemake; run 'make venv' first"

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  log "installing munge and slurm-wlm"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends munge slurm-wlm >/dev/null
fi
"$VENV/bin/python" -c "import snakemake_executor_plugin_slurm" 2>/dev/null \
  || "$VENV/bin/python" -m pip install --quiet -e "$REPO[cluster]"
pgrep -x slurmctld >/dev/null && fail "a slurmctld is already running; not touching it"

log "starting munged"
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
mkdir -p /run/munge && chown munge:munge /run/munge
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  munged --force
  STARTED+=(/run/munge/munged.pid)
fi
munge -n | unmunge >/dev/null || fail "munge does not work"

log "writing a single-node slurm.conf"
mkdir -p /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
[ -f /etc/slurm/slurm.conf ] && cp /etc/slurm/slurm.conf /etc/slurm/slurm.conf.smoke-backup
WROTE_CONF=1
MEM_MB=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
cat > /etc/slurm/slurm.conf <<CONF
ClusterName=smoke
SlurmctldHost=$HOST
SlurmUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
ReturnToService=2
MinJobAge=600
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
NodeName=$HOST CPUs=$(nproc) RealMemory=$MEM_MB State=UNKNOWN
PartitionName=$PARTITION Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF

log "starting slurmctld and slurmd"
slurmctld && STARTED+=(/run/slurmctld.pid)
slurmd && STARTED+=(/run/slurmd.pid)
for _ in $(seq 30); do
  sinfo -h -o %T 2>/dev/null | grep -qx idle && break
  sleep 1
done
sinfo -h -o %T | grep -qx idle || fail "node not idle: $(sinfo 2>&1)"
srun -N1 true || fail "srun does not run"

"$VENV/bin/python" -m preservation.scratch "$REPO" "$SCRATCH/local"
"$VENV/bin/python" -m preservation.scratch "$REPO" "$SCRATCH/slurm"

# The stages whose outputs are compared: ingestion, aggregation, one figure.
TARGETS=(data/processed/rates.csv figures/shutdown_sabotage.pdf figures/shutdown_sabotage.png)

log "local run"
(cd "$SCRATCH/local" && "$VENV/bin/snakemake" "${TARGETS[@]}" --cores 2 --quiet >"$SCRATCH/local.log" 2>&1) || { tail -30 "$SCRATCH/local.log"; fail "local run failed"; }

log "SLURM run (profiles/slurm, status via squeue)"
T1=$(date +%s)
(cd "$SCRATCH/slurm" && "$VENV/bin/snakemake" --profile profiles/slurm --jobs 2 \
  --default-resources slurm_partition=$PARTITION mem_mb=1024 runtime=15 \
  --slurm-status-command squeue --slurm-init-seconds-before-status-checks 5 \
  "${TARGETS[@]}" >"$SCRATCH/slurm.log" 2>&1) || { tail -40 "$SCRATCH/slurm.log"; fail "SLURM run failed"; }
SUBMITTED=$(grep -c "Job .* has been submitted with SLURM jobid" "$SCRATCH/slurm.log" || true)
log "SLURM run took $(( $(date +%s) - T1 )) s; $SUBMITTED jobs went through sbatch"
[ "$SUBMITTED" -gt 0 ] || fail "no job was submitted to SLURM"

status=PASS
for file in data/processed/rates.csv data/processed/quarantine.jsonl data/processed/ingest_summary.json \
            figures/shutdown_sabotage.pdf figures/shutdown_sabotage.png; do
  if cmp -s "$SCRATCH/local/$file" "$SCRATCH/slurm/$file"; then log "identical: $file"; else log "DIFFERS: $file"; status=FAIL; fi
done
if "$VENV/bin/python" - "$SCRATCH/local" "$SCRATCH/slurm" <<'PY'
import sys
import pyarrow.parquet as pq
local, slurm = (pq.read_table(f"{root}/data/processed/trials.parquet") for root in sys.argv[1:])
sys.exit(0 if local.equals(slurm) else 1)
PY
then log "identical content: data/processed/trials.parquet"; else log "DIFFERS: data/processed/trials.parquet"; status=FAIL; fi

log "$status (total $(( $(date +%s) - T0 )) s)"
[ "$status" = PASS ]
