#!/usr/bin/env bash
# Runs a benchmark main of this module with its full classpath.
#   bench/run.sh ConnectBench --rate 300 --duration 30 --scenario mix
#   bench/run.sh ProcessorCostBench 20000
set -euo pipefail
cd "$(dirname "$0")/.."
main=${1:?usage: bench/run.sh ConnectBench|ProcessorCostBench [options]}
shift
# BENCH_SKIP_BUILD=1: reuse the last build (several runs of one commit in a row).
if [ -z "${BENCH_SKIP_BUILD:-}" ] || [ ! -f bench/target/classpath.txt ]; then
  # compile in the reactor (no install: ~/.m2 is shared with other checkouts), then list the classpath
  ./mvnw -q -B compile -pl bench -am dependency:build-classpath -Dmdep.outputFile="$PWD/bench/target/classpath.txt"
fi
# Our own modules from this checkout's target/classes, not from ~/.m2 (which other checkouts on the
# same machine may have overwritten since).
cp=$(tr ':' '\n' < bench/target/classpath.txt \
  | sed -E "s#^.*/ai/ojin/session/([a-z-]+)/[^/]+/[^/]+\.jar\$#$PWD/\1/target/classes#" | paste -sd: -)
# On 2 cores the common pool has parallelism 1, and CompletableFuture then starts a new thread for
# every async step (the JDK HttpClient's responses): 10,000 threads in a 15 s run, CPU saturated
# by the load generator. Give it a real pool.
# Extra JVM options (e.g. -Dbroker.add.partitions.to.txn.retry.backoff.ms=20 for TxnCostBench): BENCH_JAVA_OPTS.
exec java -Xms2g -Xmx4g -Djava.util.concurrent.ForkJoinPool.common.parallelism=4 ${BENCH_JAVA_OPTS:-} -cp "bench/target/classes:$cp" "ai.ojin.session.bench.$main" "$@"
