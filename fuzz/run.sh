#!/usr/bin/env bash
# Run one fuzz target: fuzz/run.sh TARGET [EXECS] [extra libFuzzer flags...]
#
# Builds the targets (release, debug assertions and overflow checks on, no sanitizer: the
# library is safe Rust, so the checks that matter are panics, overflows, hangs and memory
# growth), writes the seed corpus on first use (cargo run --example fuzz_seeds), and runs
# TARGET for EXECS executions (default 10,000,000) at the lowest priority with the
# format's -max_len. The log goes to fuzz/logs/TARGET.log; crashes to fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz/run.sh TARGET [EXECS] [libFuzzer flags...]}
execs=${2:-10000000}
shift $(( $# >= 2 ? 2 : 1 ))

# The sizes the recorded ten-million runs used (docs/fuzzing.md): policy inputs cost ~1 ms
# per KiB under instrumentation and reach the same edges at 1 KiB as at 4 KiB.
case $target in
  policy) max_len=1024 ;;
  classfile|aapt_pb|arsc|dex) max_len=16384 ;;
  axml) max_len=32768 ;;
  zip|elf|scan) max_len=65536 ;;
  *) echo "unknown target $target" >&2; exit 2 ;;
esac

build=(-O -a -s none --codegen-units 16)
if [ ! -d "fuzz/corpus/$target" ]; then
  cargo run --quiet --example fuzz_seeds --features testkit
fi
cargo +nightly fuzz build "${build[@]}" "$target"
mkdir -p "fuzz/artifacts/$target" fuzz/logs
bin=fuzz/target/x86_64-unknown-linux-gnu/release/$target
exec nice -n 19 "$bin" "fuzz/corpus/$target" \
  -runs="$execs" -max_len="$max_len" -rss_limit_mb=2048 -timeout=10 \
  -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$target/" "$@" \
  2>&1 | tee "fuzz/logs/$target.log"
