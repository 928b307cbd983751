package ai.ojin.session.audit.replay;

import ai.ojin.session.audit.log.Logged;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.Heartbeat;
import ai.ojin.session.events.command.LinePosition;
import ai.ojin.session.events.command.MarkStarted;
import ai.ojin.session.events.command.ParticipantPresence;
import ai.ojin.session.events.command.ParticipantPresence.Change;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.fact.ParticipantJoined;
import ai.ojin.session.events.fact.ParticipantLeft;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionDequeued;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionFailed;
import ai.ojin.session.events.fact.SessionRequested;
import ai.ojin.session.events.fact.SessionStarted;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.processor.topology.LeaseSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;

/**
 * Re-runs the recorded commands through the processor's topology offline and compares every
 * decision with the recorded facts.
 *
 * <p><b>Timing.</b> The processor judges a request as of the moment it read it (its wall clock),
 * every other command as of the moment it was written (its record timestamp, never later than the
 * wall clock); either way the facts carry that moment. So each command is fed with its record
 * timestamp and the wall clock at the time of the fact it caused ({@link #caused}: {@code requested}
 * for a request, {@code started} for a mark-started, the matching {@code ended}/{@code failed} for
 * a release, the {@code joined}/{@code left} of the same participant for a participant command).
 * A command that caused no fact (a duplicate, a late release, a participant of a closed session)
 * is replayed at its record timestamp, kept between its neighbours' times. An expiry
 * ({@code ended} with {@code lease_expired}, {@code no_show} or {@code user_left}) is recorded at
 * its lease's end: the clock is also moved to the time of every recorded expiry, and the replay's
 * punctuator runs at every clock move. Agent configuration is replayed from {@code agents} at its
 * record timestamps; the oldest surviving version of each agent (compaction keeps only the newest)
 * from the start.
 *
 * <p><b>Scope.</b> Only sessions whose request is among the retained commands are compared. A
 * partition's trailing commands that caused no fact are not replayed: the processor may not have
 * reached them yet when the log was read. Heartbeats and line-position queries are left out
 * entirely: they change no session and write no fact (connect-api sends a heartbeat to every
 * partition every few seconds).
 *
 * <p><b>The line and repeats.</b> A release of a waiting session caused its {@code dequeued(gone)};
 * a wait that ran out ({@code dequeued(timed_out)}, then {@code rejected}) is an expiry like a
 * lease's. Admissions from the line happen while the command that freed the slot is replayed. A
 * repeated request (a known {@code Idempotency-Key}) writes no {@code requested} fact, so it is
 * replayed at its record timestamp; the {@code repeated} facts it causes belong to the first
 * request's session and are compared there.
 */
final class Replayer {

    private final LeaseSettings settings;
    private final Duration punctuateInterval;
    private final List<String> notes = new ArrayList<>();

    /**
     * @param settings the processor's lease settings (its punctuation interval is replaced: the
     *     replay runs the punctuator at every clock move)
     * @param punctuateInterval the recorded run's punctuation interval: how much earlier than
     *     recorded the replay may expire a lease
     */
    Replayer(LeaseSettings settings, Duration punctuateInterval) {
        this.settings = settings.withPunctuateInterval(Duration.ofMillis(1));
        this.punctuateInterval = punctuateInterval;
    }

    /** What the replay says about the run, and the divergences. */
    record Result(int commandsReplayed, int commandsSkipped, int sessionsCompared, int factsCompared,
            List<Divergence> divergences, List<String> notes) {
    }

    private enum InputKind { AGENT, TICK, COMMAND }

    private record Input(Instant time, InputKind kind, int partition, long offset, String key, Object value,
            Instant recordTimestamp) {
    }

    private record Replayed(SessionEvent fact, String cause) {
    }

