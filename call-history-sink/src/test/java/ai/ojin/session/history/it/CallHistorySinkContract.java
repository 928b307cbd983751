package ai.ojin.session.history.it;

import static ai.ojin.session.history.it.SinkHarness.ADMIN_TOKEN;
import static ai.ojin.session.history.it.SinkHarness.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.history.CallRecord;
import ai.ojin.session.events.json.Json;
import ai.ojin.session.history.Facts;
import ai.ojin.session.history.it.SinkHarness.Store;
import ai.ojin.session.testkit.TestKafka;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/**
 * The sink's behaviour on a real broker against one kind of SQL store; subclasses say which. One
 * sink per class; each test uses agents of its own, so tests do not see each other's calls.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CallHistorySinkContract {

    private SinkHarness harness;
    private ConfigurableApplicationContext sink;
    private final Instant base = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(1, ChronoUnit.DAYS);

    /** A new empty store (its own database or schema). */
    protected abstract Store newStore();

    @BeforeAll
    void startSink() {
        harness = new SinkHarness();
        sink = harness.start(newStore());
    }

    @AfterAll
    void stopSink() {
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void shouldRecordEveryOutcomeAndPublishEachFinishedCallOnceKeyedByClientUserRef() {
        // given
        String agent = TestKafka.uniqueId("agent");
        Facts completed = Facts.call(agent, "user-a", base.plusSeconds(1));
        Facts rejected = Facts.call(agent, "user-a", base.plusSeconds(2));
        Facts failed = Facts.call(agent, "user-b", base.plusSeconds(3));
        Facts abandoned = Facts.call(agent, null, base.plusSeconds(4));
        Facts expired = Facts.call(agent, "user-b", base.plusSeconds(5));
        Facts inProgress = Facts.call(agent, "user-c", base.plusSeconds(6));

        // when
        harness.send(completed.completed(65));
        harness.send(rejected.rejectedCall());
        harness.send(failed.failedCall());
        harness.send(abandoned.abandonedCall());
        harness.send(expired.expiredCall());
        harness.send(List.of(inProgress.requested(), inProgress.admitted(), inProgress.started()));

        // then: the finished calls are listed newest first; the one in progress is not
        await().atMost(WAIT).until(() -> items(agent, "agent_id", agent).size() == 5);
        Map<String, JsonNode> byId = items(agent, "agent_id", agent).stream()
                .collect(Collectors.toMap(item -> item.get("session_id").asString(), Function.identity()));
        assertThat(items(agent, "agent_id", agent)).extracting(item -> item.get("session_id").asString())
                .containsExactly(expired.sessionId(), abandoned.sessionId(), failed.sessionId(), rejected.sessionId(),
                        completed.sessionId());
        JsonNode done = byId.get(completed.sessionId());
        assertThat(done.get("outcome").asString()).isEqualTo("completed");
        assertThat(done.get("duration_seconds").asLong()).isEqualTo(65);
        assertThat(done.get("end_reason").asString()).isEqualTo("meeting_ended");
        assertThat(done.get("room_name").asString()).isEqualTo(completed.sessionId());
        assertThat(done.get("client_user_ref").asString()).isEqualTo("user-a");
        assertThat(done.get("origin").asString()).isEqualTo(Facts.ORIGIN);
        assertThat(done.get("agent_id").asString()).isEqualTo(agent);
        assertThat(Instant.parse(done.get("requested_at").asString())).isEqualTo(completed.requestedAt());
        assertThat(done.get("error_code").isNull()).isTrue();
        assertThat(outcomeAndError(byId.get(rejected.sessionId()))).containsExactly("rejected", "concurrency_limit");
        assertThat(outcomeAndError(byId.get(failed.sessionId()))).containsExactly("failed", "orchestrator_error");
        assertThat(outcomeAndError(byId.get(abandoned.sessionId()))).containsExactly("abandoned", "null");
        assertThat(outcomeAndError(byId.get(expired.sessionId()))).containsExactly("expired", "null");
        assertThat(byId.get(abandoned.sessionId()).get("client_user_ref").isNull()).isTrue();
        assertThat(byId.toString()).doesNotContain("token");

        // and: each finished call is on call-history once, keyed by client_user_ref (null when none)
        await().atMost(WAIT).untilAsserted(() -> assertThat(published(agent)).hasSize(5));
        Map<String, ConsumerRecord<String, CallRecord>> onTopic = published(agent).stream()
                .collect(Collectors.toMap(r -> r.value().sessionId(), Function.identity()));
        assertThat(onTopic.keySet()).doesNotContain(inProgress.sessionId());
        assertThat(onTopic.get(completed.sessionId()).key()).isEqualTo("user-a");
        assertThat(onTopic.get(abandoned.sessionId()).key()).isNull();
        assertThat(onTopic.get(expired.sessionId()).key()).isEqualTo("user-b");
        assertThat(onTopic.get(completed.sessionId()).value().durationSeconds()).isEqualTo(65L);
        assertThat(onTopic.get(rejected.sessionId()).value().outcome()).isEqualTo("rejected");
    }

    @Test
    void shouldFoldFactsThatArriveOverHalfASecondInAFewBatches() {
        // given: 20 rejected calls, one every 25 ms, with the default history.batch-wait (500 ms)
        String agent = TestKafka.uniqueId("agent");
        DistributionSummary batches = sink.getBean(MeterRegistry.class).get("call.history.batch.facts").summary();
        long batchesBefore = batches.count();
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        try {
            // when
            for (int i = 0; i < 20; i++) {
                Facts call = Facts.call(agent, "user-" + i, base.plusSeconds(i));
                pacer.schedule(() -> harness.send(call.rejectedCall()), i * 25L, TimeUnit.MILLISECONDS);
            }

            // then: every call is recorded, from a few batches (without the wait: about one per call)
            await().atMost(WAIT).until(() -> items(agent, "agent_id", agent).size() == 20);
            assertThat(batches.count() - batchesBefore).isBetween(1L, 6L);
        } finally {
            pacer.shutdownNow();
        }
    }

    @Test
    void shouldRecordNoShowAndUserLeftCallsAndKeepParticipantFactsOfACallInProgressUnlisted() {
        // given
        String agent = TestKafka.uniqueId("agent");
        Facts noShow = Facts.call(agent, "user-n", base.plusSeconds(21));
        Facts userLeft = Facts.call(agent, "user-n", base.plusSeconds(22));
        Facts inRoom = Facts.call(agent, "user-n", base.plusSeconds(23));

        // when
        harness.send(noShow.noShowCall());
        harness.send(userLeft.userLeftCall());
        harness.send(List.of(inRoom.requested(), inRoom.admitted(), inRoom.started(),
                inRoom.joined(ai.ojin.session.events.command.ParticipantPresence.Role.USER, "p-1", 3)));

        // then
        await().atMost(WAIT).until(() -> items(agent, "agent_id", agent).size() == 2);
        Map<String, JsonNode> byId = items(agent, "agent_id", agent).stream()
                .collect(Collectors.toMap(item -> item.get("session_id").asString(), Function.identity()));
        assertThat(outcomeAndError(byId.get(noShow.sessionId()))).containsExactly("no_show", "null");
        assertThat(byId.get(noShow.sessionId()).get("end_reason").asString()).isEqualTo("no_show");
        assertThat(byId.get(userLeft.sessionId()).get("outcome").asString()).isEqualTo("completed");
        assertThat(byId.get(userLeft.sessionId()).get("end_reason").asString()).isEqualTo("user_left");
        assertThat(byId.get(userLeft.sessionId()).get("duration_seconds").asLong()).isEqualTo(75);
        await().atMost(WAIT).untilAsserted(() -> assertThat(published(agent)).extracting(r -> r.value().outcome())
                .containsExactlyInAnyOrder("no_show", "completed"));
    }

    @Test
    void shouldRecordWaitersOfTheLineAsAdmittedRejectedOrAbandonedCallsAndKeepAWaiterUnlisted() {
        // given: waiters of the agent's line (Prefer: wait=N), one still waiting
        String agent = TestKafka.uniqueId("agent");
        Facts admitted = Facts.call(agent, "user-w", base.plusSeconds(31));
        Facts timedOut = Facts.call(agent, "user-w", base.plusSeconds(32));
        Facts gone = Facts.call(agent, "user-w", base.plusSeconds(33));
        Facts waiting = Facts.call(agent, "user-w", base.plusSeconds(34));

        // when
        harness.send(admitted.admittedWaiterCall(50));
        harness.send(timedOut.timedOutWaiterCall());
        harness.send(gone.goneWaiterCall());
        harness.send(List.of(waiting.requested(), waiting.queued()));

        // then: completed (the repeat changed nothing), rejected at the wait's end, abandoned when the caller went
        await().atMost(WAIT).until(() -> items(agent, "agent_id", agent).size() == 3);
        Map<String, JsonNode> byId = items(agent, "agent_id", agent).stream()
                .collect(Collectors.toMap(item -> item.get("session_id").asString(), Function.identity()));
        assertThat(byId).doesNotContainKey(waiting.sessionId());
        assertThat(outcomeAndError(byId.get(admitted.sessionId()))).containsExactly("completed", "null");
        assertThat(byId.get(admitted.sessionId()).get("duration_seconds").asLong()).isEqualTo(50);
        assertThat(outcomeAndError(byId.get(timedOut.sessionId()))).containsExactly("rejected", "concurrency_limit");
        assertThat(Instant.parse(byId.get(timedOut.sessionId()).get("ended_at").asString()))
                .isEqualTo(timedOut.queued().at().plusSeconds(30));
        assertThat(outcomeAndError(byId.get(gone.sessionId()))).containsExactly("abandoned", "null");
        assertThat(byId.get(gone.sessionId()).get("end_reason").isNull()).isTrue();
        assertThat(byId.get(gone.sessionId()).get("started_at").isNull()).isTrue();
        assertThat(Instant.parse(byId.get(gone.sessionId()).get("ended_at").asString()))
                .isEqualTo(gone.queued().at().plusSeconds(7));

        // and: each finished call published once; no fact of the line was dead-lettered
        await().atMost(WAIT).untilAsserted(() -> assertThat(published(agent)).extracting(r -> r.value().outcome())
                .containsExactlyInAnyOrder("completed", "rejected", "abandoned"));
    }

    @Test
    void shouldCloseItsProducersWhenItStops() {
        // given: a sink of its own (topics, store, client id) that has published a call and dead-lettered a record
        String clientId = TestKafka.uniqueId("sink-client");
        SinkHarness own = new SinkHarness();
        try {
            ConfigurableApplicationContext stopping = own.start(newStore(), "--spring.kafka.client-id=" + clientId);
            String agent = TestKafka.uniqueId("agent");
            own.send(Facts.call(agent, "closing-user", base.plusSeconds(60)).completed(3));
            own.sendRaw(agent, "not a fact".getBytes(StandardCharsets.UTF_8));
            await().atMost(WAIT).until(() -> !own.callHistory().isEmpty() && !own.deadLetters().isEmpty());
            assertThat(producerThreads(clientId)).hasSizeGreaterThanOrEqualTo(2);

            // when
            own.stop(stopping);

            // then: none of its producers is left reconnecting to the broker
            await().atMost(WAIT).until(() -> producerThreads(clientId).isEmpty());
        } finally {
            own.close();
        }
    }

    /** Kafka names each producer's I/O thread "kafka-producer-network-thread | <client id>[-n]". */
    private static List<String> producerThreads(String clientId) {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(name -> name.startsWith("kafka-producer-network-thread") && name.contains("| " + clientId))
                .toList();
    }

    @Test
    void shouldCountDuplicatedFactsOnceAndNotPublishTheCallAgain() {
        // given: a finished call, published
        String agent = TestKafka.uniqueId("agent");
        Facts call = Facts.call(agent, "dup-user", base.plusSeconds(10));
        harness.send(call.completed(30));
        await().atMost(WAIT).untilAsserted(() -> assertThat(published(agent)).hasSize(1));

        // when: the log delivers all its facts again, followed by a marker call on the same partition
        harness.send(call.completed(30));
        harness.send(call.completed(30));
        Facts marker = Facts.call(agent, "dup-user", base.plusSeconds(11));
        harness.send(marker.rejectedCall());

        // then
        await().atMost(WAIT).untilAsserted(() -> assertThat(published(agent)).hasSize(2));
        assertThat(published(agent)).extracting(r -> r.value().sessionId())
                .containsExactlyInAnyOrder(call.sessionId(), marker.sessionId());
        List<JsonNode> items = items(agent, "agent_id", agent);
        assertThat(items).hasSize(2);
        assertThat(items.get(1).get("duration_seconds").asLong()).isEqualTo(30);
    }

    @Test
    void shouldNeverRegressWhenFactsArriveOutOfOrderOrAreReplayed() {
        // given
        String agent = TestKafka.uniqueId("agent");
        Facts reversed = Facts.call(agent, "ooo-user", base.plusSeconds(20));
        Facts replayed = Facts.call(agent, "ooo-user", base.plusSeconds(21));
        List<SessionEvent> reversedFacts = new ArrayList<>(reversed.completed(90));
        Collections.reverse(reversedFacts);

        // when: one call's facts come newest first; the other's older facts come again after its end
        harness.send(reversedFacts);
        harness.send(replayed.completed(12));
        await().atMost(WAIT).until(() -> items(agent, "agent_id", agent).size() == 2);
        harness.send(List.of(replayed.started(), replayed.admitted(), replayed.requested()));
        Facts marker = Facts.call(agent, "ooo-user", base.plusSeconds(22));
        harness.send(marker.rejectedCall());
        await().atMost(WAIT).until(() -> items(agent, "agent_id", agent).size() == 3);

        // then: both end as an in-order fold says, on the store and on the topic
        Map<String, JsonNode> byId = items(agent, "agent_id", agent).stream()
                .collect(Collectors.toMap(item -> item.get("session_id").asString(), Function.identity()));
        assertThat(byId.get(reversed.sessionId()).get("outcome").asString()).isEqualTo("completed");
        assertThat(byId.get(reversed.sessionId()).get("duration_seconds").asLong()).isEqualTo(90);
        assertThat(byId.get(reversed.sessionId()).get("origin").asString()).isEqualTo(Facts.ORIGIN);
        assertThat(Instant.parse(byId.get(reversed.sessionId()).get("requested_at").asString()))
                .isEqualTo(reversed.requestedAt());
        assertThat(byId.get(replayed.sessionId()).get("outcome").asString()).isEqualTo("completed");
        assertThat(byId.get(replayed.sessionId()).get("duration_seconds").asLong()).isEqualTo(12);
        assertThat(byId.get(replayed.sessionId()).get("end_reason").asString()).isEqualTo("meeting_ended");
        // the topic is written after the store (outbox): wait until it has caught up to the marker,
        // which came after the replayed facts
        await().atMost(WAIT).untilAsserted(() -> {
            Map<String, CallRecord> lastOnTopic = published(agent).stream().map(ConsumerRecord::value)
                    .collect(Collectors.toMap(CallRecord::sessionId, Function.identity(), (first, later) -> later));
            String state = "on the topic: " + lastOnTopic + "; in the store: " + SinkHarness.rows(sink).stream()
                    .filter(row -> agent.equals(row.get("agent_id"))).toList() + "; published so far: "
                    + sink.getBean(MeterRegistry.class).counter("call.history.records.published").count();
            assertThat(lastOnTopic).as(state).containsKeys(reversed.sessionId(), replayed.sessionId(), marker.sessionId());
            assertThat(lastOnTopic.get(reversed.sessionId()).durationSeconds()).as(state).isEqualTo(90L);
        });
        // each call is published once it is complete enough to be keyed: once, and keyed by its client_user_ref
        assertThat(published(agent).stream().filter(r -> r.value().sessionId().equals(replayed.sessionId())))
                .hasSize(1);
        assertThat(published(agent).stream().filter(r -> r.value().sessionId().equals(reversed.sessionId())))
                .singleElement().satisfies(r -> assertThat(r.key()).isEqualTo("ooo-user"));
    }

    @Test
    void shouldPageThroughManyCallsNewestFirstWithAStableCursorAndFilters() {
        // given: 120 finished calls, three at a time with the same requested_at (session_id breaks ties)
        String agent = TestKafka.uniqueId("agent");
        List<Facts> calls = IntStream.range(0, 120)
                .mapToObj(i -> Facts.call(agent, i % 2 == 0 ? "even" : "odd", base.plusSeconds(1000 + i / 3)))
                .toList();
        calls.forEach(call -> harness.send(call.rejectedCall()));
        await().atMost(WAIT).until(() -> items(agent, "agent_id", agent, "limit", "500").size() == 120);
        List<String> newestFirst = calls.stream()
                .sorted(Comparator.comparing(Facts::requestedAt).thenComparing(Facts::sessionId).reversed())
                .map(Facts::sessionId).toList();

        // when: paging by 7, with newer calls arriving after the first page
        List<String> paged = new ArrayList<>();
        JsonNode page = harness.history(sink, "agent_id", agent, "limit", "7");
        page.get("items").forEach(item -> paged.add(item.get("session_id").asString()));
        List<Facts> newer = IntStream.range(0, 4)
                .mapToObj(i -> Facts.call(agent, "even", base.plusSeconds(5000 + i))).toList();
        newer.forEach(call -> harness.send(call.rejectedCall()));
        await().atMost(WAIT).until(() -> items(agent, "agent_id", agent, "limit", "500").size() == 124);
        int pages = 1;
        while (!page.get("next_cursor").isNull()) {
            page = harness.history(sink, "agent_id", agent, "limit", "7", "cursor", page.get("next_cursor").asString());
            page.get("items").forEach(item -> paged.add(item.get("session_id").asString()));
            pages++;
        }

        // then: every call once, in order, none of the newer ones, and no empty last page
        assertThat(paged).containsExactlyElementsOf(newestFirst);
        assertThat(pages).isEqualTo(18);

        // and: filters and the default limit
        JsonNode firstDefault = harness.history(sink, "agent_id", agent);
        assertThat(firstDefault.get("items")).hasSize(50);
        assertThat(firstDefault.get("next_cursor").isNull()).isFalse();
        List<String> evenInWindow = calls.stream()
                .filter(call -> call.clientUserRef().equals("even"))
                .filter(call -> !call.requestedAt().isBefore(base.plusSeconds(1010))
                        && call.requestedAt().isBefore(base.plusSeconds(1020)))
                .sorted(Comparator.comparing(Facts::requestedAt).thenComparing(Facts::sessionId).reversed())
                .map(Facts::sessionId).toList();
        assertThat(evenInWindow).hasSize(15);
        List<JsonNode> filtered = items(agent, "agent_id", agent, "client_user_ref", "even",
                "from", base.plusSeconds(1010).toString(), "to", base.plusSeconds(1020).toString());
        assertThat(filtered).extracting(item -> item.get("session_id").asString())
                .containsExactlyElementsOf(evenInWindow);
        assertThat(items(agent, "client_user_ref", "odd", "agent_id", agent, "limit", "500")).hasSize(60);
    }

    @Test
    void shouldAnswer400ToBadParameters() {
        String cursorWithBadTime = Base64.getUrlEncoder().withoutPadding()
                .encodeToString("v1|yesterday|a_b".getBytes(StandardCharsets.UTF_8));
        List<String> bad = List.of("limit=0", "limit=501", "limit=ten", "limit=-1", "from=yesterday",
                "to=2026-01-01", "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "cursor=%25%25%25",
                "cursor=" + cursorWithBadTime, "cursor=bm90LWEtY3Vyc29y", "client_user_ref=" + "x".repeat(257));
        for (String query : bad) {
            // when
            HttpResponse<String> response = harness.get(sink, "/v1/call-history?" + query, "Bearer " + ADMIN_TOKEN);

            // then
            assertThat(response.statusCode()).as(query).isEqualTo(400);
            JsonNode body = Json.MAPPER.readTree(response.body());
            assertThat(body.get("error_code").asString()).as(query).isEqualTo("invalid_request");
            assertThat(body.get("message").asString()).as(query).isNotBlank();
        }
        assertThat(harness.get(sink, "/v1/call-history?from=2026-01-01T00:00:00%2B02:00&to=2026-01-01T00:00:00Z",
                "Bearer " + ADMIN_TOKEN).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswer401WithoutTheAdminToken() {
        for (String authorization : new String[] {null, "Bearer wrong", "Bearer " + ADMIN_TOKEN + "x",
                "Bearer " + ADMIN_TOKEN.substring(1), "Basic " + ADMIN_TOKEN, ADMIN_TOKEN}) {
            // when
            HttpResponse<String> response = harness.get(sink, "/v1/call-history", authorization);

            // then
            assertThat(response.statusCode()).as(String.valueOf(authorization)).isEqualTo(401);
            JsonNode body = Json.MAPPER.readTree(response.body());
            assertThat(body.get("error_code").asString()).isEqualTo("unauthorized");
            assertThat(body.get("message").asString()).isNotBlank();
        }
        assertThat(harness.get(sink, "/v1/call-history", "Bearer " + ADMIN_TOKEN).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldSendUnreadableFactsToTheDeadLetterTopicAndCarryOn() {
        // given
        String agent = TestKafka.uniqueId("agent");
        byte[] garbage = "{not a fact".getBytes(StandardCharsets.UTF_8);
        byte[] withoutSession = "{\"type\":\"requested\",\"agent_id\":\"a\",\"at\":\"2026-01-01T00:00:00Z\"}"
                .getBytes(StandardCharsets.UTF_8);
        Facts after = Facts.call(agent, null, base.plusSeconds(30));

        // when
        harness.sendRaw(agent, garbage);
        harness.sendRaw(agent, withoutSession);
        harness.send(after.failedCall());

        // then
        await().atMost(WAIT).until(() -> items(agent, "agent_id", agent).size() == 1);
        await().atMost(WAIT).untilAsserted(() -> assertThat(harness.deadLetters())
                .extracting(record -> new String(record.value(), StandardCharsets.UTF_8))
                .contains(new String(garbage, StandardCharsets.UTF_8), new String(withoutSession, StandardCharsets.UTF_8)));
    }

    @Test
    void shouldDeadLetterAFactTheStoreRefusesAfterBoundedRetriesAndCarryOn() {
        // given: a store that refuses one client_user_ref (an injected store error, as PostgreSQL
        // refuses NUL in text), then a call with that ref followed by an ordinary call
        String agent = TestKafka.uniqueId("agent");
        String refusedRef = TestKafka.uniqueId("refused");
        new JdbcTemplate(sink.getBean(DataSource.class)).execute("ALTER TABLE call_record ADD CONSTRAINT refuse_"
                + refusedRef.replaceAll("[^A-Za-z0-9]", "_") + " CHECK (client_user_ref IS NULL OR client_user_ref <> '"
                + refusedRef + "')");
        Facts refused = Facts.call(agent, refusedRef, base.plusSeconds(40));
        Facts after = Facts.call(agent, "after-refused", base.plusSeconds(41));
        double deadLetteredBefore = deadLettered("refused");

        // when
        harness.send(refused.rejectedCall());
        harness.send(after.completed(5));

        // then: the later call is stored and published; the refused facts are on the dead-letter topic
        await().atMost(WAIT).until(() -> items(agent, "agent_id", agent).stream()
                .anyMatch(item -> item.get("session_id").asString().equals(after.sessionId())));
        await().atMost(WAIT).untilAsserted(() -> assertThat(published(agent)).extracting(r -> r.value().sessionId())
                .contains(after.sessionId()));
        await().atMost(WAIT).untilAsserted(() -> assertThat(harness.deadLetters())
                .extracting(record -> new String(record.value(), StandardCharsets.UTF_8))
                .anyMatch(value -> value.contains(refused.sessionId()) && value.contains("\"requested\"")));
        assertThat(deadLettered("refused")).isGreaterThan(deadLetteredBefore);
        assertThat(harness.get(sink, "/actuator/health", null).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldReportAStallWhileTheStoreIsDownAndLoseNothing() {
        // given: a second sink on a store of its own that reports a stall after 2 s
        String agent = TestKafka.uniqueId("agent");
        ConfigurableApplicationContext outage = harness.start(newStore(), "--history.stall-after=2s",
                "--history.publish=false");
        JdbcTemplate jdbc = new JdbcTemplate(outage.getBean(DataSource.class));
        Facts before = Facts.call(agent, "outage-user", base.plusSeconds(50));
        harness.send(before.rejectedCall());
        await().atMost(WAIT).until(() -> SinkHarness.rows(outage).stream().anyMatch(r -> before.sessionId().equals(r.get("session_id"))));
        assertThat(harness.get(outage, "/actuator/health", null).statusCode()).isEqualTo(200);

        // when the store is gone for the sink (its table is away) while facts and an unreadable record arrive
        jdbc.execute("ALTER TABLE call_record RENAME TO call_record_away");
        Facts during = Facts.call(agent, "outage-user", base.plusSeconds(51));
        harness.send(during.completed(7));
        harness.sendRaw(agent, ("{\"type\":\"requested\",\"agent_id\":\"" + agent + "\"}").getBytes(StandardCharsets.UTF_8));

        // then health turns DOWN with a stall
        await().atMost(WAIT).until(() -> harness.get(outage, "/actuator/health", null).statusCode() == 503);
        assertThat(outage.getBean("ingest", HealthIndicator.class).health().getDetails()).containsEntry("stalled", true);

        // and when the store is back, the facts are folded, nothing was dead-lettered, health is UP
        jdbc.execute("ALTER TABLE call_record_away RENAME TO call_record");
        await().atMost(WAIT).until(() -> SinkHarness.rows(outage).stream()
                .anyMatch(r -> during.sessionId().equals(r.get("session_id")) && "completed".equals(r.get("outcome"))));
        await().atMost(WAIT).until(() -> harness.get(outage, "/actuator/health", null).statusCode() == 200);
        // (the unreadable record, once the store is back, goes to the dead-letter topic alone)
        await().atMost(WAIT).untilAsserted(() -> assertThat(harness.deadLetters())
                .extracting(record -> new String(record.value(), StandardCharsets.UTF_8))
                .anyMatch(value -> value.contains(agent) && !value.contains("session_id")));
        assertThat(harness.deadLetters()).extracting(record -> new String(record.value(), StandardCharsets.UTF_8))
                .noneMatch(value -> value.contains(during.sessionId()));
        assertThat(harness.deadLetters()).extracting(record -> new String(record.value(), StandardCharsets.UTF_8))
                .as("an outage dead-letters nothing").noneMatch(value -> value.contains(before.sessionId()));
        harness.stop(outage);
    }

    @Test
    void shouldStoreACallOnlyWithItsPublicationAndPublishItOnceTheBrokerTakesItAgain() {
        // given: the broker refuses every write to call-history (a call record is larger than the topic allows)
        String agent = TestKafka.uniqueId("agent");
        Facts call = Facts.call(agent, "refused-topic-user", base.plusSeconds(60));
        String callHistory = harness.topics.callHistory().name();
        TestKafka.refuseWritesTo(callHistory);
        try {
            double folded = foldedFacts();

            // when: a call finishes
            harness.send(call.rejectedCall());

            // then: its facts are folded again and again (each fold rolled back with its failed send), and the
            // store holds no row of it: a stored call is a published one
            await().atMost(WAIT).until(() -> foldedFacts() >= folded + 3 * call.rejectedCall().size());
            assertThat(SinkHarness.rows(sink)).noneMatch(row -> call.sessionId().equals(row.get("session_id")));
            assertThat(published(agent)).isEmpty();
        } finally {
            // when: the broker takes call records again
            TestKafka.acceptWritesTo(callHistory);
        }

        // then: the call is stored and published, once
        await().atMost(WAIT).until(() -> published(agent).size() == 1);
        await().atMost(WAIT).until(() -> SinkHarness.rows(sink).stream()
                .anyMatch(row -> call.sessionId().equals(row.get("session_id")) && "rejected".equals(row.get("outcome"))));
        harness.awaitCaughtUp(sink);
        assertThat(published(agent)).singleElement().satisfies(r -> assertThat(r.value().sessionId()).isEqualTo(call.sessionId()));
    }

    /** Facts the shared sink has folded so far, counting each fold of a batch that was rolled back and retried. */
    private double foldedFacts() {
        return sink.getBean(MeterRegistry.class).find("call.history.facts").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    @Test
    void shouldServeHealthPubliclyAndOtherActuatorEndpointsOnlyWithTheAdminTokenAndLimitBodies() {
        // when / then
        assertThat(harness.get(sink, "/actuator/health", null).statusCode()).isEqualTo(200);
        for (String path : List.of("/actuator/metrics", "/actuator/info", "/actuator/env")) {
            HttpResponse<String> anonymous = harness.get(sink, path, null);
            assertThat(anonymous.statusCode()).as(path).isEqualTo(401);
            assertThat(anonymous.body()).as(path).contains("\"error_code\":\"unauthorized\"");
        }
        assertThat(harness.get(sink, "/actuator/metrics", "Bearer " + ADMIN_TOKEN).statusCode()).isEqualTo(200);
        HttpResponse<String> big = harness.post(sink, "/v1/call-history", "Bearer " + ADMIN_TOKEN, new byte[70 * 1024]);
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(big.body()).contains("\"error_code\":\"payload_too_large\"");
    }

    @Test
    void shouldRebuildTheSameRowsFromTheLogIntoAnEmptyStore() {
        // given: calls of every kind, some duplicated or out of order, folded by the live sink
        String agent = TestKafka.uniqueId("agent");
        List<Facts> calls = IntStream.range(0, 10).mapToObj(i -> Facts.call(agent, "r" + (i % 3), base.plusSeconds(2000 + i)))
                .toList();
        harness.send(calls.get(0).completed(5));
        harness.send(calls.get(1).rejectedCall());
        harness.send(calls.get(2).failedCall());
        harness.send(calls.get(3).abandonedCall());
        harness.send(calls.get(4).expiredCall());
        List<SessionEvent> reversed = new ArrayList<>(calls.get(5).completed(7));
        Collections.reverse(reversed);
        harness.send(reversed);
        harness.send(calls.get(6).completed(8));
        harness.send(calls.get(6).completed(8));
        harness.send(List.of(calls.get(7).requested(), calls.get(7).admitted()));
        harness.send(List.of(calls.get(8).ended(EndReason.END_CALL, 3), calls.get(8).requested()));
        harness.send(List.of(calls.get(9).started(), calls.get(9).ended(EndReason.LEASE_EXPIRED, 100)));
        Facts noShow = Facts.call(agent, "r0", base.plusSeconds(2010));
        Facts userLeft = Facts.call(agent, "r1", base.plusSeconds(2011));
        List<SessionEvent> userLeftReversed = new ArrayList<>(userLeft.userLeftCall());
        Collections.reverse(userLeftReversed);
        harness.send(noShow.noShowCall());
        harness.send(userLeftReversed);
        await().atMost(WAIT).until(() -> items(agent, "agent_id", agent, "limit", "500").size() == 11);
        harness.awaitCaughtUp(sink);
        List<Map<String, Object>> live = SinkHarness.rows(sink);
        int publishedBefore = harness.callHistory().size();

        // when
        ConfigurableApplicationContext rebuild = harness.start(newStore(), "--history.rebuild=true");

        // then: the same rows, and nothing published again
        await().atMost(WAIT).untilAsserted(() -> assertThat(SinkHarness.rows(rebuild)).isEqualTo(live));
        harness.stop(rebuild);
        assertThat(live).hasSizeGreaterThanOrEqualTo(12);
        assertThat(live).extracting(row -> row.get("session_id"))
                .containsAll(calls.stream().map(Facts::sessionId).toList());
        assertThat(SinkHarness.rows(sink)).isEqualTo(live);
        assertThat(harness.callHistory()).hasSize(publishedBefore);
    }

    @Test
    void shouldRefuseToRebuildIntoAStoreThatHoldsCalls() {
        // given: a store with a call in it
        String agent = TestKafka.uniqueId("agent");
        Store store = newStore();
        ConfigurableApplicationContext first = harness.start(store);
        harness.send(Facts.call(agent, null, base).rejectedCall());
        await().atMost(WAIT).until(() -> !SinkHarness.rows(first).isEmpty());
        harness.stop(first);

        // when / then
        assertThatThrownBy(() -> harness.start(store, "--history.rebuild=true"))
                .hasStackTraceContaining("needs an empty store");
    }

    @Test
    void shouldReportHealthUp() {
        // when
        HttpResponse<String> response = harness.get(sink, "/actuator/health", null);

        // then
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(response.body()).get("status").asString()).isEqualTo("UP");
    }

    protected double deadLettered(String reason) {
        var counter = sink.getBean(MeterRegistry.class).find("call.history.facts.dead_lettered").tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    protected SinkHarness harness() {
        return harness;
    }

    protected ConfigurableApplicationContext sink() {
        return sink;
    }

    protected Instant base() {
        return base;
    }

    protected List<JsonNode> items(String agent, String... params) {
        List<JsonNode> items = new ArrayList<>();
        harness.history(sink, params).get("items").forEach(items::add);
        return items;
    }

    protected List<ConsumerRecord<String, CallRecord>> published(String agent) {
        return harness.callHistory().stream().filter(r -> r.value().agentId().equals(agent)).toList();
    }

    private static List<String> outcomeAndError(JsonNode item) {
        return List.of(item.get("outcome").asString(), String.valueOf(item.get("error_code").isNull()
                ? "null" : item.get("error_code").asString()));
    }
}
