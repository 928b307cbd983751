package ai.ojin.session.standalone;

import java.util.Map;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One standalone stack with default settings for every test class that asks for it
 * ({@code @ExtendWith(SharedStack.class)} and a {@link Stack} parameter, e.g. of a
 * {@code @BeforeAll} method): started on first use, closed when the whole test run ends. Tests
 * that share it use agents of their own and scope fake faults to their agents.
 */
final class SharedStack implements ParameterResolver {

    /**
     * Default settings, except that dead members leave the consumer groups after 6 s (the broker's
     * minimum), so that a test that kills an instance sees the take-over soon.
     */
    static final Map<String, String> SETTINGS = Map.of(
            "spring.kafka.consumer.properties.session.timeout.ms", "6000",
            "spring.kafka.consumer.properties.heartbeat.interval.ms", "1000");

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Stack.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .computeIfAbsent(SharedStack.class.getName(), key -> new Stack(SETTINGS), Stack.class);
    }
}
