package ai.ojin.session.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.events.command.SessionCommand;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.springframework.core.ResolvableType;
import org.springframework.kafka.core.KafkaTemplate;

class StartupTest {

    @Test
    void shouldFailFastWithoutDailyKeyUnlessSimulationIsAllowed() {
        // given / when / then
        assertThatThrownBy(() -> new WorkerHarness(Map.of("DAILY_API_KEY", "")).close())
                .hasStackTraceContaining("DAILY_API_KEY is not set");
    }

    @Test
    void shouldSimulateRoomsAndBotsWhenAllowed() throws Exception {
        try (WorkerHarness worker = new WorkerHarness(Map.of("DAILY_API_KEY", "", "ORCHESTRATOR_URL", "",
                "room.allow-simulation", "true"))) {
            // given
            SessionAdmitted admitted = WorkerHarness.admitted("agent-sim");

            // when
            worker.publish(admitted);

            // then: a reply with a simulated room, and nothing reached the fakes
            await().atMost(Duration.ofSeconds(60)).until(() -> worker.reply(admitted.sessionId()).isPresent());
            assertThat(worker.reply(admitted.sessionId()).orElseThrow().roomUrl()).contains("simulated");
            assertThat(worker.daily.requests()).isEmpty();
            assertThat(worker.orchestrator.requests()).isEmpty();
        }
    }

    @Test
    void shouldCloseItsProducersWhenItStops() throws Exception {
        // given: a worker that has replied and sent a command (its reply and command producers exist)
        WorkerHarness worker = new WorkerHarness(Map.of());
        SessionAdmitted admitted = WorkerHarness.admitted("agent-stop");
        worker.publish(admitted);
        await().atMost(Duration.ofSeconds(60)).until(() -> worker.reply(admitted.sessionId()).isPresent()
                && !worker.commandsFor(admitted.sessionId()).isEmpty());
        List<String> clientIds = List.of(
                clientId(worker, ResolvableType.forClassWithGenerics(KafkaTemplate.class, String.class, SessionReply.class)),
                clientId(worker, ResolvableType.forClassWithGenerics(KafkaTemplate.class, String.class, SessionCommand.class)));
        assertThat(producerThreads(clientIds)).isNotEmpty();

        // when
        worker.close();

        // then: no producer thread of the worker is left (it would go on reconnecting to the broker)
        await().atMost(Duration.ofSeconds(30)).until(() -> producerThreads(clientIds).isEmpty());
    }

    private static String clientId(WorkerHarness worker, ResolvableType type) {
        KafkaTemplate<?, ?> template = (KafkaTemplate<?, ?>) worker.app.getBeanProvider(type).getObject();
        return (String) template.getProducerFactory().getConfigurationProperties().get(ProducerConfig.CLIENT_ID_CONFIG);
    }

    /** Kafka names each producer's I/O thread "kafka-producer-network-thread | <client id>[-n]". */
    private static List<String> producerThreads(List<String> clientIds) {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(name -> name.startsWith("kafka-producer-network-thread")
                        && clientIds.stream().anyMatch(id -> name.contains("| " + id)))
                .toList();
    }
}
