package ai.ojin.session.processor.topology;

import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.reply.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;

/**
 * What the command processor tells the outside world, kept out of its rules: the handling of each
 * command (so that it can run inside a tracing span) and its admission decisions (metrics).
 * {@link #NONE} carries the W3C trace headers of a command unchanged to everything it writes.
 */
public interface CommandObserver {

    /** The W3C trace context headers (and baggage) carried from a command to its facts and replies. */
    List<String> TRACE_HEADERS = List.of("traceparent", "tracestate", "baggage");

    /**
     * Runs the handling of one command; {@code handle} gets the headers to put on every record the
     * handling writes (the trace context the facts and replies continue).
     */
    void process(Record<String, SessionCommand> command, Consumer<Headers> handle);

    default void admitted(String agentId) {
    }

    default void rejected(String agentId, ErrorCode code) {
    }

    /** No span, no metrics: the command's own trace headers pass through. */
    CommandObserver NONE = (command, handle) -> handle.accept(traceHeaders(command.headers()));

    /** A copy of the trace headers among {@code headers}. */
    static Headers traceHeaders(Headers headers) {
        RecordHeaders copy = new RecordHeaders();
        for (String name : TRACE_HEADERS) {
            Header header = headers.lastHeader(name);
            if (header != null) {
                copy.add(name, header.value());
            }
        }
        return copy;
    }

    /** The last value of a header as text, or null. */
    static String text(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
