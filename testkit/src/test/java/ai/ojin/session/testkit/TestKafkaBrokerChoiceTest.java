package ai.ojin.session.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Which broker {@link TestKafka} starts, decided without starting one. */
class TestKafkaBrokerChoiceTest {

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(TestKafka.class);
    private final AtomicInteger embeddedStarts = new AtomicInteger();
    private final Supplier<String> embedded = () -> {
        embeddedStarts.incrementAndGet();
        return "embedded:9092";
    };

    @BeforeEach
    void captureLogs() {
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        logger.detachAppender(logs);
    }

    @Test
    void shouldFallBackToTheInJvmBrokerWhenTheContainerCannotStart() {
        // given: Docker answers, but the image cannot be pulled
        Supplier<String> container = () -> {
            throw new IllegalStateException("Could not pull image: apache/kafka:4.1.2");
        };

        // when
        String servers = TestKafka.chooseBroker(() -> true, container, embedded);

        // then
        assertThat(servers).isEqualTo("embedded:9092");
        assertThat(embeddedStarts).hasValue(1);
        assertThat(logs.list).anySatisfy(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.WARN);
            assertThat(event.getFormattedMessage()).contains("falling back to the in-JVM KRaft broker")
                    .contains("Could not pull image");
        });
    }

    @Test
    void shouldTakeTheContainerWhenItStarts() {
        // given
        Supplier<String> container = () -> "container:9092";

        // when
        String servers = TestKafka.chooseBroker(() -> true, container, embedded);

        // then
        assertThat(servers).isEqualTo("container:9092");
        assertThat(embeddedStarts).hasValue(0);
        assertThat(logs.list).noneSatisfy(event -> assertThat(event.getLevel()).isEqualTo(Level.WARN));
    }

    @Test
    void shouldNotTryTheContainerWithoutADockerEngine() {
        // given
        AtomicInteger containerStarts = new AtomicInteger();
        Supplier<String> container = () -> {
            containerStarts.incrementAndGet();
            return "container:9092";
        };

        // when
        String servers = TestKafka.chooseBroker(() -> false, container, embedded);

        // then
        assertThat(servers).isEqualTo("embedded:9092");
        assertThat(containerStarts).hasValue(0);
    }
}
