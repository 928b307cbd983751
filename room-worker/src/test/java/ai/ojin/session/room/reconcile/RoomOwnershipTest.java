package ai.ojin.session.room.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.SessionIds;
import ai.ojin.session.events.topic.SessionTopics;
import ai.ojin.session.room.assignment.RoomAssignments;
import ai.ojin.session.room.config.RoomProperties;
import ai.ojin.session.room.daily.HttpDailyApi;
import ai.ojin.session.room.http.Deadline;
import ai.ojin.session.room.http.ResilientHttp;
import ai.ojin.session.room.session.SessionRegistry;
import ai.ojin.session.testkit.FakeDaily;
import ai.ojin.session.testkit.Fault;
import ai.ojin.session.testkit.TestKafka;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class RoomOwnershipTest {

    @Test
    void shouldCreateRoomsWithTheDeploymentPrefixAndReconcileOnlyRoomsCarryingIt() throws Exception {
        // given: a worker of deployment "dep-a-" owning every partition, and old rooms on the same Daily domain
        SessionTopics topics = TestKafka.newTopics();
        RoomProperties properties = new Binder(new MapConfigurationPropertySource(Map.of(
                "room.reconcile-grace", "0s", "room.daily.room-name-prefix", "dep-a-")))
                .bindOrCreate("room", RoomProperties.class);
        var assignmentSerde = topics.roomAssignments().valueSerde();
        try (FakeDaily daily = new FakeDaily();
                var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        TestKafka.bootstrapServers()), new StringDeserializer(), new StringDeserializer());
                RoomAssignments assignments = new RoomAssignments(topics.roomAssignments().name(),
                        () -> new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                TestKafka.bootstrapServers()), new StringDeserializer(), assignmentSerde.deserializer()),
                        new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                TestKafka.bootstrapServers()), new StringSerializer(), assignmentSerde.serializer()))) {
            assignments.start();
            HttpDailyApi api = new HttpDailyApi(daily.baseUrl(), daily.apiKey(), new ResilientHttp("daily",
                    ResilientHttp.newClient(Duration.ofSeconds(2)), Duration.ofSeconds(2), 1, null, new SimpleMeterRegistry()),
                    properties.daily().roomNamePrefix());
            PartitionOwnership ownership = new PartitionOwnership(topics.events().name());
            ownership.assigned(consumer, consumer.partitionsFor(topics.events().name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList());
            Instant assignedAt = Instant.now();
            await().until(() -> Instant.now().isAfter(assignedAt)); // rooms are created strictly after the assignment
            String ours = SessionIds.newSessionId("agent-own");
            String otherDeployment = SessionIds.newSessionId("agent-own");
            String unmarked = SessionIds.newSessionId("agent-own");
            api.createRoom(ours, Instant.now().plusSeconds(600), Deadline.in(Duration.ofSeconds(5))).join();
            daily.addRoom("dep-b-" + otherDeployment, Instant.now(), Map.of());
            daily.addRoom(unmarked, Instant.now(), Map.of());
            RoomReconciler reconciler = new RoomReconciler(api, new SessionRegistry(), assignments, ownership, properties,
                    new SimpleMeterRegistry(), name -> false, Clock.systemUTC());

            // when: a moment later (the rooms are older than the zero grace)
            Instant createdAt = Instant.now();
            await().until(() -> Instant.now().isAfter(createdAt));
            List<String> deleted = reconciler.reconcileOnce();

            // then: our room carries the mark on Daily and is the only one deleted
            assertThat(deleted).containsExactly(ours);
            assertThat(daily.deletedRoomNames()).containsExactly("dep-a-" + ours);
            assertThat(daily.liveRoomNames()).containsExactlyInAnyOrder("dep-b-" + otherDeployment, unmarked);

            // and given: Daily's room list stuck on one full page (its cursor never advances)
            StringBuilder page = new StringBuilder("{\"total_count\":1000,\"data\":[");
            for (int i = 0; i < 100; i++) {
                page.append(i == 0 ? "" : ",").append("{\"id\":\"id-").append(i).append("\",\"name\":\"other-").append(i)
                        .append("\",\"privacy\":\"private\",\"created_at\":\"2026-01-01T00:00:00.000Z\",\"config\":{}}");
            }
            daily.failNextWhen("GET", "/v1/rooms", call -> true, 1000,
                    new Fault(200, page.append("]}").toString(), Map.of(), Duration.ZERO, false));
            long listedBefore = daily.requestCount("GET", "/v1/rooms");

            // when
            List<String> stuck = reconciler.reconcileOnce();

            // then: the pass stops at the repeated page, long before its 30 s budget
            assertThat(stuck).isEmpty();
            assertThat(daily.requestCount("GET", "/v1/rooms") - listedBefore).isEqualTo(2);
        }
    }

    @Test
    void shouldDeleteRoomsOfOursPastTheirExpWhenTheirPartitionIsOwnedNowUnlessTheirDeleteRunsAlready() throws Exception {
        // given: a worker owning every partition since now, and rooms created before that: closed rooms of
        // sessions (one of them being deleted by this worker already), a pooled room closed long ago, one closed a
        // second ago (it may rest in another worker's pool, to be reopened), an open session room, and a closed
        // room of someone else
        SessionTopics topics = TestKafka.newTopics();
        RoomProperties properties = new Binder(new MapConfigurationPropertySource(Map.of("room.reconcile-grace", "0s")))
                .bindOrCreate("room", RoomProperties.class);
        var assignmentSerde = topics.roomAssignments().valueSerde();
        try (FakeDaily daily = new FakeDaily();
                var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        TestKafka.bootstrapServers()), new StringDeserializer(), new StringDeserializer());
                RoomAssignments assignments = new RoomAssignments(topics.roomAssignments().name(),
                        () -> new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                TestKafka.bootstrapServers()), new StringDeserializer(), assignmentSerde.deserializer()),
                        new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                TestKafka.bootstrapServers()), new StringSerializer(), assignmentSerde.serializer()))) {
            assignments.start();
            HttpDailyApi api = new HttpDailyApi(daily.baseUrl(), daily.apiKey(), new ResilientHttp("daily",
                    ResilientHttp.newClient(Duration.ofSeconds(2)), Duration.ofSeconds(2), 1, null, new SimpleMeterRegistry()));
            Instant anHourAgo = Instant.now().minusSeconds(3600);
            Map<String, Object> closed = Map.of("exp", Instant.now().getEpochSecond() - 1, "eject_at_room_exp", true);
            String closedSession = SessionIds.newSessionId("agent-exp");
            String closedBeingDeleted = SessionIds.newSessionId("agent-exp");
            String closedPooled = "pool-" + "b".repeat(26);
            String restingPooled = "pool-" + "c".repeat(26);
            String openSession = SessionIds.newSessionId("agent-exp");
            daily.addRoom(closedSession, anHourAgo, closed);
            daily.addRoom(closedBeingDeleted, anHourAgo, closed);
            daily.addRoom(closedPooled, anHourAgo, Map.of("exp", Instant.now().getEpochSecond() - 1800,
                    "eject_at_room_exp", true));
            daily.addRoom(restingPooled, anHourAgo, closed);
            daily.addRoom(openSession, anHourAgo, Map.of("exp", Instant.now().getEpochSecond() + 3600));
            daily.addRoom("someone-elses-room", anHourAgo, closed);
            PartitionOwnership ownership = new PartitionOwnership(topics.events().name());
            ownership.assigned(consumer, consumer.partitionsFor(topics.events().name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList());
            RoomReconciler reconciler = new RoomReconciler(api, new SessionRegistry(), assignments, ownership, properties,
                    new SimpleMeterRegistry(), closedBeingDeleted::equals, Clock.systemUTC());

            // when
            List<String> deleted = reconciler.reconcileOnce();

            // then: the closed rooms of ours go, whoever created them; the rest stays
            assertThat(deleted).containsExactlyInAnyOrder(closedSession, closedPooled);
            assertThat(daily.liveRoomNames()).containsExactlyInAnyOrder(closedBeingDeleted, restingPooled, openSession,
                    "someone-elses-room");
        }
    }
}
