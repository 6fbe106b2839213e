#!/bin/bash
# Prove `apkaudit scan --shard auto` on a real single-node Slurm cluster.
#
# As root: installs Debian's slurm-wlm and munge when missing, starts a private munged,
# slurmctld and slurmd on this machine (loopback only, ports of their own, state under one
# work directory), submits job arrays over the corpus with `--shard auto`, and checks that
# the shards are disjoint, cover the corpus, and that `apkaudit summary` of their
# concatenation equals `summary` of a one-machine run. Then stops the daemons it started
# (by pid) and removes the work directory.
#
#   tools/slurm/run-cluster-test.sh [CORPUS]
#
# CORPUS defaults to $APKAUDIT_CORPUS, else ../shared/corpus beside the repository.
# Environment: APKAUDIT_BIN (binary to test; default: `cargo build --release`, then
# target/release/apkaudit), APKAUDIT_SLURM_DIR (work directory, default
# /tmp/apkaudit-slurm), APKAUDIT_SLURM_KEEP=1 (keep the work directory after success).
#
# Exit: 0 all checks passed; 77 cannot run here (not root, no apt-get, packages not
# installable, corpus absent); 1 a check failed or the cluster did not come up.
set -euo pipefail

say() { printf 'run-cluster-test: %s\n' "$*"; }
skip() { say "SKIP: $*" >&2; exit 77; }
fail() { say "FAIL: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || skip "needs root (installs slurm-wlm and munge, starts daemons)"
command -v apt-get >/dev/null 2>&1 || skip "no apt-get (Debian/Ubuntu only)"

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CORPUS=${1:-${APKAUDIT_CORPUS:-$REPO/../shared/corpus}}
[ -d "$CORPUS" ] || skip "corpus $CORPUS is absent"
CORPUS=$(cd "$CORPUS" && pwd)
WORK=${APKAUDIT_SLURM_DIR:-/tmp/apkaudit-slurm}
case "$WORK" in /*) ;; *) fail "APKAUDIT_SLURM_DIR must be absolute" ;; esac
CONF=$WORK/etc/slurm.conf
SOCK=$WORK/munge/munge.socket
export SLURM_CONF=$CONF

# ---------------------------------------------------------------- packages
install_packages() {
    local missing=()
    command -v slurmctld >/dev/null 2>&1 || missing+=(slurmctld)
    command -v slurmd >/dev/null 2>&1 || missing+=(slurmd)
    command -v sbatch >/dev/null 2>&1 || missing+=(slurm-client)
    command -v munged >/dev/null 2>&1 || missing+=(munge)
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing slurm-wlm munge (missing: ${missing[*]})"
    # keep the packages' maintainer scripts from starting their own daemons: the only
    # daemons this script leaves behind are none
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
    fi
    local ok=0
    export DEBIAN_FRONTEND=noninteractive
    if apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends slurm-wlm munge >"/tmp/apkaudit-slurm-apt.log" 2>&1; then
        ok=1
    elif apt-get update -q -o DPkg::Lock::Timeout=600 >>"/tmp/apkaudit-slurm-apt.log" 2>&1 &&
        apt-get install -y -q -o DPkg::Lock::Timeout=600 --no-install-recommends slurm-wlm munge >>"/tmp/apkaudit-slurm-apt.log" 2>&1; then
        ok=1
    fi
    [ $made_policy = 1 ] && rm -f "$policy"
    [ $ok = 1 ] || skip "apt-get install slurm-wlm munge failed (see /tmp/apkaudit-slurm-apt.log)"
    rm -f /tmp/apkaudit-slurm-apt.log
}

# ---------------------------------------------------------------- daemons (ours only)
# A pid from one of our pid files, if that process is alive and runs with our files.
our_pid() {
    local f=$1 pid
    [ -s "$f" ] || return 1
    pid=$(tr -dc 0-9 <"$f")
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$WORK/" || return 1
    echo "$pid"
}

stop_daemons() {
    local pid n
    if [ -f "$CONF" ] && our_pid "$WORK/run/slurmctld.pid" >/dev/null; then
        scancel --quiet --user=root 2>/dev/null || true
        for _ in $(seq 20); do
            [ -z "$(squeue -h 2>/dev/null)" ] && break
            sleep 0.5
        done
        scontrol shutdown >/dev/null 2>&1 || true
    fi
    for f in slurmd slurmctld munged; do
        pid=$(our_pid "$WORK/run/$f.pid") || continue
        kill -TERM "$pid" 2>/dev/null || true
        for n in $(seq 40); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.25
        done
        if kill -0 "$pid" 2>/dev/null; then
            say "$f ($pid) did not stop on TERM; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
}

status=1
finish() {
    stop_daemons
    if [ "$status" = 0 ] && [ "${APKAUDIT_SLURM_KEEP:-0}" != 1 ]; then
        rm -rf "$WORK"
    elif [ -d "$WORK" ]; then
        say "logs and outputs kept in $WORK"
    fi
}

install_packages
for t in munged mungekey munge unmunge slurmctld slurmd sbatch squeue sinfo scontrol scancel; do
    command -v "$t" >/dev/null 2>&1 || skip "$t not found after installing slurm-wlm and munge"
done

# a previous run that was interrupted: stop what it left, start afresh
stop_daemons
rm -rf "$WORK"
trap 'finish' EXIT
trap 'exit 1' INT TERM HUP
mkdir -p "$WORK"/{etc,munge,run,log,state,spool,out1,out2,out3}
chmod 700 "$WORK/munge"

# ---------------------------------------------------------------- binary
if [ -n "${APKAUDIT_BIN:-}" ]; then
    BIN=$APKAUDIT_BIN
else
    say "building the release binary"
    (cd "$REPO" && nice -n 15 cargo build --release --quiet --bin apkaudit) || fail "cargo build --release failed"
    BIN=$REPO/target/release/apkaudit
fi
[ -x "$BIN" ] || fail "no binary at $BIN"

# ---------------------------------------------------------------- munge
if command -v mungekey >/dev/null 2>&1; then
    mungekey --create --keyfile="$WORK/munge/munge.key" --force
else
    dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1024 count=1 status=none
fi
chmod 400 "$WORK/munge/munge.key"
munged --socket="$SOCK" --key-file="$WORK/munge/munge.key" --pid-file="$WORK/run/munged.pid" \
    --log-file="$WORK/log/munged.log" --seed-file="$WORK/munge/munged.seed" --force \
    || fail "munged did not start: $(tail -3 "$WORK/log/munged.log" 2>/dev/null)"
munge -n -S "$SOCK" | unmunge -S "$SOCK" >/dev/null || fail "munge credential round trip failed"

# ---------------------------------------------------------------- slurm.conf
HOST=$(hostname -s)
# the first port from $1 on that no socket listens (TCP state 0A in /proc/net/tcp{,6})
free_port() {
    local p=$1
    while awk -v port="$(printf ':%04X' "$p")" '$4 == "0A" && substr($2, length($2) - 4) == port { f = 1 } END { exit !f }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null; do
        p=$((p + 1))
    done
    echo "$p"
}
CTLD_PORT=$(free_port 16817)
SLURMD_PORT=$(free_port $((CTLD_PORT + 1)))
# the node as slurmd itself sees this machine (real CPUs, sockets, cores, memory)
NODE_HW=$(slurmd -C 2>/dev/null | head -1 | sed -e 's/^NodeName=[^ ]* *//' -e 's/ *UpTime=.*//')
case "$NODE_HW" in
    *CPUs=*RealMemory=*) ;;
    *) NODE_HW="CPUs=$(nproc) RealMemory=$(free -m | awk '/^Mem:/ {print $2}')" ;;
