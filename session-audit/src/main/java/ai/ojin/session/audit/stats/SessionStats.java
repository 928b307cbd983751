package ai.ojin.session.audit.stats;

import ai.ojin.session.audit.log.TimeRange;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionDequeued;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionQueued;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionFailed;
import ai.ojin.session.events.fact.SessionRejected;
import ai.ojin.session.events.fact.SessionRequested;
import ai.ojin.session.events.fact.SessionStarted;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Figures of the sessions requested in a window (optionally of one agent), folded from the facts
 * in log order. Peak concurrency is recomputed from the whole log (admitted +1, first ended or
 * failed -1) and its maximum taken over the facts inside the window.
 *
 * <p>A <b>no-show</b> is an admitted session that never started and ended without a set-up failure
 * (the caller gave up, or the start lease ran out). <b>Set-up time</b> is requested to started;
 * <b>session length</b> started to ended.
 */
public final class SessionStats {

    private final TimeRange range;
    private final String agent;
    private final Map<String, Instant> requestedAt = new HashMap<>();
    private final Map<String, Instant> startedAt = new HashMap<>();
    private final Set<String> admitted = new HashSet<>();
    private final Set<String> ended = new HashSet<>();
    private final Map<String, Integer> active = new HashMap<>();

    long requests;
    long admissions;
    long starts;
    final Map<String, Long> rejections = new TreeMap<>();
    final Map<String, Long> failures = new TreeMap<>();
    final Map<String, Long> endReasons = new TreeMap<>();
    long noShows;
    final List<Long> setupMs = new ArrayList<>();
    final List<Long> lengthMs = new ArrayList<>();
    final Map<String, Integer> peak = new TreeMap<>();
    final Map<String, Integer> limit = new TreeMap<>();
    final Map<String, Line> lines = new TreeMap<>();

    /** One agent's line in the window: how many joined it, how they left it, how long they waited. */
    static final class Line {
        long queued;
        final Map<String, Long> outcomes = new TreeMap<>();
        final List<Long> waitMs = new ArrayList<>();
    }

    public SessionStats(TimeRange range, String agent) {
        this.range = range;
        this.agent = agent;
    }

    public void add(SessionEvent fact) {
        String session = fact.sessionId();
        if (fact instanceof SessionRequested r) {
            requestedAt.putIfAbsent(session, r.at());
        }
        boolean counted = (agent == null || agent.equals(fact.agentId()))
                && range.contains(requestedAt.getOrDefault(session, fact.at()));
        if (fact instanceof SessionAdmitted a) {
            if (admitted.add(session)) {
                int now = active.merge(a.agentId(), 1, Integer::sum);
                if ((agent == null || agent.equals(a.agentId())) && range.contains(a.at())) {
                    peak.merge(a.agentId(), now, Math::max);
                    limit.put(a.agentId(), a.maxConcurrency());
                }
                if (counted) {
                    admissions++;
                }
            }
        } else if (fact instanceof SessionStarted s) {
            if (startedAt.putIfAbsent(session, s.at()) == null && counted) {
                starts++;
                Instant requested = requestedAt.get(session);
                if (requested != null) {
                    setupMs.add(Duration.between(requested, s.at()).toMillis());
                }
            }
        } else if (fact instanceof SessionRejected r) {
            if (counted) {
                rejections.merge(r.errorCode() == null ? "none" : r.errorCode().wire(), 1L, Long::sum);
            }
        } else if (fact instanceof SessionEnded || fact instanceof SessionFailed) {
            end(fact, counted);
        } else if (fact instanceof SessionRequested && counted) {
            requests++;
        } else if (fact instanceof SessionQueued && counted) {
            lines.computeIfAbsent(fact.agentId(), a -> new Line()).queued++;
        } else if (fact instanceof SessionDequeued d && counted) {
            Line line = lines.computeIfAbsent(d.agentId(), a -> new Line());
            line.outcomes.merge(d.outcome() == null ? "none" : d.outcome().wire(), 1L, Long::sum);
            if (d.queuedAt() != null) {
                line.waitMs.add(Duration.between(d.queuedAt(), d.at()).toMillis());
            }
        }
    }

    private void end(SessionEvent fact, boolean counted) {
        String session = fact.sessionId();
        if (!admitted.contains(session) || !ended.add(session)) {
            return;
        }
        active.merge(fact.agentId(), -1, Integer::sum);
        if (!counted) {
            return;
        }
        if (fact instanceof SessionFailed f) {
            failures.merge(f.errorCode() == null ? "none" : f.errorCode().wire(), 1L, Long::sum);
            return;
        }
        SessionEnded e = (SessionEnded) fact;
        endReasons.merge(e.reason() == null ? "none" : e.reason().wire(), 1L, Long::sum);
        Instant started = startedAt.get(session);
        if (started == null) {
            noShows++;
        } else {
            lengthMs.add(Duration.between(started, e.at()).toMillis());
        }
    }

    /** Nearest-rank percentile of the values in ms, or null when there are none. */
    static Long percentile(List<Long> values, double q) {
        if (values.isEmpty()) {
            return null;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(q * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }
}
