#!/usr/bin/env bash
# measure.sh NAME RATE SCENARIO: ConnectBench against the stack of start.sh; thread CPU, broker requests and allocation per thread over 30 s of the connect phase.
set -u
name=$1 rate=$2 scenario=$3
here=$(dirname "$(realpath "$0")"); out=/tmp/stack-cpu; pid=$(cat $out/pid)
BENCH_SKIP_BUILD=${BENCH_SKIP_BUILD:-} bench/run.sh ConnectBench --target http://127.0.0.1:18080 --kafka 127.0.0.1:19092 \
  --admin-token local-admin-token --scenario "$scenario" --rate "$rate" --duration 40 --warmup 5 --prewarm 10 --settle 5 \
  --floor-duration 5 --out $out --name "$name" > $out/$name.out 2>&1 &
bench=$!
sleep 55
before=$(java "$here/BrokerRequests.java"); java "$here/ThreadAlloc.java" > $out/$name.alloc-before
python3 "$here/threads.py" "$pid" 30 > $out/$name.threads
java "$here/ThreadAlloc.java" > $out/$name.alloc-after; after=$(java "$here/BrokerRequests.java")
# (the allocation counters are read right around the 30 s; the broker's counters around them, a
# second or two more: its rates are over-counted by a few per cent)
wait $bench
python3 "$here/threads.py" --diff "$before" "$after" 30 > $out/$name.broker
python3 "$here/threads.py" --alloc $out/$name.alloc-before $out/$name.alloc-after 30 > $out/$name.alloc
grep -E "^(floor|connect)" $out/$name.out; cat $out/$name.threads $out/$name.broker $out/$name.alloc
