package ai.ojin.session.processor.topology;

import ai.ojin.session.events.json.JsonSerde;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.topic.SessionTopics;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * The session processor as a plain function of a {@link StreamsBuilder}: commands from
 * {@code session-commands} (key = agent id) and agent configuration from {@code agents} in; facts
 * to {@code session-events} (key = agent id) and replies to {@code session-replies} (key =
 * session id, on the partition the command names) out. The rules are in
 * {@link SessionCommandProcessor}.
 *
 * <p>State (the sessions store is changelogged, so exactly-once processing keeps the facts and the
 * state in step; the other five are derived from it and rebuilt when a task starts):
 * <ul>
 *   <li>{@value #AGENTS_STORE}: global copy of {@code agents};</li>
 *   <li>{@value #SESSIONS_STORE}: session id -> {@link SessionState}, one small entry per session;</li>
 *   <li>{@value #ACTIVE_STORE}: agent id -> active count (O(1) admission check);</li>
 *   <li>{@value #LEASES_STORE}: per-agent lease index, earliest lease first (retry-after);</li>
 *   <li>{@value #EXPIRY_STORE}: global-per-task expiry index, earliest first (lease expiry, end
 *       of a wait and tombstone purge);</li>
 *   <li>{@value #LINE_STORE}: per-agent line of waiting sessions, oldest first;</li>
 *   <li>{@value #KEYS_STORE}: (agent, {@code Idempotency-Key} hash) -> session id.</li>
 * </ul>
 */
public final class SessionTopology {

    public static final String AGENTS_STORE = "agents";
    public static final String SESSIONS_STORE = "sessions";
    public static final String ACTIVE_STORE = "active-counts";
    public static final String LEASES_STORE = "lease-index";
    public static final String EXPIRY_STORE = "expiry-index";
    public static final String LINE_STORE = "line-index";
    public static final String KEYS_STORE = "key-index";

    private SessionTopology() {
    }

    public static void build(StreamsBuilder builder, SessionTopics topics, LeaseSettings settings) {
        build(builder, topics, settings, CommandObserver.NONE);
    }

    /** @param observer tracing and metrics of the command handling (see {@link CommandObserver}) */
    public static void build(StreamsBuilder builder, SessionTopics topics, LeaseSettings settings,
            CommandObserver observer) {
        Serde<String> keys = Serdes.String();

        builder.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(AGENTS_STORE), keys, topics.agents().valueSerde())
                        .withLoggingDisabled(),
                topics.agents().name(),
                Consumed.with(topics.agents().keySerde(), topics.agents().valueSerde()).withName("agents-source"),
                AgentStoreUpdater::new);

        // In-memory stores: under exactly-once every commit flushes the stores, and a RocksDB flush
        // per commit cut throughput here. The state is one small entry per live session (plus
        // short-lived tombstones). Only the sessions store is changelogged: the active counts and
        // the indexes are functions of it, rebuilt when the task starts (SessionCommandProcessor
        // #init), so a transaction writes one changelog partition instead of four.
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(SESSIONS_STORE), keys,
                new JsonSerde<>(SessionState.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ACTIVE_STORE), keys,
                Serdes.Integer()).withLoggingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(LEASES_STORE), keys,
                Serdes.String()).withLoggingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(EXPIRY_STORE), keys,
                Serdes.String()).withLoggingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(LINE_STORE), keys,
                Serdes.String()).withLoggingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(KEYS_STORE), keys,
                Serdes.String()).withLoggingDisabled());

        KStream<String, Output> outputs = builder
                .stream(topics.commands().name(),
                        Consumed.with(topics.commands().keySerde(), topics.commands().valueSerde()).withName("commands-source"))
                .process(() -> new SessionCommandProcessor(settings, observer), Named.as("session-commands"),
                        SESSIONS_STORE, ACTIVE_STORE, LEASES_STORE, EXPIRY_STORE, LINE_STORE, KEYS_STORE);

        outputs.filter((key, out) -> out instanceof Output.Fact, Named.as("facts"))
                .mapValues(out -> ((Output.Fact) out).fact(), Named.as("fact-values"))
                .to(topics.events().name(), Produced.with(topics.events().keySerde(), topics.events().valueSerde())
                        .withName("facts-sink"));

        outputs.filter((key, out) -> out instanceof Output.Reply, Named.as("replies"))
                .mapValues(out -> (Output.Reply) out, Named.as("reply-values"))
                .to(topics.replies().name(), Produced.with(topics.replies().keySerde(), addressedReplySerde(topics))
                        .withStreamPartitioner(new ReplyPartitioner())
                        .withName("replies-sink"));
    }

    /** Writes just the reply, through the topic's own serde; the partition goes to the partitioner. */
    private static Serde<Output.Reply> addressedReplySerde(SessionTopics topics) {
        Serde<SessionReply> replies = topics.replies().valueSerde();
        return Serdes.serdeFrom(
                (topic, out) -> out == null ? null : replies.serializer().serialize(topic, out.reply()),
                (topic, bytes) -> {
                    throw new UnsupportedOperationException("replies are only written here");
                });
    }
}
