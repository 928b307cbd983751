package ai.ojin.session.processor.streams;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.events.command.RequestSession;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.processor.topology.CommandObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TracedCommandsTest {

    private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
    private static final String PARENT_SPAN = "b7ad6b7169203331";

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exporter))
            .build();
    private final OpenTelemetrySdk otel = OpenTelemetrySdk.builder().setTracerProvider(provider)
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final TracedCommands traced = new TracedCommands(
            new OtelTracer(otel.getTracer("test"), new OtelCurrentTraceContext(), event -> { }),
            new OtelPropagator(otel.getPropagators(), otel.getTracer("test")), meters);

    @AfterEach
    void close() {
        otel.close();
    }

    @Test
    void shouldHandleACommandInAChildSpanOfItsTraceparentAndWriteThatSpansContext() {
        // given: a command whose producer span is PARENT_SPAN
        RecordHeaders headers = new RecordHeaders();
        headers.add("traceparent", ("00-" + TRACE_ID + "-" + PARENT_SPAN + "-01").getBytes(StandardCharsets.UTF_8));
        Record<String, SessionCommand> command = new Record<>("alpha", new RequestSession("alpha-s1", "alpha", null,
                null, 0, Instant.now(), Instant.now().plusSeconds(10)), 0L, headers);
        AtomicReference<Headers> outgoing = new AtomicReference<>();

        // when
        traced.process(command, outgoing::set);

        // then: one span, child of the command's, and the outgoing traceparent names it
        assertThat(exporter.getFinishedSpanItems()).singleElement().satisfies(span -> {
            assertThat(span.getTraceId()).isEqualTo(TRACE_ID);
            assertThat(span.getParentSpanId()).isEqualTo(PARENT_SPAN);
            assertThat(span.getName()).isEqualTo("session-commands process");
            assertThat(CommandObserver.text(outgoing.get(), "traceparent"))
                    .isEqualTo("00-" + TRACE_ID + "-" + span.getSpanId() + "-01");
        });
    }

    @Test
    void shouldCountAdmissionsAndRejectionsByErrorCode() {
        // when
        traced.admitted("alpha");
        traced.rejected("alpha", ErrorCode.CONCURRENCY_LIMIT);
        traced.rejected("beta", ErrorCode.CONCURRENCY_LIMIT);
        traced.rejected("beta", ErrorCode.AGENT_NOT_FOUND);

        // then
        assertThat(meters.get("session.admissions").counter().count()).isEqualTo(1);
        assertThat(meters.get("session.rejections").tag("error_code", "concurrency_limit").counter().count()).isEqualTo(2);
        assertThat(meters.get("session.rejections").tag("error_code", "agent_not_found").counter().count()).isEqualTo(1);
    }
}
