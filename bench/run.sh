#!/usr/bin/env bash
# Runs a benchmark main of this module with its full classpath.
#   bench/run.sh ConnectBench --rate 300 --duration 30 --scenario mix
#   bench/run.sh ProcessorCostBench 20000
set -euo pipefail
cd "$(dirname "$0")/.."
main=${1:?usage: bench/run.sh ConnectBench|ProcessorCostBench [options]}
shift
./mvnw -q -B install -DskipTests
./mvnw -q -B -pl bench dependency:build-classpath -Dmdep.outputFile="$PWD/bench/target/classpath.txt"
exec java -Xms2g -Xmx4g -cp "bench/target/classes:$(cat bench/target/classpath.txt)" "ai.ojin.session.bench.$main" "$@"
