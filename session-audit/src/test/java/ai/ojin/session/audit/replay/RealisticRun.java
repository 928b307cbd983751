package ai.ojin.session.audit.replay;

import ai.ojin.session.audit.log.Logged;
import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.agent.AgentStatus;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.Heartbeat;
import ai.ojin.session.events.command.MarkStarted;
import ai.ojin.session.events.command.ParticipantPresence;
import ai.ojin.session.events.command.ParticipantPresence.Change;
import ai.ojin.session.events.command.ParticipantPresence.Role;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.fact.ParticipantJoined;
import ai.ojin.session.events.fact.ParticipantLeft;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionRejected;
import ai.ojin.session.events.fact.SessionRequested;
import ai.ojin.session.events.fact.SessionStarted;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.processor.topology.LeaseSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The log of a real run, written by hand from the processor's rules: connect-api's heartbeats on
 * every partition of {@code session-commands} every 2 s, the room worker's participant commands
 * (user and bot, a duplicate webhook, a join that races the mark-started, webhooks after the end)
 * and the facts each command caused. The processor judges every command as of its record timestamp
 * (when it was written); its facts carry that time. An expiry carries its lease's end. All times are milliseconds after {@link #T0}.
 *
 * <ul>
 *   <li>{@link #early}: the user joins before the session is marked started, leaves, the meeting ends;</li>
 *   <li>{@link #ended}: bot and user join, the user leaves and comes back, a duplicate join, end call;</li>
 *   <li>{@link #noShow}: started, only the bot joins: ends {@code no_show} when the join lease runs out;</li>
 *   <li>{@link #rejected}: requested while two sessions hold the agent's limit of two;</li>
 *   <li>{@link #userLeft}: the user joins and leaves for good: ends {@code user_left} after the rejoin lease.</li>
 * </ul>
 */
final class RealisticRun {

    static final String AGENT = "acme";
    static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");
    static final int PARTITIONS = 3;
    /** The partition of the agent's key, in {@code session-commands} and {@code session-events}. */
    static final int AGENT_PARTITION = 1;
    static final int MAX_CONCURRENCY = 2;
    static final int MAX_SESSION_SECONDS = 600;
    /** Heartbeats from 0 to this, every 2 s, on every partition. */
    static final long HEARTBEATS_UNTIL = 200_000;

    /** Not the defaults, so that a replay with the wrong settings diverges. */
    static final LeaseSettings SETTINGS = new LeaseSettings(Duration.ofSeconds(25), Duration.ofSeconds(15),
            Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ofMinutes(10), Duration.ofSeconds(45),
            Duration.ofSeconds(20));
    private static final long START = 25_000;
    private static final long JOIN = 45_000;
    private static final long REJOIN = 20_000;
    /** max_session_seconds + grace: the lease from the user's first join. */
    private static final long SESSION = MAX_SESSION_SECONDS * 1000L + 15_000;

    final String early = SessionIds.newSessionId(AGENT);
    final String ended = SessionIds.newSessionId(AGENT);
    final String noShow = SessionIds.newSessionId(AGENT);
    final String rejected = SessionIds.newSessionId(AGENT);
    final String userLeft = SessionIds.newSessionId(AGENT);

    private record Sent(int partition, long ms, String key, SessionCommand command) {
    }

    private final List<Sent> sent = new ArrayList<>();
    private final List<SessionEvent> written = new ArrayList<>();

    RealisticRun() {
        admit(early, 2_000, 1);
        join(early, Role.USER, "early-user", 4_000, 3_800, 2_000 + START); // not started yet: the lease stays
        start(early, 5_000, 3_800 + SESSION); // the user is in: the session's lease at once
        leave(early, Role.USER, "early-user", 7_000, 6_900, 7_000 + REJOIN);
        release(early, 8_000, EndReason.MEETING_ENDED, 0);

        admit(ended, 10_000, 1);
        start(ended, 14_000, 14_000 + JOIN);
        join(ended, Role.BOT, "ended-bot", 15_000, 14_900, 14_000 + JOIN); // the bot moves no lease
        join(ended, Role.USER, "ended-user-1", 20_000, 19_500, 19_500 + SESSION);

        admit(noShow, 30_000, 2);
        start(noShow, 33_000, 33_000 + JOIN);
        join(noShow, Role.BOT, "no-show-bot", 34_000, 33_900, 33_000 + JOIN);

        // the limit is taken; the earliest lease (noShow's join lease, 78_000) ends in 38 s
        reject(rejected, 40_000, 38, 2);

        expire(noShow, 33_000 + JOIN, EndReason.NO_SHOW, 1);

        leave(ended, Role.USER, "ended-user-1", 80_000, 79_800, 80_000 + REJOIN);
        join(ended, Role.USER, "ended-user-2", 90_000, 89_900, 19_500 + SESSION); // back: lease from the first join
        send(91_000, presence(ended, Role.USER, Change.JOINED, "ended-user-2", 89_900)); // Daily's duplicate
        release(ended, 120_000, EndReason.END_CALL, 0);
        send(121_000, presence(ended, Role.BOT, Change.LEFT, "ended-bot", 120_500)); // after the end

        admit(userLeft, 130_000, 1);
        start(userLeft, 133_000, 133_000 + JOIN);
        join(userLeft, Role.USER, "user-left-user", 140_000, 139_800, 139_800 + SESSION);
        join(userLeft, Role.BOT, "user-left-bot", 141_000, 140_900, 139_800 + SESSION);
        leave(userLeft, Role.USER, "user-left-user", 150_000, 149_900, 150_000 + REJOIN);
        leave(userLeft, Role.BOT, "user-left-bot", 151_000, 150_900, 150_000 + REJOIN);
        expire(userLeft, 150_000 + REJOIN, EndReason.USER_LEFT, 0);
        // a late duplicate after the end, the last command of the partition: caused nothing
        send(175_000, presence(userLeft, Role.USER, Change.LEFT, "user-left-user", 149_900));

        for (long ms = 0; ms <= HEARTBEATS_UNTIL; ms += 2_000) {
            for (int p = 0; p < PARTITIONS; p++) {
                String id = Heartbeat.ID_PREFIX + "api-1-" + p + "-" + t(ms).toEpochMilli();
                sent.add(new Sent(p, ms, "~heartbeat", new Heartbeat(id, "~heartbeat", t(ms), 0)));
            }
        }
    }

    static Instant t(long ms) {
        return T0.plusMillis(ms);
    }

    List<Logged<Agent>> agents() {
        Instant updated = T0.minus(Duration.ofHours(1));
        return List.of(new Logged<>(0, 0, updated, AGENT,
                new Agent(AGENT, AgentStatus.PUBLISHED, List.of("*"), MAX_CONCURRENCY, MAX_SESSION_SECONDS, updated), null));
    }

    /** Every command, each partition in the order sent. */
    List<Logged<SessionCommand>> commands() {
        List<Sent> ordered = new ArrayList<>(sent);
        ordered.sort(Comparator.comparingInt(Sent::partition).thenComparingLong(Sent::ms)); // stable
        List<Logged<SessionCommand>> logged = new ArrayList<>();
        long[] next = new long[PARTITIONS];
        for (Sent s : ordered) {
            logged.add(new Logged<>(s.partition(), next[s.partition()]++, t(s.ms()), s.key(), s.command(), null));
        }
        return logged;
    }

    /** Every fact, in the order written. */
    List<Logged<SessionEvent>> facts() {
        List<SessionEvent> ordered = new ArrayList<>(written);
        ordered.sort(Comparator.comparing(SessionEvent::at)); // stable
        List<Logged<SessionEvent>> logged = new ArrayList<>();
        for (SessionEvent fact : ordered) {
            logged.add(new Logged<>(AGENT_PARTITION, logged.size(), fact.at(), AGENT, fact, null));
        }
        return logged;
    }

    private void admit(String session, long ms, int activeAfter) {
        RequestSession request = request(session, ms);
        send(ms, request);
        Instant at = t(ms);
        written.add(new SessionRequested(session, AGENT, at, request.clientUserRef(), request.origin(), t(ms)));
        written.add(new SessionAdmitted(session, AGENT, at, request.clientUserRef(), 0, MAX_CONCURRENCY, activeAfter,
                MAX_SESSION_SECONDS, t(ms + START), request.deadline(), request.instanceId()));
    }

    private void reject(String session, long ms, int retryAfterSeconds, int active) {
        RequestSession request = request(session, ms);
        send(ms, request);
        Instant at = t(ms);
        written.add(new SessionRequested(session, AGENT, at, request.clientUserRef(), request.origin(), t(ms)));
        written.add(new SessionRejected(session, AGENT, at, ErrorCode.CONCURRENCY_LIMIT, retryAfterSeconds,
                MAX_CONCURRENCY, active));
    }

    private static RequestSession request(String session, long ms) {
        return new RequestSession(session, AGENT, "user-of-" + session, "https://shop.example.com", 0, t(ms),
                t(ms + 10_000), "api-1");
    }

    private void start(String session, long ms, long leaseUntil) {
        send(ms, new MarkStarted(session, AGENT, session, "https://example.daily.co/" + session, t(ms)));
        written.add(new SessionStarted(session, AGENT, t(ms), session, "https://example.daily.co/" + session,
                t(leaseUntil)));
    }

    private void join(String session, Role role, String participant, long ms, long dailyAt, long leaseUntil) {
        send(ms, presence(session, role, Change.JOINED, participant, dailyAt));
        written.add(new ParticipantJoined(session, AGENT, t(ms), role, participant, t(dailyAt),
                t(leaseUntil)));
    }

    private void leave(String session, Role role, String participant, long ms, long dailyAt, long leaseUntil) {
        send(ms, presence(session, role, Change.LEFT, participant, dailyAt));
        written.add(new ParticipantLeft(session, AGENT, t(ms), role, participant, t(dailyAt),
                t(leaseUntil)));
    }

    private static ParticipantPresence presence(String session, Role role, Change change, String participant,
            long dailyAt) {
        return new ParticipantPresence(session, AGENT, role, change, participant, t(dailyAt));
    }

    private void release(String session, long ms, EndReason reason, int activeAfter) {
        send(ms, new ReleaseSession(session, AGENT, reason, t(ms)));
        written.add(new SessionEnded(session, AGENT, t(ms), reason, activeAfter));
    }

    /** The end of a session whose lease ran out, at the lease's end: no command of its own. */
    private void expire(String session, long ms, EndReason reason, int activeAfter) {
        written.add(new SessionEnded(session, AGENT, t(ms), reason, activeAfter));
    }

    private void send(long ms, SessionCommand command) {
        sent.add(new Sent(AGENT_PARTITION, ms, AGENT, command));
    }
}
