package ai.ojin.session.processor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.agent.AgentStatus;
import ai.ojin.session.events.command.MarkStarted;
import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionStarted;
import ai.ojin.session.events.json.JsonSerde;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The processor of a task that starts again (after a crash, on the restored sessions) before it
 * has read its backlog. The stream thread's clock is cached: when the task is initialised it can
 * be seconds old, and the first fetch, with the commands written before the crash, may take a
 * while. Seen in the acceptance test: the leases of sessions whose {@code MarkStarted} waited in
 * the backlog were ended by the wall clock one second after the restarted task ran, and callers
 * who had their room lost their session. Unit test on {@link MockProcessorContext}: the restart is
 * a new processor on stores holding what the changelog restores.
 */
class RestartedTaskCatchUpTest {

    private static final Instant T = Instant.parse("2026-03-01T10:00:00Z");
    /** {@link LeaseSettings#DEFAULTS}: a 30 s start lease, a punctuation every second. */
    private static final LeaseSettings SETTINGS = LeaseSettings.DEFAULTS;

    @Test
    void shouldStartASessionWhoseMarkStartedWaitsInTheBacklogWhenTheRestartedTasksClockWasStale() {
        // given: a session admitted at T (start lease until T+30 s) and its MarkStarted written at T+1 s,
        // which the task did not read before the crash
        Task before = new Task(T);
        String session = SessionIds.newSessionId("alpha");
        before.process(new RequestSession(session, "alpha", "u-1", "https://example.com", 0, T, T.plusSeconds(10)), T);
        assertThat(before.facts()).extracting(SessionEvent::typeName).containsExactly("requested", "admitted");
        MarkStarted start = new MarkStarted(session, "alpha", "room-1", "https://x.daily.co/room-1", T.plusSeconds(1));

        // when: the task starts again at T+47 s with a clock cached at T+40 s, punctuates, then reads the backlog
        Task after = before.restart(T.plusSeconds(40));
        after.punctuate(T.plusSeconds(47));
        after.process(start, T.plusSeconds(1));

        // then: the session started as of when its start was written, and no lease ended it
        assertThat(after.facts()).filteredOn(f -> f.sessionId().equals(session)).extracting(SessionEvent::typeName)
                .containsExactly("started");
        assertThat(after.facts()).filteredOn(SessionStarted.class::isInstance).singleElement()
                .extracting(SessionEvent::at).isEqualTo(T.plusSeconds(1));
    }

    @Test
    void shouldEndLeasesByTheWallClockWhenARestartedTaskReadsNothingForItsStartupWait() {
        // given: a session admitted at T that never started, and a task started again at T+40 s
        Task before = new Task(T);
        String session = SessionIds.newSessionId("alpha");
        before.process(new RequestSession(session, "alpha", "u-1", "https://example.com", 0, T, T.plusSeconds(10)), T);
        Task after = before.restart(T.plusSeconds(40));

        // when: nothing comes for one interval less than its start-up wait after its first punctuation
        after.punctuate(T.plusSeconds(41));
        after.punctuate(T.plusSeconds(41).plus(SETTINGS.punctuateInterval()
                .multipliedBy(SessionCommandProcessor.STARTUP_IDLE_PUNCTUATIONS - 1)));

        // then: the lease is not ended yet
        assertThat(after.facts()).isEmpty();

        // when: the full start-up wait has passed without a record
        after.punctuate(T.plusSeconds(41).plus(SETTINGS.punctuateInterval()
                .multipliedBy(SessionCommandProcessor.STARTUP_IDLE_PUNCTUATIONS)));

        // then: it ends when its lease ran out
        assertThat(after.facts()).singleElement().isInstanceOfSatisfying(SessionEnded.class,
                ended -> assertThat(ended.at()).isEqualTo(T.plus(SETTINGS.startLease())));
    }

    /** One task: a processor on its own context and stores (the sessions store as its changelog restores it). */
    private static final class Task {

        private final MockProcessorContext<String, Output> context = new MockProcessorContext<>();
        private final SessionCommandProcessor processor = new SessionCommandProcessor(SETTINGS);
        private final KeyValueStore<String, SessionState> sessions;

        Task(Instant wallClock) {
            this(wallClock, List.of());
        }

        private Task(Instant wallClock, List<KeyValue<String, SessionState>> restored) {
            context.setCurrentSystemTimeMs(wallClock.toEpochMilli());
            context.setCurrentStreamTimeMs(T.toEpochMilli()); // (restored with the offsets: the newest record read before)
            KeyValueStore<String, Agent> agents = store(SessionTopology.AGENTS_STORE, new JsonSerde<>(Agent.class));
            agents.put("alpha", new Agent("alpha", AgentStatus.PUBLISHED, List.of("*"), 2, 600, T));
            sessions = store(SessionTopology.SESSIONS_STORE, new JsonSerde<>(SessionState.class));
            restored.forEach(entry -> sessions.put(entry.key, entry.value));
            store(SessionTopology.ACTIVE_STORE, Serdes.Integer());
            for (String name : List.of(SessionTopology.LEASES_STORE, SessionTopology.EXPIRY_STORE, SessionTopology.LINE_STORE,
                    SessionTopology.KEYS_STORE)) {
                store(name, Serdes.String());
            }
            processor.init(context);
        }

        /** A new task on the sessions this one committed, whose clock reads {@code cachedClock} while it starts. */
        Task restart(Instant cachedClock) {
            try (KeyValueIterator<String, SessionState> all = sessions.all()) {
                List<KeyValue<String, SessionState>> restored = new ArrayList<>();
                all.forEachRemaining(restored::add);
                return new Task(cachedClock, restored);
            }
        }

        void process(SessionCommand command, Instant writtenAt) {
            context.setRecordMetadata("session-commands", 0, 0);
            context.setCurrentStreamTimeMs(Math.max(context.currentStreamTimeMs(), writtenAt.toEpochMilli()));
            processor.process(new Record<>(command.agentId(), command, writtenAt.toEpochMilli()));
        }

        /** Fires the wall-clock punctuation scheduled now at {@code wallClock} (the stream thread's fresh time). */
        void punctuate(Instant wallClock) {
            context.setCurrentSystemTimeMs(wallClock.toEpochMilli());
            context.scheduledPunctuators().stream().filter(p -> !p.cancelled()).reduce((first, second) -> second)
                    .orElseThrow(() -> new AssertionError("no punctuation scheduled"))
                    .getPunctuator().punctuate(wallClock.toEpochMilli());
        }

        List<SessionEvent> facts() {
            return context.forwarded().stream().map(f -> f.record().value())
                    .filter(Output.Fact.class::isInstance).map(o -> ((Output.Fact) o).fact()).toList();
        }

        private <V> KeyValueStore<String, V> store(String name, Serde<V> values) {
            KeyValueStore<String, V> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), values)
                    .withLoggingDisabled().build();
            store.init(context.getStateStoreContext(), store);
            context.addStateStore(store);
            return store;
        }
    }
}