    Result run(List<Logged<Agent>> agents, List<Logged<SessionCommand>> commands, List<Logged<SessionEvent>> facts) {
        Map<String, List<Logged<SessionEvent>>> recorded = new LinkedHashMap<>();
        Instant latestFact = null;
        int unreadableFacts = 0;
        for (Logged<SessionEvent> f : facts) {
            if (!f.readable() || f.value() == null) {
                unreadableFacts++;
                continue;
            }
            recorded.computeIfAbsent(f.value().sessionId(), s -> new ArrayList<>()).add(f);
            latestFact = latestFact == null || f.value().at().isAfter(latestFact) ? f.value().at() : latestFact;
        }
        if (unreadableFacts > 0) {
            notes.add(unreadableFacts + " unreadable fact(s) left out of the comparison");
        }

        List<Input> inputs = new ArrayList<>();
        Set<String> requested = new LinkedHashSet<>();
        int[] counts = commandInputs(commands, recorded, inputs, requested);
        for (List<Logged<SessionEvent>> session : recorded.values()) {
            for (Logged<SessionEvent> f : session) {
                if (isExpiry(f.value())) {
                    inputs.add(new Input(f.value().at(), InputKind.TICK, f.partition(), f.offset(), null, null, null));
                }
            }
        }
        if (inputs.isEmpty()) {
            notes.add("no commands to replay");
            return new Result(0, counts[1], 0, 0, List.of(), notes);
        }
        Instant start = inputs.stream().map(Input::time).min(Comparator.naturalOrder()).orElseThrow();
        agentInputs(agents, start, inputs);
        inputs.sort(Comparator.comparing(Input::time).thenComparing(Input::kind).thenComparingInt(Input::partition)
                .thenComparingLong(Input::offset));
        warnAboutSessionsLiveAtStart(recorded, start);

        Map<String, List<Replayed>> replayed = new LinkedHashMap<>();
        try (OfflineProcessor processor = new OfflineProcessor(settings, start.minusMillis(1))) {
            for (Input input : inputs) {
                collect(replayed, processor.advanceTo(input.time()), "lease punctuation at " + input.time());
                if (input.kind() == InputKind.AGENT) {
                    processor.agent(input.key(), (Agent) input.value(), input.recordTimestamp());
                } else if (input.kind() == InputKind.COMMAND) {
                    SessionCommand command = (SessionCommand) input.value();
                    collect(replayed, processor.command(input.key(), command, input.recordTimestamp()),
                            "command p" + input.partition() + "@" + input.offset() + " " + commandName(command)
                                    + " at " + input.time());
                }
            }
            if (latestFact != null) {
                // leases that ran out before the log ends, less the punctuation the recorded run may still owe
                Instant end = latestFact.minus(punctuateInterval);
                collect(replayed, processor.advanceTo(end), "lease punctuation at " + end);
            }
        }
        return compare(requested, recorded, replayed, counts);
    }

    /**
     * Adds the commands to replay with the moment each was processed; fills {@code requested} with
     * the sessions whose request is replayed. @return {replayed, skipped}
     */
    private int[] commandInputs(List<Logged<SessionCommand>> commands, Map<String, List<Logged<SessionEvent>>> recorded,
            List<Input> inputs, Set<String> requested) {
        Set<String> consumed = new HashSet<>();
        Map<Integer, List<Logged<SessionCommand>>> byPartition = new java.util.TreeMap<>();
        int unreadable = 0;
        int heartbeats = 0;
        int queries = 0;
        for (Logged<SessionCommand> c : commands) {
            if (!c.readable() || c.value() == null || c.value().sessionId() == null) {
                unreadable++;
            } else if (c.value() instanceof Heartbeat) {
                heartbeats++;
            } else if (c.value() instanceof LinePosition) {
                queries++;
            } else {
                byPartition.computeIfAbsent(c.partition(), p -> new ArrayList<>()).add(c);
            }
        }
        int replayed = 0;
        int trailing = 0;
        for (List<Logged<SessionCommand>> partition : byPartition.values()) {
            partition.sort(Comparator.comparingLong(Logged::offset));
            Instant[] anchors = new Instant[partition.size()];
            int lastAnchored = -1;
            for (int i = 0; i < partition.size(); i++) {
                Logged<SessionEvent> fact = anchor(partition.get(i).value(), recorded, consumed);
                if (fact != null) {
                    anchors[i] = fact.value().at();
                    lastAnchored = i;
                }
            }
            Instant previous = Instant.EPOCH;
            for (int i = 0; i <= lastAnchored; i++) {
                Logged<SessionCommand> c = partition.get(i);
                Instant time = anchors[i];
                if (time == null) {
                    Instant next = nextAnchor(anchors, i);
                    time = c.timestamp().isAfter(next) ? next : c.timestamp();
                }
                if (time.isBefore(previous)) {
                    time = previous;
                }
                previous = time;
                inputs.add(new Input(time, InputKind.COMMAND, c.partition(), c.offset(), c.key(), c.value(), c.timestamp()));
                if (c.value() instanceof RequestSession) {
                    requested.add(c.value().sessionId());
                }
                replayed++;
            }
            trailing += partition.size() - (lastAnchored + 1);
        }
        if (heartbeats > 0) {
            notes.add(heartbeats + " heartbeat(s) left out of the replay (they change no session and write no fact)");
        }
        if (queries > 0) {
            notes.add(queries + " line-position query(ies) left out of the replay (they change nothing and write no fact)");
        }
        if (unreadable > 0) {
            notes.add(unreadable + " unreadable command(s) not replayed (the processor skips them too)");
        }
        if (trailing > 0) {
            notes.add(trailing + " trailing command(s) without a recorded fact not replayed (the processor may not have "
                    + "reached them when the log was read)");
        }
        return new int[] {replayed, trailing + unreadable};
    }

