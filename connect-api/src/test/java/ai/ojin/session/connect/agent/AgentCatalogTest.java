package ai.ojin.session.connect.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.agent.Agent;
import ai.ojin.session.events.agent.AgentStatus;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.support.kafka.CompactedTopicView;
import ai.ojin.session.testkit.TestKafka;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

/** The catalog view on its own, against the real broker. */
class AgentCatalogTest {

    @Test
    void shouldReportCaughtUpOnlyOnceEveryRecordBeforeStartIsApplied() throws Exception {
        // given: 400 agents, 50 of them deleted again and 50 unpublished by a later record
        SessionTopics topics = TestKafka.newTopics();
        try (var producer = producer(topics)) {
            for (int i = 0; i < 400; i++) {
                producer.send(topics.agents().record("agent-" + i, agent("agent-" + i, AgentStatus.PUBLISHED))).get(); // fail loudly if a write is lost
            }
            for (int i = 0; i < 50; i++) {
                producer.send(topics.agents().record("agent-" + i, null)).get(); // fail loudly if a write is lost
                producer.send(topics.agents().record("agent-" + (100 + i), agent("agent-" + (100 + i), AgentStatus.UNPUBLISHED))).get(); // fail loudly if a write is lost
            }
            producer.flush();
        }
        AtomicInteger sizeWhenCaughtUp = new AtomicInteger(-1);
        AgentCatalog catalog = catalog(topics);

        // when
        boolean caughtUpBeforeStart = catalog.caughtUp();
        catalog.start();
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(1)).until(() -> {
                int size = catalog.size();
                if (catalog.caughtUp()) {
                    sizeWhenCaughtUp.compareAndSet(-1, size);
                    return true;
                }
                return false;
            });

            // then
            assertThat(caughtUpBeforeStart).isFalse();
            assertThat(catalog.size()).isEqualTo(350);
            assertThat(catalog.find("agent-0")).isEmpty();
            assertThat(catalog.find("agent-120")).hasValueSatisfying(a -> assertThat(a.status()).isEqualTo(AgentStatus.UNPUBLISHED));
            assertThat(catalog.find("agent-399")).hasValueSatisfying(a -> assertThat(a.published()).isTrue());
        } finally {
            catalog.stop();
        }
    }

    @Test
    void shouldShowAnAgentItWroteAsSoonAsTheWriteCompletesAndOtherInstancesWritesSoonAfter() throws Exception {
        // given: a catalog that writes through a producer of its own, and another instance's producer
        SessionTopics topics = TestKafka.newTopics();
        try (var ours = producer(topics); var theirs = producer(topics)) {
            AgentCatalog catalog = new AgentCatalog(topics.agents().name(), consumers(topics),
                    CompactedTopicView.Writer.of(ours, topics.agents().name()), Duration.ofSeconds(30));
            catalog.start();
            try {
                // when: it writes an agent
                catalog.put(agent("late-agent", AgentStatus.PUBLISHED)).get(30, TimeUnit.SECONDS);

                // then: it shows at once (read-your-writes)
                assertThat(catalog.find("late-agent")).isPresent();

                // and when: it deletes it, it is gone at once
                catalog.delete("late-agent").get(30, TimeUnit.SECONDS);
                assertThat(catalog.find("late-agent")).isEmpty();

                // and: another instance's write shows once read
                theirs.send(topics.agents().record("their-agent", agent("their-agent", AgentStatus.PUBLISHED))).get();
                await().atMost(Duration.ofSeconds(30)).until(() -> catalog.find("their-agent").isPresent());
                assertThat(catalog.find("late-agent")).isEmpty();
            } finally {
                catalog.stop();
            }
        }
    }

    @Test
    void shouldStartOverWhenItsReaderFailsAndSayItIsNotReadingMeanwhile() throws Exception {
        // given: a catalog whose consumers fail on poll while the fault is on
        SessionTopics topics = TestKafka.newTopics();
        AtomicBoolean fault = new AtomicBoolean();
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        AgentCatalog catalog = new AgentCatalog(topics.agents().name(), () -> failingOnPoll(
                new KafkaConsumer<>(props, topics.agents().keySerde().deserializer(), topics.agents().valueSerde().deserializer()),
                fault), null, Duration.ofSeconds(30));
        catalog.start();
        try (var producer = producer(topics)) {
            await().atMost(Duration.ofSeconds(30)).until(catalog::caughtUp);
            assertThat(catalog.isReading()).isTrue();

            // when the reader fails
            fault.set(true);

            // then
            await().atMost(Duration.ofSeconds(30)).until(() -> !catalog.isReading());
            assertThat(catalog.isRunning()).isTrue();

            // and when the fault is gone, it reads again, including what was written meanwhile
            producer.send(topics.agents().record("while-down", agent("while-down", AgentStatus.PUBLISHED))).get();
            fault.set(false);
            await().atMost(Duration.ofSeconds(30)).until(() -> catalog.isReading() && catalog.find("while-down").isPresent());
        } finally {
            catalog.stop();
        }
    }

    /** A real consumer whose poll throws while {@code fault} is set. */
    @SuppressWarnings("unchecked")
    private static Consumer<String, Agent> failingOnPoll(Consumer<String, Agent> real, AtomicBoolean fault) {
        return (Consumer<String, Agent>) Proxy.newProxyInstance(Consumer.class.getClassLoader(), new Class<?>[] {Consumer.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("poll") && fault.get()) {
                        throw new IllegalStateException("injected reader failure");
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static AgentCatalog catalog(SessionTopics topics) {
        return new AgentCatalog(topics.agents().name(), consumers(topics), null, Duration.ofSeconds(30));
    }

    private static Supplier<Consumer<String, Agent>> consumers(SessionTopics topics) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return () -> new KafkaConsumer<>(props, topics.agents().keySerde().deserializer(), topics.agents().valueSerde().deserializer());
    }

    private static KafkaProducer<String, Agent> producer(SessionTopics topics) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.bootstrapServers()),
                topics.agents().keySerde().serializer(), topics.agents().valueSerde().serializer());
    }

    static Agent agent(String id, AgentStatus status) {
        return new Agent(id, status, List.of("*"), 5, 600, Instant.now());
    }
}
