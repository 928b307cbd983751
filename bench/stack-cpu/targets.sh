#!/usr/bin/env bash
# targets.sh NAME [jar args]: issue 22's two load targets on a fresh stack of the shipped jar, nothing sampled beside them.
# A fresh stack (start.sh), a warm-up that raises the rate in steps (the heap and the thread pools grow to the
# load before anything is measured), then 1,000 rejections/s and 500 admissions/s, 60 s each, each with its
# floors in the same run. The stack's CPU (the JVM's own counter) is read around each measured run; each
# measured connect's due time and latency go to NAME-*.timeline, the stack's GC log to NAME.gc.log.
# STACK_JAVA_OPTS adds JVM options to the stack's (e.g. a fixed heap), jar arguments follow NAME.
set -u
name=$1; shift
here=$(dirname "$(realpath "$0")"); out=/tmp/stack-cpu
date +%s.%N > $out/$name.started  # to line the GC log's uptime up with the timelines' epoch
JAVA_TOOL_OPTIONS="-Xlog:gc:file=$out/$name.gc.log ${STACK_JAVA_OPTS:-}" "$here/start.sh" standalone/target/standalone.jar "$@" || exit 1
pid=$(cat $out/pid)
# every second: the machine's CPU counters (/proc/stat's cpu line) and the stack's (utime stime of
# /proc/PID/stat), to tell a stall of the stack from a machine with no CPU left, and the stack's share from the rest
(while kill -0 "$pid" 2>/dev/null; do
  echo "$(date +%s.%N) $(head -1 /proc/stat) stack $(cut -d' ' -f14,15 /proc/$pid/stat)"; sleep 1
done) > $out/$name.cpu &
bench() {  # bench NAME SCENARIO RATE DURATION PREWARM [ConnectBench options]
  local n=$1 sc=$2 r=$3 d=$4 p=$5; shift 5
  BENCH_SKIP_BUILD=1 bench/run.sh ConnectBench --target http://127.0.0.1:18080 --kafka 127.0.0.1:19092 \
    --admin-token local-admin-token --scenario "$sc" --rate "$r" --duration "$d" --warmup 5 --prewarm "$p" --settle 5 \
    --floor-duration 5 --out $out --name "$n" "$@" > $out/$n.out 2>&1
}
measured() {  # measured NAME SCENARIO RATE: 60 s; stack CPU over the whole run (floors and settling included)
  local c0 s0; c0=$(python3 "$here/threads.py" --cpu "$pid"); s0=$(date +%s.%N)
  bench "$1" "$2" "$3" 60 10 --timeline $out/$1.timeline
  echo "$1: stack $(echo "($(python3 "$here/threads.py" --cpu "$pid") - $c0) / ($(date +%s.%N) - $s0)" | bc -l | cut -c1-5) cores over the run"
  grep -E "^(floor|connect)|outcomes" $out/$1.out
  python3 "$here/threads.py" --busy $out/$name.cpu $out/$1.timeline
}
bench "$name-warm1" mix 150 60 60
bench "$name-warm2" admit 350 30 10
bench "$name-warm3" reject 700 30 10
measured "$name-reject1000" reject 1000
measured "$name-admit500" admit 500
kill "$pid"