    private static Instant nextAnchor(Instant[] anchors, int from) {
        for (int j = from + 1; j < anchors.length; j++) {
            if (anchors[j] != null) {
                return anchors[j];
            }
        }
        throw new IllegalStateException("no anchored command after " + from);
    }

    /** The first not yet matched recorded fact this command caused, if any. */
    private static Logged<SessionEvent> anchor(SessionCommand command, Map<String, List<Logged<SessionEvent>>> recorded,
            Set<String> consumed) {
        for (Logged<SessionEvent> f : recorded.getOrDefault(command.sessionId(), List.of())) {
            if (!consumed.contains(f.where()) && caused(command, f.value())) {
                consumed.add(f.where());
                return f;
            }
        }
        return null;
    }

    /**
     * Whether the processor writes {@code fact} for {@code command} (given that the command changed
     * something): one rule per command type; a type without a rule fails the replay rather than
     * being replayed at the wrong time.
     */
    static boolean caused(SessionCommand command, SessionEvent fact) {
        if (command instanceof RequestSession) {
            return fact instanceof SessionRequested;
        }
        if (command instanceof MarkStarted) {
            return fact instanceof SessionStarted;
        }
        if (command instanceof ReleaseSession release) {
            return causedByRelease(release, fact);
        }
        if (command instanceof ParticipantPresence presence) {
            return causedByPresence(presence, fact);
        }
        if (command instanceof Heartbeat || command instanceof LinePosition) {
            return false; // answered on the reply topic only
        }
        throw unknown(command);
    }

    private static boolean causedByRelease(ReleaseSession release, SessionEvent fact) {
        EndReason reason = release.reason() == null ? EndReason.END_CALL : release.reason();
        if (fact instanceof SessionDequeued d) {
            // a waiter's caller went away: it leaves the line
            return reason == EndReason.ABANDONED && d.outcome() == SessionDequeued.Outcome.GONE;
        }
        if (fact instanceof SessionEnded e) {
            return e.reason() == reason;
        }
        return fact instanceof SessionFailed f && reason.failure() != null && f.errorCode() == reason.failure();
    }

    /** A join causes the {@code joined} of the same participant, a leave its {@code left} (bot or user alike). */
    private static boolean causedByPresence(ParticipantPresence presence, SessionEvent fact) {
        if (presence.change() == Change.JOINED) {
            return fact instanceof ParticipantJoined j && j.role() == presence.role()
                    && Objects.equals(j.participantId(), presence.participantId());
        }
        return fact instanceof ParticipantLeft l && l.role() == presence.role()
                && Objects.equals(l.participantId(), presence.participantId());
    }

    /**
     * An {@code ended} written because a lease ran out, or a {@code dequeued(timed_out)} written
     * because a wait in line ran out (by the punctuator or before a later command).
     */
    private static boolean isExpiry(SessionEvent fact) {
        return fact instanceof SessionEnded e && (e.reason() == EndReason.LEASE_EXPIRED
                || e.reason() == EndReason.NO_SHOW || e.reason() == EndReason.USER_LEFT)
                || fact instanceof SessionDequeued d && d.outcome() == SessionDequeued.Outcome.TIMED_OUT;
    }

    /** Each agent's oldest surviving record applies from the start; newer ones at their timestamps. */
    private static void agentInputs(List<Logged<Agent>> agents, Instant start, List<Input> inputs) {
        Set<String> seen = new HashSet<>();
        List<Logged<Agent>> ordered = new ArrayList<>(agents);
        ordered.sort(Comparator.comparing(Logged<Agent>::timestamp).thenComparingLong(Logged::offset));
        for (Logged<Agent> a : ordered) {
            if (a.key() == null || !a.readable()) {
                continue;
            }
            Instant time = seen.add(a.key()) && a.timestamp().isAfter(start) ? start : a.timestamp();
            inputs.add(new Input(time, InputKind.AGENT, a.partition(), a.offset(), a.key(), a.value(), a.timestamp()));
        }
    }

    private void warnAboutSessionsLiveAtStart(Map<String, List<Logged<SessionEvent>>> recorded, Instant start) {
        int live = 0;
        for (List<Logged<SessionEvent>> session : recorded.values()) {
            boolean admittedBefore = session.stream().anyMatch(f -> f.value() instanceof SessionAdmitted
                    && f.value().at().isBefore(start));
            boolean endedBefore = session.stream().anyMatch(f -> (f.value() instanceof SessionEnded
                    || f.value() instanceof SessionFailed) && f.value().at().isBefore(start));
            if (admittedBefore && !endedBefore) {
                live++;
            }
        }
        if (live > 0) {
            notes.add(live + " session(s) were live before the first retained command: their agents' decisions may "
                    + "diverge until they end (the replay does not know them)");
        }
    }

