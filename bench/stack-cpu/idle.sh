#!/usr/bin/env bash
# idle.sh NAME SECONDS: the stack's thread CPU and broker requests while nothing is sent.
set -u
name=$1 secs=$2
here=$(dirname "$(realpath "$0")"); out=/tmp/stack-cpu
before=$(java "$here/BrokerRequests.java")
python3 "$here/threads.py" "$(cat $out/pid)" "$secs" > $out/$name-idle.threads
after=$(java "$here/BrokerRequests.java")
python3 "$here/threads.py" --diff "$before" "$after" "$secs" > $out/$name-idle.broker
cat $out/$name-idle.threads $out/$name-idle.broker
