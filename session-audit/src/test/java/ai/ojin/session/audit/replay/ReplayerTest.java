package ai.ojin.session.audit.replay;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.audit.log.Logged;
import ai.ojin.session.events.command.ParticipantPresence;
import ai.ojin.session.events.command.ParticipantPresence.Change;
import ai.ojin.session.events.command.ParticipantPresence.Role;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.fact.ParticipantJoined;
import ai.ojin.session.events.fact.ParticipantLeft;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import java.lang.reflect.Array;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The replay on the log of a realistic run ({@link RealisticRun}), built in memory. */
class ReplayerTest {

    private static final Duration PUNCTUATION = Duration.ofSeconds(1);

    private final RealisticRun run = new RealisticRun();

    @Test
    void shouldReplayARealRunWithHeartbeatsAndParticipantsWithoutADivergence() {
        // given
        List<Logged<SessionEvent>> facts = run.facts();

        // when
        Replayer.Result result = new Replayer(RealisticRun.SETTINGS, PUNCTUATION)
                .run(run.agents(), run.commands(), facts);

        // then: every fact of the five sessions is replayed, heartbeats are left out and said so
        assertThat(result.divergences()).isEmpty();
        assertThat(result.sessionsCompared()).isEqualTo(5);
        assertThat(result.factsCompared()).isEqualTo(facts.size());
        assertThat(result.commandsReplayed()).isEqualTo(24);
        assertThat(result.commandsSkipped()).isEqualTo(1); // the late duplicate leave, not the heartbeats after it
        long heartbeats = 3 * (RealisticRun.HEARTBEATS_UNTIL / 2_000 + 1);
        assertThat(result.notes()).contains(heartbeats + " heartbeat(s) left out of the replay (they change no session "
                + "and write no fact)");
        assertThat(result.notes()).filteredOn(n -> n.contains("trailing")).singleElement().asString().startsWith("1 ");
    }

    @Test
    void shouldInferTheRunsLeaseSettingsFromItsFactsAndReplayWithThem() {
        // given: the first started session had its user in the room already, so its lease is not the join lease
        List<Logged<SessionEvent>> facts = run.facts();

        // when
        var settings = ReplayCommand.settings(facts, null, null, Duration.ofSeconds(60));
        Replayer.Result result = new Replayer(settings, PUNCTUATION).run(run.agents(), run.commands(), facts);

        // then
        assertThat(settings).isEqualTo(RealisticRun.SETTINGS);
        assertThat(result.divergences()).isEmpty();
    }