    private static void collect(Map<String, List<Replayed>> replayed, List<SessionEvent> facts, String cause) {
        for (SessionEvent fact : facts) {
            replayed.computeIfAbsent(fact.sessionId(), s -> new ArrayList<>()).add(new Replayed(fact, cause));
        }
    }

    private Result compare(Set<String> requested, Map<String, List<Logged<SessionEvent>>> recorded,
            Map<String, List<Replayed>> replayed, int[] counts) {
        Set<String> sessions = new LinkedHashSet<>(requested);
        replayed.keySet().forEach(sessions::add);
        List<Divergence> divergences = new ArrayList<>();
        int compared = 0;
        for (String session : sessions) {
            List<Logged<SessionEvent>> rec = recorded.getOrDefault(session, List.of());
            List<Replayed> rep = replayed.getOrDefault(session, List.of());
            for (int i = 0; i < Math.max(rec.size(), rep.size()); i++) {
                Logged<SessionEvent> r = i < rec.size() ? rec.get(i) : null;
                Replayed p = i < rep.size() ? rep.get(i) : null;
                if (r == null) {
                    divergences.add(new Divergence(Divergence.Kind.EXTRA_IN_REPLAY, session, null, p.fact(), p.cause(),
                            "the rules write " + p.fact().typeName() + " " + Json.MAPPER.writeValueAsString(p.fact())));
                    continue;
                }
                compared++;
                if (p == null) {
                    divergences.add(new Divergence(Divergence.Kind.MISSING_IN_REPLAY, session, r, null, null,
                            "the rules do not write this " + r.value().typeName()));
                    continue;
                }
                String diff = diff(r.value(), p.fact());
                if (!diff.isEmpty()) {
                    divergences.add(new Divergence(Divergence.Kind.DIFFERENT, session, r, p.fact(), p.cause(), diff));
                }
            }
        }
        int notReplayable = 0;
        for (String session : recorded.keySet()) {
            if (!sessions.contains(session)) {
                notReplayable++;
            }
        }
        if (notReplayable > 0) {
            notes.add(notReplayable + " session(s) in the fact log without a retained request command were not compared");
        }
        return new Result(counts[0], counts[1], sessions.size(), compared, divergences, notes);
    }

    /** Field by field; an expiry may be replayed up to one punctuation interval earlier than recorded. */
    private String diff(SessionEvent recorded, SessionEvent replayed) {
        JsonNode a = Json.MAPPER.valueToTree(recorded);
        JsonNode b = Json.MAPPER.valueToTree(replayed);
        Set<String> names = new TreeSet<>();
        a.propertyNames().forEach(names::add);
        b.propertyNames().forEach(names::add);
        boolean bothExpired = isExpiry(recorded) && isExpiry(replayed);
        List<String> diffs = new ArrayList<>();
        for (String name : names) {
            JsonNode va = a.get(name);
            JsonNode vb = b.get(name);
            if (Objects.equals(va, vb)) {
                continue;
            }
            if (bothExpired && name.equals("at")
                    && Duration.between(replayed.at(), recorded.at()).abs().compareTo(punctuateInterval) <= 0) {
                continue;
            }
            diffs.add(name + " recorded " + va + ", replayed " + vb);
        }
        return String.join("; ", diffs);
    }

    /** How the replay names a command in a divergence's cause: one name per command type. */
    static String commandName(SessionCommand command) {
        if (command instanceof RequestSession) {
            return "request";
        }
        if (command instanceof MarkStarted) {
            return "mark_started";
        }
        if (command instanceof ReleaseSession release) {
            return "release(" + (release.reason() == null ? "end_call" : release.reason().wire()) + ")";
        }
        if (command instanceof ParticipantPresence presence) {
            return "participant(" + (presence.role() == null ? null : presence.role().wire()) + " "
                    + (presence.change() == null ? null : presence.change().wire()) + " " + presence.participantId() + ")";
        }
        if (command instanceof Heartbeat) {
            return "heartbeat";
        }
        if (command instanceof LinePosition) {
            return "line_position";
        }
        throw unknown(command);
    }

    private static IllegalStateException unknown(SessionCommand command) {
        return new IllegalStateException("the replay does not know the command type " + command.getClass().getName()
                + ": teach Replayer.caused and Replayer.commandName about it");
    }
}
