"""threads.py PID SECONDS: CPU of a JVM's threads over SECONDS, in cores, by thread group (from /proc).
threads.py --diff BEFORE AFTER SECONDS: broker requests per second from two BrokerRequests.java lines.
threads.py --alloc BEFORE_FILE AFTER_FILE SECONDS: MB allocated per second by thread group, from two ThreadAlloc.java outputs.
threads.py --cpu PID: CPU seconds the JVM has used so far (its own counter, ended threads included)."""
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

if __name__ == '__main__':
    if sys.argv[1] == '--alloc':
        alloc(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    elif sys.argv[1] == '--cpu':
        print(process(sys.argv[2]) / os.sysconf('SC_CLK_TCK'))
    elif sys.argv[1] == '--diff':
        diff(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    else:
        threads(sys.argv[1], float(sys.argv[2]))