esac
cat >"$CONF" <<CONF
# written by tools/slurm/run-cluster-test.sh: one node, loopback, no cgroups, no accounting
ClusterName=apkaudit
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCK
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/run/slurmctld.pid
SlurmdPidFile=$WORK/run/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MaxArraySize=1001
NodeName=$HOST NodeAddr=127.0.0.1 $NODE_HW State=UNKNOWN
PartitionName=main Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
say "slurm.conf node: NodeName=$HOST NodeAddr=127.0.0.1 $NODE_HW"

# ---------------------------------------------------------------- slurmctld, slurmd
slurmctld -c -f "$CONF" || fail "slurmctld did not start: $(tail -5 "$WORK/log/slurmctld.log" 2>/dev/null)"
slurmd -f "$CONF" -N "$HOST" || fail "slurmd did not start: $(tail -5 "$WORK/log/slurmd.log" 2>/dev/null)"
state=
for _ in $(seq 60); do
    state=$(sinfo -h -n "$HOST" -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 1
done
[ "$state" = idle ] || fail "node $HOST is '${state:-unknown}', not idle, after 60 s: $(tail -5 "$WORK/log/slurmd.log" 2>/dev/null)"
say "$(slurmctld -V), node $HOST idle"
sinfo

# ---------------------------------------------------------------- jobs
# Each task logs the array variables Slurm gave it, then scans its shard.
cat >"$WORK/job.sh" <<JOB
#!/bin/bash
env | grep '^SLURM_ARRAY_' | sort >"env.\$SLURM_ARRAY_TASK_ID"
exec "$BIN" scan "$CORPUS" --shard auto -j "\${SLURM_CPUS_PER_TASK:-1}" --no-progress \\
    -o "out.\$SLURM_ARRAY_TASK_ID.jsonl"
JOB
chmod 755 "$WORK/job.sh"

# sbatch_wait DIR ARRAY: submit the array, wait for all its tasks; sbatch's exit status
submit() {
    local dir=$1 array=$2 rc=0
    say "sbatch --array=$array --wait (in $dir)"
    local job
    job=$(timeout 900 sbatch --parsable --wait --array="$array" --cpus-per-task=1 \
        --job-name=apkaudit --chdir="$WORK/$dir" --output="$WORK/$dir/slurm-%A_%a.log" \
        "$WORK/job.sh") || rc=$?
    say "  job ${job:-?} finished, sbatch exit status $rc"
    for e in "$WORK/$dir"/env.*; do
        [ -f "$e" ] && say "  task ${e##*.}: $(tr '\n' ' ' <"$e")"
    done
    for l in "$WORK/$dir"/slurm-*.log; do
        [ -s "$l" ] && say "  ${l##*/}: $(tr '\n' ' ' <"$l")"
    done
    return $rc
}

# the reference: one process over the whole corpus
"$BIN" scan "$CORPUS" --no-progress -o "$WORK/one.jsonl" 2>"$WORK/one.log"
say "one-machine run: $(cat "$WORK/one.log")"
"$BIN" summary "$WORK/one.jsonl" --format json >"$WORK/one.summary.json"
LC_ALL=C sort "$WORK/one.jsonl" >"$WORK/one.sorted"

# compare DIR NSHARDS: shards disjoint, covering, summary equal
compare() {
    local dir=$1 n=$2 f lines=0
    for f in "$WORK/$dir"/out.*.jsonl; do
        [ -s "$f" ] || fail "$dir: empty or missing shard output $f"
        lines=$((lines + $(wc -l <"$f")))
    done
    [ "$(ls "$WORK/$dir"/out.*.jsonl | wc -l)" = "$n" ] || fail "$dir: expected $n shard outputs"
    cat "$WORK/$dir"/out.*.jsonl >"$WORK/$dir/merged.jsonl"
    "$BIN" summary "$WORK/$dir/merged.jsonl" --format json >"$WORK/$dir/merged.summary.json"
    cat "$WORK/$dir"/out.*.jsonl | "$BIN" summary - --format json >"$WORK/$dir/stdin.summary.json"
    LC_ALL=C sort "$WORK/$dir/merged.jsonl" >"$WORK/$dir/merged.sorted"
    local dups
    dups=$(sed -e 's/^{"file":"\([^"]*\)".*/\1/' "$WORK/$dir/merged.jsonl" | LC_ALL=C sort | uniq -d | wc -l)
    [ "$dups" = 0 ] || fail "$dir: $dups inputs appear in more than one shard"
    [ "$lines" = "$(wc -l <"$WORK/one.jsonl")" ] ||
        fail "$dir: shards hold $lines records, the one-machine run $(wc -l <"$WORK/one.jsonl")"
    cmp -s "$WORK/$dir/merged.sorted" "$WORK/one.sorted" ||
        fail "$dir: the shard records differ from the one-machine records: $(diff "$WORK/one.sorted" "$WORK/$dir/merged.sorted" | head -c 600)"
    cmp -s "$WORK/$dir/merged.summary.json" "$WORK/one.summary.json" ||
        fail "$dir: summary differs: $(diff "$WORK/one.summary.json" "$WORK/$dir/merged.summary.json" | head -c 600)"
    cmp -s "$WORK/$dir/stdin.summary.json" "$WORK/one.summary.json" ||
        fail "$dir: summary from stdin differs"
    say "$dir: $n shards of $(for f in "$WORK/$dir"/out.*.jsonl; do wc -l <"$f"; done | tr '\n' ' ')records, $lines in all, disjoint; records and summary equal to the one-machine run"
}

# 1. --array=0-2: shards 1..3 of 3
submit out1 0-2 || fail "job array 0-2 failed"
compare out1 3
# 2. an array that does not start at 0, with a step: tasks 1, 3, 5, 7 -> shards 1..4 of 4
submit out2 1-7:2 || fail "job array 1-7:2 failed"
compare out2 4
# 3. an irregular list is refused by every task (usage error, exit 2), nothing is written
if submit out3 0,1,5; then
    fail "--array=0,1,5 should have been refused by --shard auto"
fi
grep -l "not a range with a fixed step" "$WORK"/out3/slurm-*.log >/dev/null ||
    fail "--array=0,1,5: no usage error in the task logs"
! ls "$WORK"/out3/out.*.jsonl >/dev/null 2>&1 || fail "--array=0,1,5: a task wrote output"
say "out3: --array=0,1,5 refused by every task with a usage error"

say "summary (merged shards = one machine):"
head -c 300 "$WORK/out1/merged.summary.json"; echo " ..."
status=0
say "PASS"
