package ai.ojin.session.processor.streams;

import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.processor.topology.CommandObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Handles each command inside a span that continues the command's {@code traceparent} (Kafka
 * Streams has no tracing of its own) and writes that span's context on its facts and replies.
 * Counts decisions: {@code session.admissions} and {@code session.rejections{error_code}}.
 * Under exactly-once a transaction that aborts is processed again, so a decision can be counted twice.
 */
public class TracedCommands implements CommandObserver {

    private final Tracer tracer;
    private final Propagator propagator;
    private final MeterRegistry meters;
    private final Counter admissions;
    private final Map<ErrorCode, Counter> rejections = new ConcurrentHashMap<>();

    public TracedCommands(Tracer tracer, Propagator propagator, MeterRegistry meters) {
        this.tracer = tracer;
        this.propagator = propagator;
        this.meters = meters;
        this.admissions = Counter.builder("session.admissions").description("Sessions admitted by the processor")
                .register(meters);
    }

    @Override
    public void process(Record<String, SessionCommand> command, Consumer<Headers> handle) {
        Span span = propagator.extract(command.headers(), CommandObserver::text)
                .name("session-commands process")
                .kind(Span.Kind.CONSUMER)
                .tag("command", command.value() == null ? "unreadable" : command.value().getClass().getSimpleName())
                .start();
        try (Tracer.SpanInScope scope = tracer.withSpan(span)) {
            RecordHeaders outgoing = new RecordHeaders();
            propagator.inject(span.context(), outgoing,
                    (headers, key, value) -> headers.add(key, value.getBytes(StandardCharsets.UTF_8)));
            handle.accept(outgoing);
        } catch (RuntimeException e) {
            span.error(e);
            throw e;
        } finally {
            span.end();
        }
    }

    @Override
    public void admitted(String agentId) {
        admissions.increment();
    }

    @Override
    public void rejected(String agentId, ErrorCode code) {
        rejections.computeIfAbsent(code, c -> Counter.builder("session.rejections")
                .description("Session requests rejected by the processor").tag("error_code", c.wire())
                .register(meters)).increment();
    }
}
