"""threads.py PID SECONDS: CPU of a JVM's threads over SECONDS, in cores, by thread group (from /proc).
threads.py --diff BEFORE AFTER SECONDS: broker requests per second from two BrokerRequests.java lines.
threads.py --alloc BEFORE_FILE AFTER_FILE SECONDS: MB allocated per second by thread group, from two ThreadAlloc.java outputs.
threads.py --cpu PID: CPU seconds the JVM has used so far (its own counter, ended threads included).
threads.py --busy CPU_FILE TIMELINE: the whole machine's busy share second by second beside each second's latencies
  in TIMELINE, and the stack's part of it (CPU_FILE: lines of "epoch <the cpu line of /proc/stat> stack UTIME STIME",
  as targets.sh writes them; older files without the stack's part)."""
import json, os, re, sys, time

GROUPS = [('broker', r'data-plane|kafka-request|kafka-network|RequestHandler|ExpirationReape|broker|controller|raft|quorum|kafka-log|LogCleaner|kafka-scheduler|metadata'),
          ('http', r'http-nio|tomcat'), ('jit', r'C1 Compi|C2 Compi'), ('gc', r'GC |G1 |VM Thread|Concurrent'),
          ('stream', r'StreamThread|session-process'), ('sender', r'producer-network|kafka-producer'),
          ('replies', r'^replies'), ('rejections', r'^rejections')]

def group(name):
    for g, pattern in GROUPS:
        if re.search(pattern, name):
            return g
    return 'other:' + re.sub(r'[-_ ]?\d+$', '', name)

def sample(pid):
    cpu = {}
    for t in os.listdir(f'/proc/{pid}/task'):
        try:
            stat = open(f'/proc/{pid}/task/{t}/stat').read()
        except OSError:
            continue
        name = stat[stat.index('(') + 1:stat.rindex(')')]
        fields = stat[stat.rindex(')') + 2:].split()
        cpu[(t, name)] = int(fields[11]) + int(fields[12])
    return cpu

def threads(pid, secs):
    tick = os.sysconf('SC_CLK_TCK')
    pa = process(pid); a = sample(pid); time.sleep(secs); b = sample(pid); pb = process(pid)
    totals = {}
    for key, v in b.items():
        g = group(key[1]); totals[g] = totals.get(g, 0) + v - a.get(key, 0)
    cores = {g: round(v / tick / secs, 3) for g, v in sorted(totals.items(), key=lambda x: -x[1]) if v > 0}
    # total_cores sums the threads alive at the end; a thread that ended inside the window (a pool
    # shrinking) takes its CPU with it. process_cores is the JVM's own counter, which keeps it.
    print(json.dumps({'total_cores': round(sum(totals.values()) / tick / secs, 3),
                      'process_cores': round((pb - pa) / tick / secs, 3), 'groups': cores}))

def process(pid):
    fields = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
    return int(fields[11]) + int(fields[12])

def diff(before, after, secs):
    a = dict(x.split('=') for x in before.split()); b = dict(x.split('=') for x in after.split())
    rates = {k: (int(v) - int(a.get(k, 0))) / secs for k, v in b.items() if k not in ('FetchConsumer', 'FetchFollower')}
    print('broker requests/s %.0f: ' % sum(rates.values())
          + ' '.join('%s=%.2f' % (k, v) for k, v in sorted(rates.items(), key=lambda x: -x[1]) if v >= 0.05))

def alloc(before, after, secs):
    def read(path):
        rows = {}
        for line in open(path):
            tid, n, name = line.rstrip('\n').split('\t', 2)
            rows[tid] = (int(n), name)
        return rows
    a = read(before); b = read(after)
    totals = {}
    for tid, (n, name) in b.items():
        g = group(name); totals[g] = totals.get(g, 0) + n - a.get(tid, (0, name))[0]
    print(json.dumps({'total_mb_per_s': round(sum(totals.values()) / 1e6 / secs, 1),
                      'groups_mb_per_s': {g: round(v / 1e6 / secs, 1) for g, v in sorted(totals.items(), key=lambda x: -x[1])
                                          if v / 1e6 / secs >= 0.05}}))

def busy(cpu_file, timeline):
    # a line: epoch, "cpu" and the machine's counters, then (newer files) "stack" and the stack's utime stime
    rows = [line.split() for line in open(cpu_file)]
    counters = [(float(r[0]), [int(x) for x in r[2:r.index('stack') if 'stack' in r else len(r)]],
                 sum(int(x) for x in r[r.index('stack') + 1:]) if 'stack' in r else None) for r in rows if len(r) > 5]
    share, stack = {}, {}
    for (t0, a, sa), (t1, b, sb) in zip(counters, counters[1:]):
        d = [y - x for x, y in zip(a, b)]
        for second in range(int(t0) + 1, int(t1) + 1):  # a sample a little late covers the second it skipped
            share[second] = 1 - (d[3] + d[4]) / sum(d) if sum(d) else 0  # idle and iowait
            if sa is not None and sum(d):
                stack[second] = (sb - sa) / sum(d)  # the stack's part of the machine (both in ticks)
    lines = open(timeline).read().splitlines()
    start = int(lines[0].split()[-1]) / 1000  # "# due_ms latency_ms outcome; due_ms 0 = epoch ms N"
    per = {}
    for line in lines[1:]:
        due, latency = line.split(' ', 2)[:2]
        per.setdefault(int(float(due) // 1000), []).append(float(latency))
    seen = [(s, share.get(int(start + s) + 1), max(v)) for s, v in sorted(per.items())]
    known = [b for _, b, _ in seen if b is not None]
    seconds = [int(start + s) + 1 for s in per if int(start + s) + 1 in stack]
    if seconds:
        cores = os.cpu_count()
        ours = sum(stack[t] for t in seconds) / len(seconds)
        rest = sum(share[t] - stack[t] for t in seconds) / len(seconds)
        print('stack %.2f cores, the rest of the machine (load generator and all else) %.2f cores, of %d'
              % (cores * ours, cores * rest, cores))
    slow = ['%ds %.0fms busy %s' % (s, m, '?' if b is None else '%.0f%%' % (100 * b)) for s, b, m in seen if m > 500]
    print('machine busy: mean %.0f%%, %d of %d seconds at 95%% or more; seconds with a connect over 500 ms: %s'
          % (100 * sum(known) / max(1, len(known)), sum(b >= 0.95 for b in known), len(known), ', '.join(slow) or 'none'))

if __name__ == '__main__':
    if sys.argv[1] == '--busy':
        busy(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == '--alloc':
        alloc(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    elif sys.argv[1] == '--cpu':
        print(process(sys.argv[2]) / os.sysconf('SC_CLK_TCK'))
    elif sys.argv[1] == '--diff':
        diff(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    else:
        threads(sys.argv[1], float(sys.argv[2]))
