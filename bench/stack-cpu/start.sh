#!/usr/bin/env bash
# start.sh JAR [jar args]: a fresh standalone stack (client rate off: the load generator is one address), JMX on 19999.
set -u
out=/tmp/stack-cpu; mkdir -p $out
if [ -f $out/pid ]; then old=$(cat $out/pid); kill $old 2>/dev/null; while kill -0 $old 2>/dev/null; do sleep 1; done; fi
jar=$(realpath "$1"); shift
rm -rf $out/data; mkdir -p $out/data
cd $out/data
DATA_DIR=$out/data KAFKA_PORT=19092 CONNECT_API_PORT=18080 ROOM_WORKER_PORT=18081 CALL_HISTORY_PORT=18082 WIDGET_PORT=0 \
  nohup java -Dcom.sun.management.jmxremote.port=19999 -Dcom.sun.management.jmxremote.authenticate=false \
  -Dcom.sun.management.jmxremote.ssl=false -jar "$jar" --connect.client-rate=0 "$@" > $out/stack.log 2>&1 &
echo $! > $out/pid  # the JVM itself: threads.py reads its /proc/<pid>/task
for i in $(seq 1 120); do
  curl -sf localhost:18080/actuator/health/readiness >/dev/null 2>&1 && curl -sf localhost:18081/actuator/health/readiness >/dev/null 2>&1 \
    && { echo "ready after ${i}s"; exit 0; }
  sleep 1
done
echo "not ready after 120 s (see $out/stack.log)"; exit 1
