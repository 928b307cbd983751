package ai.ojin.session.standalone;

import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One standalone stack for the test classes that can share it ({@code @ExtendWith(SharedStack.class)}
 * and a {@link Stack} parameter): started by the first class that asks, closed by JUnit after the
 * last test of the test JVM (the launcher session's store closes what it holds). Not the root
 * store: with more than one test JVM per module and forks reused, surefire runs each class as an
 * execution request of its own, whose root store closes after that class, so every class started
 * a stack of its own. Tests that share it use agents of their own and scope fake faults to their
 * agents; classes that need other service settings start a {@link Stack} of their own.
 */
final class SharedStack implements ParameterResolver {

    /**
     * A short upper bound of {@code retry_after_seconds}, so the widget's countdown retries within
     * seconds (the contract tests only need it to be at least 1); dead members leave the consumer
     * groups after 6 s (the broker's minimum), so a test that kills an instance sees the take-over soon.
     * Daily mints the meeting tokens here ({@code POST /meeting-tokens}), so fault tests can hold up
     * that call; self-signed tokens and the room pool run end to end in {@code WarmPoolEndToEndTest}.
     */
    static final Map<String, String> OVERRIDES = Map.of(
            "room.daily.self-signed-tokens", "false",
            "processor.lease.max-retry-after", "3s",
            "spring.kafka.consumer.properties.session.timeout.ms", "6000",
            "spring.kafka.consumer.properties.heartbeat.interval.ms", "1000");

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedStack.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Stack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getStore(ExtensionContext.StoreScope.LAUNCHER_SESSION, NAMESPACE).computeIfAbsent("stack", key -> new Stack(OVERRIDES), Stack.class);
    }
}
