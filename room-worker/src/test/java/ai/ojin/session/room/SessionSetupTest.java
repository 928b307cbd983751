package ai.ojin.session.room;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.MarkStarted;
import ai.ojin.session.events.command.ReleaseSession;
import ai.ojin.session.events.command.SessionCommand;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionFailed;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.events.reply.SessionReply;
import ai.ojin.session.room.session.SessionJobs;
import ai.ojin.session.testkit.Fault;
import ai.ojin.session.testkit.FakeDaily;
import ai.ojin.session.testkit.FakeOrchestrator;
import ai.ojin.session.testkit.RecordedRequest;
import ai.ojin.session.testkit.TestKafka;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * One worker for the class (each test on agents and sessions of its own, looking only at what
 * concerns them, its fault knobs cleared after it), one for the tests of tokens minted by Daily
 * ({@link #mintingWorker()}), and one of its own for the test of a short set-up budget.
 */
@ExtendWith(OutputCaptureExtension.class)
class SessionSetupTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static WorkerHarness worker;
    private static WorkerHarness minting;

    @BeforeAll
    static void startWorker() {
        worker = new WorkerHarness();
    }

    /**
     * The worker of the tests of tokens minted by Daily ({@code POST /meeting-tokens}, self-signed
     * tokens off), started by the first of them. (A generous set-up budget: on a loaded machine 200
     * set-ups at once must not run out of time. Three calls per session, as without self-signed
     * tokens. Daily's published limits are off on both sides, as for a domain whose limits Daily
     * raised: the test of many sessions is about concurrency, not Daily's rate, and its 600 calls in a
     * few seconds are far over them.)
     */
    private static synchronized WorkerHarness mintingWorker() {
        if (minting == null) {
            minting = new WorkerHarness(new FakeDaily().withoutDailyRateLimits(), new FakeOrchestrator(),
                    TestKafka.newTopics(), TestKafka.uniqueId("room-worker"),
                    Map.of("room.daily.self-signed-tokens", "false", "room.setup-budget", "19s",
                            "room.daily.limits.enabled", "false"));
        }
        return minting;
    }

    @AfterEach
    void clearFaults() {
        worker.clearFaults();
        if (minting != null) {
            minting.clearFaults();
        }
    }

    @AfterAll
    static void stopWorkers() throws Exception {
        if (worker != null) {
            worker.close();
        }
        if (minting != null) {
            minting.close();
        }
    }

    @Test
    void shouldCreateRoomTokensAndBotThenReplyAndMarkStarted(CapturedOutput output) throws Exception {
        // given
        SessionAdmitted admitted = WorkerHarness.admitted("agent-ok");
        String id = admitted.sessionId();

        // when
        worker.publish(admitted);

        // then: the reply carries the room url and the user's token, on the waiting instance's partition
        await().atMost(WAIT).until(() -> worker.reply(id).isPresent() && !worker.commandsFor(id).isEmpty());
        ConsumerRecord<String, SessionReply> record = worker.replies.records().stream()
                .filter(r -> r.key().equals(id)).findFirst().orElseThrow();
        SessionReply reply = record.value();
        assertThat(record.partition()).isEqualTo(admitted.replyPartition());
        assertThat(reply.ok()).isTrue();
        assertThat(reply.roomUrl()).isEqualTo("https://fake.daily.co/" + id);
        assertThat(reply.instanceId()).as("the asking instance, echoed").isEqualTo(WorkerHarness.INSTANCE);

        // and: a private room named after the session, expiring after the agent's session length
        FakeDaily.Room room = worker.daily.room(id).orElseThrow();
        assertThat(room.privacy()).isEqualTo("private");
        assertThat(room.ejectAtRoomExp()).isTrue();
        long expectedExp = Instant.now().getEpochSecond() + admitted.maxSessionSeconds();
        assertThat(room.exp()).isBetween(expectedExp - 30, expectedExp + 300);

        // and: two self-signed tokens that Daily accepts for this room (HS256 with the API key, the domain id
        // read from Daily once since the worker started, not for each session), valid for joining within the
        // join window (2 min by default), ejecting after the session's length, not owners; no token call to Daily
        // for this room
        assertThat(worker.daily.requests()).noneSatisfy(r -> {
            assertThat(r.path()).isEqualTo("/v1/meeting-tokens");
            assertThat(r.body()).contains(id);
        });
        assertThat(domainLookups(worker)).isEqualTo(1);
        var bot = worker.orchestrator.session(id).orElseThrow();
        FakeDaily.SelfSignedToken userToken = worker.daily.verifySelfSigned(reply.token()).orElseThrow();
        FakeDaily.SelfSignedToken botToken = worker.daily.verifySelfSigned(bot.token()).orElseThrow();
        assertThat(List.of(userToken, botToken)).allSatisfy(t -> {
            assertThat(t.roomName()).isEqualTo(id);
            assertThat(t.domainId()).isEqualTo(worker.daily.domainId());
            assertThat(t.exp()).isBetween(Instant.now().getEpochSecond() + 60, Instant.now().getEpochSecond() + 120);
            assertThat(t.ejectAtTokenExp()).isNull();
            assertThat(t.ejectAfterElapsed()).isEqualTo(admitted.maxSessionSeconds() + 60L);
            assertThat(t.isOwner()).isFalse();
            assertThat(t.issuedAt()).isBetween(Instant.now().getEpochSecond() - 60, Instant.now().getEpochSecond());
        });
        assertThat(userToken.userName()).isEqualTo("user");
        assertThat(botToken.userName()).isEqualTo("agent");
        assertThat(reply.token()).isNotEqualTo(bot.token());
        assertThat(worker.daily.admits(id, reply.token())).as("the user can join the room").isTrue();
        assertThat(worker.daily.admits("another-room", reply.token())).as("only that room").isFalse();

        // and: distinct user_ids, "u-"/"b-" + the session's random part, within Daily's 36 characters
        String random = id.substring(id.length() - 26);
        assertThat(userToken.userId()).isEqualTo("u-" + random);
        assertThat(botToken.userId()).isEqualTo("b-" + random);

        // and: the orchestrator got the bot's token (not the user's) and the bearer token
        assertThat(bot.agentId()).isEqualTo("agent-ok");
        assertThat(bot.roomUrl()).isEqualTo(reply.roomUrl());
        assertThat(bot.clientUserRef()).isEqualTo("user-42");
        assertThat(worker.orchestrator.requests()).filteredOn(r -> r.body().contains(id)).isNotEmpty().allSatisfy(r ->
                assertThat(r.authorization()).isEqualTo("Bearer " + worker.orchestrator.token()));

        // and: MarkStarted for the session, keyed by agent id
        List<SessionCommand> commands = worker.commandsFor(id);
        assertThat(commands).singleElement().isInstanceOf(MarkStarted.class);
        assertThat(((MarkStarted) commands.get(0)).roomUrl()).isEqualTo(reply.roomUrl());
        assertThat(worker.commands.records()).filteredOn(r -> r.value().sessionId().equals(id)).singleElement()
                .satisfies(r -> assertThat(r.key()).isEqualTo("agent-ok"));

        // and: no token appears in commands or in the log
        String commandsText = commands.toString();
        for (String token : List.of(reply.token(), bot.token())) {
            assertThat(commandsText).doesNotContain(token);
            assertThat(output.getAll()).doesNotContain(token);
        }
        assertThat(output.getAll()).doesNotContain(worker.daily.apiKey());
    }

    @Test
    void shouldReplyRoomCreationFailedAndReleaseWhenDailyFails() throws Exception {
        // given: Daily answers 500 to every creation of this session's room
        SessionAdmitted admitted = WorkerHarness.admitted("agent-daily-down");
        worker.daily.failNextWhen("POST", "/v1/rooms", call -> call.body().contains(admitted.sessionId()), 100,
                Fault.status(500));

        // when
        worker.publish(admitted);

        // then
        await().atMost(WAIT).until(() -> worker.reply(admitted.sessionId()).isPresent()
                && !worker.commandsFor(admitted.sessionId()).isEmpty());
        assertThat(worker.reply(admitted.sessionId()).orElseThrow().errorCode()).isEqualTo(ErrorCode.ROOM_CREATION_FAILED);
        assertThat(worker.commandsFor(admitted.sessionId())).singleElement()
                .isInstanceOfSatisfying(ReleaseSession.class, r -> assertThat(r.reason()).isEqualTo(EndReason.ROOM_CREATION_FAILED));
        assertThat(roomCreations(worker, admitted.sessionId())).as("limited retries").hasSizeBetween(2, 3);
        assertThat(worker.orchestrator.startCount(admitted.sessionId())).isZero();
    }

    @Test
    void shouldDeleteRoomReplyOrchestratorErrorAndReleaseWhenOrchestratorFails() throws Exception {
        // given: the orchestrator answers 500 to every bot start of this session
        SessionAdmitted admitted = WorkerHarness.admitted("agent-orch-down");
        worker.orchestrator.failNextWhen("POST", "/v1/sessions", call -> call.body().contains(admitted.sessionId()),
                100, Fault.status(500));

        // when
        worker.publish(admitted);

        // then
        String id = admitted.sessionId();
        await().atMost(WAIT).until(() -> worker.reply(id).isPresent() && !worker.commandsFor(id).isEmpty());
        assertThat(worker.reply(id).orElseThrow().errorCode()).isEqualTo(ErrorCode.ORCHESTRATOR_ERROR);
        assertThat(worker.reply(id).orElseThrow().token()).isNull();
        assertThat(worker.commandsFor(id)).singleElement()
                .isInstanceOfSatisfying(ReleaseSession.class, r -> assertThat(r.reason()).isEqualTo(EndReason.ORCHESTRATOR_ERROR));
        assertThat(worker.daily.createdRoomNames()).containsOnlyOnce(id);

        // when: the processor turns the release into a failed fact
        worker.publish(new SessionFailed(id, "agent-orch-down", Instant.now(), ErrorCode.ORCHESTRATOR_ERROR, 0));

        // then: its tear-down removes the room
        await().atMost(WAIT).until(() -> worker.daily.deletedRoomNames().contains(id));
        assertThat(worker.daily.liveRoomNames()).doesNotContain(id);
        assertThat(worker.daily.deletedRoomNames()).containsOnlyOnce(id);
    }

    @Test
    void shouldRetryAfterRateLimitHonouringRetryAfter() throws Exception {
        // given: the first creation of this session's room is rate limited with Retry-After: 1
        SessionAdmitted admitted = WorkerHarness.admitted("agent-429");
        worker.daily.failNextWhen("POST", "/v1/rooms", call -> call.body().contains(admitted.sessionId()), 1,
                Fault.tooManyRequests(Duration.ofSeconds(1)));

        // when
        worker.publish(admitted);

        // then
        await().atMost(WAIT).until(() -> worker.reply(admitted.sessionId()).isPresent());
        assertThat(worker.reply(admitted.sessionId()).orElseThrow().ok()).isTrue();
        var creates = roomCreations(worker, admitted.sessionId());
        assertThat(creates).hasSize(2);
        assertThat(Duration.between(creates.get(0).at(), creates.get(1).at())).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void shouldAnswerRoomCreationFailedWithinTheBudgetWhenDailyHangs() throws Exception {
        // (a worker of its own: a set-up budget of 2 s, Daily's calls timing out after 1 s)
        try (WorkerHarness worker = new WorkerHarness(Map.of("room.setup-budget", "2s", "room.daily.call-timeout", "1s"))) {
            // given: Daily holds every room creation for 20 s
            worker.daily.failNext("POST", "/v1/rooms", 100, Fault.hang(Duration.ofSeconds(20)));
            SessionAdmitted admitted = WorkerHarness.admitted("agent-slow");
            Instant sent = Instant.now();

            // when
            worker.publish(admitted);

            // then: the failure comes within the budget (plus slack for a loaded machine), not after 20 s
            await().atMost(WAIT).until(() -> worker.reply(admitted.sessionId()).isPresent());
            Duration took = Duration.between(sent, Instant.now());
            assertThat(worker.reply(admitted.sessionId()).orElseThrow().errorCode()).isEqualTo(ErrorCode.ROOM_CREATION_FAILED);
            assertThat(took).isLessThan(Duration.ofSeconds(10));
            await().atMost(WAIT).until(() -> !worker.commandsFor(admitted.sessionId()).isEmpty());
            assertThat(worker.commandsFor(admitted.sessionId())).singleElement().isInstanceOf(ReleaseSession.class);
        }
    }

    @Test
    void shouldReuseTheRoomWhenTheSameAdmissionIsDeliveredTwice() throws Exception {
        // given
        int createdMark = worker.daily.createdRoomNames().size();
        SessionAdmitted admitted = WorkerHarness.admitted("agent-redelivery");
        worker.publish(admitted);
        SessionJobs jobs = worker.app.getBean(SessionJobs.class);
        await().atMost(WAIT).until(() -> worker.reply(admitted.sessionId()).isPresent() && jobs.setupsInFlight() == 0);

        // when: the same fact comes again, after its set-up finished
        worker.publish(admitted);

        // then: a second success reply for the same room, and only one room was ever created
        await().atMost(WAIT).until(() -> worker.replies.values().stream()
                .filter(r -> r.sessionId().equals(admitted.sessionId())).count() == 2);
        assertThat(worker.replies.values().stream().filter(r -> r.sessionId().equals(admitted.sessionId())))
                .allSatisfy(r -> assertThat(r.roomUrl()).isEqualTo("https://fake.daily.co/" + admitted.sessionId()));
        List<String> created = worker.daily.createdRoomNames();
        assertThat(created.subList(createdMark, created.size())).as("rooms created in this test")
                .containsExactly(admitted.sessionId());
        assertThat(worker.daily.liveRoomNames()).contains(admitted.sessionId());
    }

    @Test
    void shouldSkipAnAdmissionWhoseDeadlineHasPassed() throws Exception {
        // given: an admission whose caller stopped waiting, then a fresh one as a marker
        SessionAdmitted fresh = WorkerHarness.admitted("agent-late");
        SessionAdmitted late = new SessionAdmitted(WorkerHarness.admitted("agent-late").sessionId(), "agent-late",
                Instant.now().minusSeconds(30), null, 0, 5, 1, 600, Instant.now().minusSeconds(10),
                Instant.now().minusSeconds(1));

        // when
        worker.publish(late, fresh);

        // then: the fresh one is answered, the late one not touched
        await().atMost(WAIT).until(() -> worker.reply(fresh.sessionId()).isPresent());
        assertThat(worker.reply(late.sessionId())).isEmpty();
        assertThat(worker.daily.room(late.sessionId())).isEmpty();
    }

    @Test
    void shouldMintTokensThroughDailyWhenSelfSignedTokensAreOff() throws Exception {
        // given
        WorkerHarness worker = mintingWorker();
        SessionAdmitted admitted = WorkerHarness.admitted("agent-rest-tokens");
        String id = admitted.sessionId();

        // when
        worker.publish(admitted);

        // then: two tokens minted by POST /meeting-tokens for the room, the user's replied, the bot's sent on
        await().atMost(WAIT).until(() -> worker.reply(id).isPresent());
        SessionReply reply = worker.reply(id).orElseThrow();
        assertThat(reply.ok()).isTrue();
        FakeDaily.Room room = worker.daily.room(id).orElseThrow();
        List<FakeDaily.MintedToken> tokens = worker.daily.tokensForRoom(id);
        assertThat(tokens).hasSize(2).allSatisfy(t -> {
            assertThat(t.exp()).isBetween(Instant.now().getEpochSecond() + 60, Instant.now().getEpochSecond() + 120);
            assertThat(t.ejectAtTokenExp()).isNull();
            assertThat(t.ejectAfterElapsed()).isNotNull().isGreaterThan(60L);
            assertThat(t.isOwner()).isFalse();
        });
        FakeDaily.MintedToken userToken = tokens.stream().filter(t -> t.token().equals(reply.token())).findFirst()
                .orElseThrow();
        FakeDaily.MintedToken botToken = tokens.stream().filter(t -> t != userToken).findFirst().orElseThrow();
        assertThat(botToken.userName()).isEqualTo("agent");
        assertThat(worker.orchestrator.session(id).orElseThrow().token()).isEqualTo(botToken.token());
        assertThat(domainLookups(worker)).as("no domain lookup since the worker started").isZero();
    }

    @Test
    void shouldKeepManySessionsInFlightWhenDailyIsSlow() throws Exception {
        // given: Daily takes 300 ms per call, and the time one session alone takes
        WorkerHarness worker = mintingWorker();
        worker.daily.setLatency(Duration.ofMillis(300));
        SessionAdmitted alone = WorkerHarness.admitted("agent-many-alone");
        Instant aloneSent = Instant.now();
        worker.publish(alone);
        await().atMost(WAIT).until(() -> worker.reply(alone.sessionId()).isPresent());
        Duration one = Duration.between(aloneSent, Instant.now());
        List<SessionAdmitted> sessions = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            sessions.add(WorkerHarness.admitted("agent-many-" + (i % 7)));
        }
        Set<String> ids = new HashSet<>(sessions.stream().map(SessionAdmitted::sessionId).toList());
        ids.add(alone.sessionId());
        Instant start = Instant.now();

        // when
        worker.publish(sessions.toArray(SessionAdmitted[]::new));

        // then: all 200 succeed in a small multiple of one session's time, not the sum (200 x ~0.9 s = 180 s);
        // the bound (a tenth of the sum) leaves room for a loaded 2-core machine
        await().atMost(Duration.ofSeconds(90)).until(() -> repliesTo(worker, ids).size() >= 201);
        Duration took = Duration.between(start, Instant.now());
        assertThat(repliesTo(worker, ids)).allSatisfy(r -> assertThat(r.ok()).isTrue());
        assertThat(worker.daily.createdRoomNames()).filteredOn(ids::contains).hasSize(201);
        assertThat(took).as("200 sessions vs one session (%s)", one).isLessThan(one.multipliedBy(20));
        // (set-ups one after another would have one call in flight; 48 were seen on a loaded machine; the other
        // test of this worker has at most one)
        assertThat(worker.daily.maxInFlight()).as("Daily calls in flight at once").isGreaterThanOrEqualTo(20);
    }

    private static List<SessionReply> repliesTo(WorkerHarness worker, Set<String> sessionIds) {
        return worker.replies.values().stream().filter(r -> sessionIds.contains(r.sessionId())).toList();
    }

    /** Calls of Daily's domain configuration endpoint ({@code GET /v1/}). */
    static long domainLookups(WorkerHarness worker) {
        return worker.daily.requests().stream().filter(r -> r.method().equals("GET") && r.path().equals("/v1/")).count();
    }

    /** The creation calls ({@code POST /v1/rooms}) of the room of {@code sessionId}. */
    private static List<RecordedRequest> roomCreations(WorkerHarness worker, String sessionId) {
        return worker.daily.requests().stream().filter(r -> r.method().equals("POST") && r.path().equals("/v1/rooms")
                && r.body().contains(sessionId)).toList();
    }
}
