package ai.ojin.session.events.fact;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Instant;

/**
 * A waiter left its agent's line: {@code admitted} (a slot freed and it was the oldest waiter; the
 * {@code admitted} fact follows), {@code timed_out} (its wait ran out; a {@code rejected} fact with
 * {@code concurrency_limit} follows) or {@code gone} (its caller went away; nothing follows and it
 * never takes a slot). {@code queuedAt} is when it joined the line.
 */
public record SessionDequeued(
        String sessionId,
        String agentId,
        Instant at,
        Outcome outcome,
        Instant queuedAt) implements SessionEvent {

    public static final String TYPE = "dequeued";

    public enum Outcome {
        ADMITTED("admitted"),
        TIMED_OUT("timed_out"),
        GONE("gone");

        private final String wire;

        Outcome(String wire) {
            this.wire = wire;
        }

        @JsonValue
        public String wire() {
            return wire;
        }

        @JsonCreator
        public static Outcome fromWire(String wire) {
            for (Outcome outcome : values()) {
                if (outcome.wire.equals(wire)) {
                    return outcome;
                }
            }
            throw new IllegalArgumentException("unknown dequeue outcome " + wire);
        }
    }

    @Override
    public String typeName() {
        return TYPE;
    }
}