    @Test
    void shouldReportADivergenceWhenTheLeaseOfARecordedJoinIsAltered() {
        // given: the user's second join claims a lease one second longer than the rules give
        List<Logged<SessionEvent>> facts = alter(run.facts(),
                f -> f instanceof ParticipantJoined j && j.participantId().equals("ended-user-2"),
                f -> {
                    ParticipantJoined j = (ParticipantJoined) f;
                    return new ParticipantJoined(j.sessionId(), j.agentId(), j.at(), j.role(), j.participantId(),
                            j.joinedAt(), j.leaseUntil().plusSeconds(1));
                });

        // when
        Replayer.Result result = new Replayer(RealisticRun.SETTINGS, PUNCTUATION)
                .run(run.agents(), run.commands(), facts);

        // then
        assertThat(result.divergences()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(Divergence.Kind.DIFFERENT);
            assertThat(d.sessionId()).isEqualTo(run.ended);
            assertThat(d.detail()).startsWith("lease_until recorded ");
            assertThat(d.cause()).contains("participant(user joined ended-user-2)");
        });
    }

    @Test
    void shouldReportADivergenceWhenANoShowIsRecordedBeforeItsLeaseRanOut() {
        // given: the no-show claims to end 2 s before its join lease (78 s) ran out
        List<Logged<SessionEvent>> facts = alter(run.facts(),
                f -> f instanceof SessionEnded e && e.sessionId().equals(run.noShow),
                f -> {
                    SessionEnded e = (SessionEnded) f;
                    return new SessionEnded(e.sessionId(), e.agentId(), RealisticRun.t(76_000), e.reason(),
                            e.activeAfter());
                });

        // when
        Replayer.Result result = new Replayer(RealisticRun.SETTINGS, PUNCTUATION)
                .run(run.agents(), run.commands(), facts);

        // then: the rules end it at its lease's end
        assertThat(result.divergences()).singleElement().satisfies(d -> {
            assertThat(d.kind()).isEqualTo(Divergence.Kind.DIFFERENT);
            assertThat(d.sessionId()).isEqualTo(run.noShow);
            assertThat(d.detail()).isEqualTo("at recorded \"2026-03-02T10:01:16Z\", replayed \"2026-03-02T10:01:18Z\"");
        });
    }

    @Test
    void shouldMatchAParticipantCommandOnlyToTheFactOfTheSameParticipantAndChange() {
        // given
        Instant at = RealisticRun.T0;
        ParticipantPresence join = new ParticipantPresence("s", "a", Role.USER, Change.JOINED, "p1", at);
        ParticipantPresence leave = new ParticipantPresence("s", "a", Role.USER, Change.LEFT, "p1", at);

        // when / then
        assertThat(Replayer.caused(join, new ParticipantJoined("s", "a", at, Role.USER, "p1", at, at))).isTrue();
        assertThat(Replayer.caused(join, new ParticipantJoined("s", "a", at, Role.USER, "p2", at, at))).isFalse();
        assertThat(Replayer.caused(join, new ParticipantJoined("s", "a", at, Role.BOT, "p1", at, at))).isFalse();
        assertThat(Replayer.caused(join, new ParticipantLeft("s", "a", at, Role.USER, "p1", at, at))).isFalse();
        assertThat(Replayer.caused(leave, new ParticipantLeft("s", "a", at, Role.USER, "p1", at, at))).isTrue();
        assertThat(Replayer.caused(leave, new ParticipantJoined("s", "a", at, Role.USER, "p1", at, at))).isFalse();
    }

    @Test
    void shouldHaveAReplayNameAndACausedFactRuleForEveryCommandType() {
        // given: one command of every permitted type, and one fact of every type
        List<SessionEvent> facts = Arrays.stream(SessionEvent.class.getPermittedSubclasses())
                .map(type -> (SessionEvent) instance(type)).toList();

        for (Class<?> type : SessionCommand.class.getPermittedSubclasses()) {
            SessionCommand command = (SessionCommand) instance(type);

            // when / then: a new type fails here until Replayer.commandName and Replayer.caused know it
            assertThat(Replayer.commandName(command)).as(type.getName()).isNotBlank();
            for (SessionEvent fact : facts) {
                Replayer.caused(command, fact);
            }
        }
    }

    /** A record with every component null, 0 or false. */
    private static Object instance(Class<?> type) {
        assertThat(type.isRecord()).as(type.getName() + " is a record").isTrue();
        Class<?>[] types = Arrays.stream(type.getRecordComponents()).map(RecordComponent::getType)
                .toArray(Class<?>[]::new);
        Object[] values = Arrays.stream(types).map(ReplayerTest::empty).toArray();
        try {
            return type.getDeclaredConstructor(types).newInstance(values);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot make a " + type.getName(), e);
        }
    }

    private static Object empty(Class<?> type) {
        return type.isPrimitive() ? Array.get(Array.newInstance(type, 1), 0) : null;
    }

    private static List<Logged<SessionEvent>> alter(List<Logged<SessionEvent>> facts, Predicate<SessionEvent> which,
            UnaryOperator<SessionEvent> change) {
        List<Logged<SessionEvent>> altered = facts.stream().map(f -> which.test(f.value())
                ? new Logged<>(f.partition(), f.offset(), f.timestamp(), f.key(), change.apply(f.value()), f.error())
                : f).toList();
        assertThat(altered).isNotEqualTo(facts);
        return altered;
    }
}
