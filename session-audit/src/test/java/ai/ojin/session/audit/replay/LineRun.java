package ai.ojin.session.audit.replay;

import ai.ojin.session.audit.log.Logged;
import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.agent.AgentStatus;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.IdempotencyKeys;
import ai.ojin.session.events.command.LinePosition;
import ai.ojin.session.events.command.MarkStarted;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.processor.topology.LeaseSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A run of one agent (limit 1) with a waiting line and a repeated connect, recorded by running the
 * processor's own topology as the processor runs it: its wall clock moving in steps of 100 ms, its
 * lease punctuator every {@link #SETTINGS}' punctuation interval (1 s), each command judged when it
 * is read. So the recorded facts are whatever the processor's rules write (this test does not
 * restate them), and the replay must find them again from the commands alone.
 *
 * <ul>
 *   <li>{@link #first}: a plain connect with an {@code Idempotency-Key}, admitted, started,
 *       repeated once ({@link #repeat}) while up, ended by an end call at 15 s;</li>
 *   <li>{@link #waiter}: waits (30 s) from 3 s; admitted when {@link #first} ends;</li>
 *   <li>{@link #timedOut}: waits 5 s from 4 s: its wait runs out at 9 s (the punctuator);</li>
 *   <li>{@link #plain}: a plain connect at 5 s while others wait: rejected;</li>
 *   <li>{@link #gone}: waits from 7 s, its caller goes away at 12 s (a release);</li>
 *   <li>a line-position query at 8 s.</li>
 * </ul>
 */
final class LineRun {

    static final String AGENT = "line-agent";
    static final Instant T0 = Instant.parse("2026-03-03T10:00:00Z");
    static final int PARTITION = 0;
    static final LeaseSettings SETTINGS = RealisticRun.SETTINGS;
    private static final Duration STEP = Duration.ofMillis(100);
    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(10);

    final String first = SessionIds.newSessionId(AGENT);
    final String repeat = SessionIds.newSessionId(AGENT);
    final String waiter = SessionIds.newSessionId(AGENT);
    final String timedOut = SessionIds.newSessionId(AGENT);
    final String plain = SessionIds.newSessionId(AGENT);
    final String gone = SessionIds.newSessionId(AGENT);
    private final String firstKey = IdempotencyKeys.keyHash("key-of-first");
    private final String goneKey = IdempotencyKeys.keyHash("key-of-gone");

    private final List<Logged<SessionCommand>> commands = new ArrayList<>();
    private final List<Logged<SessionEvent>> facts = new ArrayList<>();
    private final Agent agent = new Agent(AGENT, AgentStatus.PUBLISHED, List.of("*"), 1, 600,
            T0.minus(Duration.ofHours(1)));

    LineRun() {
        try (OfflineProcessor processor = new OfflineProcessor(SETTINGS, T0)) {
            record(processor, processor.agent(AGENT, agent, agent.updatedAt()));
            send(processor, 1_000, request(first, 1_000, null, firstKey));
            send(processor, 2_000, new MarkStarted(first, AGENT, first, "https://x.daily.co/" + first, t(2_000)));
            send(processor, 3_000, request(waiter, 3_000, 30, null));
            send(processor, 4_000, request(timedOut, 4_000, 5, null));
            send(processor, 5_000, request(plain, 5_000, null, null));
            send(processor, 6_000, request(repeat, 6_000, null, firstKey));
            send(processor, 7_000, request(gone, 7_000, 30, goneKey));
            send(processor, 8_000, new LinePosition(SessionIds.newSessionId(AGENT), AGENT, t(8_000), goneKey, 0));
            send(processor, 12_000, new ReleaseSession(gone, AGENT, EndReason.ABANDONED, t(12_000)));
            send(processor, 15_000, new ReleaseSession(first, AGENT, EndReason.END_CALL, t(15_000)));
            send(processor, 16_000, new MarkStarted(waiter, AGENT, waiter, "https://x.daily.co/" + waiter, t(16_000)));
            send(processor, 20_000, new ReleaseSession(waiter, AGENT, EndReason.END_CALL, t(20_000)));
            advance(processor, 21_000);
        }
    }

    static Instant t(long ms) {
        return T0.plusMillis(ms);
    }

    List<Logged<Agent>> agents() {
        return List.of(new Logged<>(0, 0, agent.updatedAt(), AGENT, agent, null));
    }

    List<Logged<SessionCommand>> commands() {
        return List.copyOf(commands);
    }

    List<Logged<SessionEvent>> facts() {
        return List.copyOf(facts);
    }

    private RequestSession request(String session, long ms, Integer waitSeconds, String key) {
        Instant at = t(ms);
        Duration wait = Duration.ofSeconds(waitSeconds == null ? 0 : waitSeconds);
        String ref = "user-of-" + (key != null && key.equals(firstKey) ? first : session);
        return new RequestSession(session, AGENT, ref, "https://shop.example.com", 0, at,
                at.plus(wait).plus(REPLY_TIMEOUT), "api-1", waitSeconds, key,
                key == null ? null : IdempotencyKeys.requestHash(AGENT, ref),
                key == null ? null : at.plus(Duration.ofHours(24)));
    }

    /** Moves the processor's wall clock to {@code ms} in steps, as time passes for it, recording what it writes. */
    private void advance(OfflineProcessor processor, long ms) {
        Instant until = t(ms);
        Instant next = processor.clock().plus(STEP);
        while (!next.isAfter(until)) {
            record(processor, processor.advanceTo(next));
            next = next.plus(STEP);
        }
        record(processor, processor.advanceTo(until));
    }

    private void send(OfflineProcessor processor, long ms, SessionCommand command) {
        advance(processor, ms);
        commands.add(new Logged<>(PARTITION, commands.size(), t(ms), AGENT, command, null));
        record(processor, processor.command(AGENT, command, t(ms)));
    }

    private void record(OfflineProcessor processor, List<SessionEvent> written) {
        for (SessionEvent fact : written) {
            facts.add(new Logged<>(PARTITION, facts.size(), processor.clock(), AGENT, fact, null));
        }
    }
}
