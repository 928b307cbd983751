package ai.ojin.session.standalone;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * Test-only: every service of a standalone stack in this JVM exports its finished spans here, at
 * once (a simple span processor beside Boot's batch one), so a test can follow one trace across
 * the services. Registered for the test classpath in {@code META-INF/spring/...AutoConfiguration.imports};
 * it keeps the last {@value #CAPACITY} spans.
 */
@AutoConfiguration
public class CollectedSpans {

    static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    private static final int CAPACITY = 20_000;
    private static final Deque<SpanData> SPANS = new ArrayDeque<>();

    @Bean
    SpanProcessor collectedSpansProcessor() {
        return SimpleSpanProcessor.create(new Exporter());
    }

    /** The finished spans of one trace, in the order they finished. */
    static List<SpanData> ofTrace(String traceId) {
        synchronized (SPANS) {
            return SPANS.stream().filter(span -> span.getTraceId().equals(traceId)).toList();
        }
    }

    static String service(SpanData span) {
        return span.getResource().getAttribute(SERVICE_NAME);
    }

    private static final class Exporter implements SpanExporter {

        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            synchronized (SPANS) {
                SPANS.addAll(spans);
                while (SPANS.size() > CAPACITY) {
                    SPANS.removeFirst();
                }
            }
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
