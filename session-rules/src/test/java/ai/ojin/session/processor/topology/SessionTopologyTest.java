package ai.ojin.session.processor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.events.agent.AgentStatus;
import ai.ojin.session.rules.audit.AuditCheck;
import ai.ojin.session.rules.audit.AuditReport;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.Heartbeat;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionFailed;
import ai.ojin.session.events.fact.SessionRejected;
import ai.ojin.session.events.fact.SessionRequested;
import ai.ojin.session.events.fact.SessionStarted;
import ai.ojin.session.events.reply.ErrorCode;
import ai.ojin.session.events.reply.SessionReply;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionTopologyTest extends DriverPerTest {

    @Test
    void shouldAdmitWhileBelowTheLimitWithTheLimitInForceAndAStartLease() {
        // given
        driver.agent("alpha", AgentStatus.PUBLISHED, 2, 900);
        Instant now = driver.now();

        // when
        String session = driver.request("alpha", 3);

        // then
        List<SessionEvent> facts = driver.facts();
        assertThat(facts).hasSize(2);
        assertThat(facts.get(0)).isInstanceOfSatisfying(SessionRequested.class, r -> {
            assertThat(r.sessionId()).isEqualTo(session);
            assertThat(r.clientUserRef()).isEqualTo("user-1");
            assertThat(r.origin()).isEqualTo("https://example.com");
        });
        assertThat(facts.get(1)).isInstanceOfSatisfying(SessionAdmitted.class, a -> {
            assertThat(a.sessionId()).isEqualTo(session);
            assertThat(a.agentId()).isEqualTo("alpha");
            assertThat(a.maxConcurrency()).isEqualTo(2);
            assertThat(a.activeAfter()).isEqualTo(1);
            assertThat(a.maxSessionSeconds()).isEqualTo(900);
            assertThat(a.replyPartition()).isEqualTo(3);
            assertThat(a.clientUserRef()).isEqualTo("user-1");
            assertThat(a.at()).isEqualTo(now);
            assertThat(a.leaseUntil()).isEqualTo(now.plusSeconds(30));
            assertThat(a.deadline()).isEqualTo(now.plusSeconds(10));
        });
        assertThat(driver.replies()).as("the room-worker answers an admission").isEmpty();
    }

    @Test
    void shouldRejectAtTheLimitWithRetryAfterUntilTheEarliestLeaseRoundedUp() {
        // given: two admitted sessions, leases ending at +30 s and +40 s
        driver.agent("alpha", 2);
        driver.request("alpha");
        driver.advance(Duration.ofSeconds(10));
        driver.request("alpha");
        driver.advance(Duration.ofMillis(4_500));
        driver.facts();

        // when: 14.5 s after the first admission
        String rejected = driver.request("alpha", 1);

        // then
        List<SessionEvent> facts = driver.facts();
        assertThat(facts).hasSize(2).first().isInstanceOf(SessionRequested.class);
        assertThat(facts.get(1)).isInstanceOfSatisfying(SessionRejected.class, r -> {
            assertThat(r.errorCode()).isEqualTo(ErrorCode.CONCURRENCY_LIMIT);
            assertThat(r.retryAfterSeconds()).isEqualTo(16);
            assertThat(r.maxConcurrency()).isEqualTo(2);
            assertThat(r.active()).isEqualTo(2);
        });
        assertThat(driver.replies()).singleElement().satisfies(reply -> {
            assertThat(reply.sessionId()).isEqualTo(rejected);
            assertThat(reply.errorCode()).isEqualTo(ErrorCode.CONCURRENCY_LIMIT);
            assertThat(reply.retryAfterSeconds()).isEqualTo(16);
            assertThat(reply.message()).isNotBlank();
        });
    }

    @Test
    void shouldClampRetryAfterToTheMaximumWhenTheEarliestLeaseIsFarAway() {
        // given: the only session started, so its lease runs for 600 s + grace
        driver.agent("alpha", 1);
        String session = driver.request("alpha");
        driver.markStarted(session);

        // when
        driver.request("alpha");

        // then
        assertThat(driver.replies()).singleElement()
                .satisfies(reply -> assertThat(reply.retryAfterSeconds()).isEqualTo(60));
    }

    @Test
    void shouldAnswerRetryAfterOfAtLeastOneSecondWhenTheLeaseIsAboutToEnd() {
        // given: a lease ending in 300 ms (the punctuator has not run yet in this window)
        driver.close();
        driver = new ProcessorDriver(LeaseSettings.DEFAULTS.withPunctuateInterval(Duration.ofMinutes(5)), stateDir);
        driver.agent("alpha", 1);
        driver.request("alpha");
        driver.advance(Duration.ofMillis(29_700));

        // when
        driver.request("alpha");

        // then
        assertThat(driver.replies()).singleElement()
                .satisfies(reply -> assertThat(reply.retryAfterSeconds()).isEqualTo(1));
    }

    @Test
    void shouldApplyLimitsPerAgentIndependently() {
        // given
        driver.agent("alpha", 1);
        driver.agent("beta", 2);

        // when
        driver.request("alpha");
        driver.request("beta");
        driver.request("alpha");
        driver.request("beta");
        driver.request("beta");

        // then
        List<SessionEvent> facts = driver.facts();
        assertThat(admitted(facts, "alpha")).isEqualTo(1);
        assertThat(admitted(facts, "beta")).isEqualTo(2);
        assertThat(rejected(facts, ErrorCode.CONCURRENCY_LIMIT)).extracting(SessionEvent::agentId)
                .containsExactly("alpha", "beta");
        assertAudited();
    }

    @Test
    void shouldRejectAnUnknownAgentWithAnErrorReply() {
        // given
        driver.agent("alpha", 1);

        // when
        String session = driver.request("ghost", 2);

        // then
        assertThat(rejected(driver.facts(), ErrorCode.AGENT_NOT_FOUND)).singleElement()
                .satisfies(r -> assertThat(r.retryAfterSeconds()).isNull());
        assertThat(driver.replies()).singleElement().satisfies(reply -> {
            assertThat(reply.sessionId()).isEqualTo(session);
            assertThat(reply.errorCode()).isEqualTo(ErrorCode.AGENT_NOT_FOUND);
            assertThat(reply.retryAfterSeconds()).isNull();
        });
    }

    @Test
    void shouldRejectADeletedAgentAsUnknown() {
        // given
        driver.agent("alpha", 1);
        driver.deleteAgent("alpha");

        // when
        driver.request("alpha");

        // then
        assertThat(rejected(driver.facts(), ErrorCode.AGENT_NOT_FOUND)).hasSize(1);
    }

    @Test
    void shouldRejectAnUnpublishedAgent() {
        // given
        driver.agent("alpha", AgentStatus.UNPUBLISHED, 5, 600);

        // when
        driver.request("alpha");

        // then
        assertThat(rejected(driver.facts(), ErrorCode.AGENT_UNPUBLISHED)).hasSize(1);
        assertThat(driver.replies()).extracting(SessionReply::errorCode).containsExactly(ErrorCode.AGENT_UNPUBLISHED);
    }

    @Test
    void shouldApplyALoweredLimitToTheNextRequest() {
        // given: two live sessions under a limit of 3
        driver.agent("alpha", 3);
        String first = driver.request("alpha");
        driver.request("alpha");

        // when: the limit drops to 2, a request comes, then one session ends and another request comes
        driver.agent("alpha", 2);
        driver.request("alpha");
        driver.release(first, EndReason.MEETING_ENDED, null);
        driver.request("alpha");

        // then
        List<SessionEvent> facts = driver.facts();
        assertThat(rejected(facts, ErrorCode.CONCURRENCY_LIMIT)).singleElement()
                .satisfies(r -> assertThat(r.maxConcurrency()).isEqualTo(2));
        assertThat(facts.stream().filter(SessionAdmitted.class::isInstance).map(SessionAdmitted.class::cast))
                .extracting(SessionAdmitted::maxConcurrency, SessionAdmitted::activeAfter)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(3, 1), org.assertj.core.groups.Tuple.tuple(3, 2),
                        org.assertj.core.groups.Tuple.tuple(2, 2));
        assertAudited();
    }

    @Test
    void shouldIgnoreADuplicateRequestForAKnownSession() {
        // given
        driver.agent("alpha", 1);
        String admitted = driver.request("alpha");
        String rejected = driver.request("alpha");
        driver.facts();
        driver.replies();

        // when
        driver.request(admitted, "alpha", 0, driver.now().plusSeconds(10));
        driver.request(rejected, "alpha", 0, driver.now().plusSeconds(10));

        // then
        assertThat(driver.facts()).isEmpty();
        assertThat(driver.replies()).isEmpty();
        assertAudited();
    }

    @Test
    void shouldRejectARequestThatArrivesAfterItsDeadlineWithoutTakingASlot() {
        // given
        driver.agent("alpha", 1);

        // when
        String late = "alpha_" + "a".repeat(26);
        driver.request(late, "alpha", 1, driver.now().minusMillis(1));
        String next = driver.request("alpha");

        // then
        List<SessionEvent> facts = driver.facts();
        assertThat(rejected(facts, ErrorCode.INTERNAL_ERROR)).extracting(SessionEvent::sessionId).containsExactly(late);
        assertThat(facts).filteredOn(SessionAdmitted.class::isInstance).extracting(SessionEvent::sessionId)
                .containsExactly(next);
        assertThat(driver.replies()).singleElement().satisfies(reply -> {
            assertThat(reply.sessionId()).isEqualTo(late);
            assertThat(reply.errorCode()).isEqualTo(ErrorCode.INTERNAL_ERROR);
        });
    }

    @Test
    void shouldGiveAStartedSessionTheJoinLease() {
        // given: agent sessions last 100 s; the join timeout is 60 s
        driver.agent("alpha", AgentStatus.PUBLISHED, 1, 100);
        String session = driver.request("alpha");
        driver.advance(Duration.ofSeconds(5));
        Instant startedAt = driver.now();

        // when
        driver.markStarted(session);
        driver.advance(Duration.ofSeconds(40)); // well past the 30 s start lease

        // then
        List<SessionEvent> facts = driver.facts();
        assertThat(facts).filteredOn(SessionStarted.class::isInstance).singleElement()
                .isInstanceOfSatisfying(SessionStarted.class, s -> {
                    assertThat(s.leaseUntil()).isEqualTo(startedAt.plusSeconds(60));
                    assertThat(s.roomName()).isEqualTo(session);
                });
        assertThat(facts).noneMatch(SessionEnded.class::isInstance);
        assertAudited();
    }

    @Test
    void shouldIgnoreADuplicateMarkStarted() {
        // given
        driver.agent("alpha", 1);
        String session = driver.request("alpha");
        driver.markStarted(session);
        driver.facts();

        // when
        driver.markStarted(session);

        // then
        assertThat(driver.facts()).isEmpty();
    }

    @Test
    void shouldExpireTheStartLeaseOfASessionNeverStartedAndFreeItsSlot() {
        // given
        driver.agent("alpha", 1);
        String session = driver.request("alpha");

        // when: just before and just after the 30 s start lease
        driver.advance(Duration.ofSeconds(29));
        List<SessionEvent> before = driver.facts();
        driver.advance(Duration.ofSeconds(2));
        List<SessionEvent> after = driver.facts();
        String next = driver.request("alpha");

        // then
        assertThat(before).noneMatch(SessionEnded.class::isInstance);
        assertThat(after).singleElement().isInstanceOfSatisfying(SessionEnded.class, e -> {
            assertThat(e.sessionId()).isEqualTo(session);
            assertThat(e.reason()).isEqualTo(EndReason.LEASE_EXPIRED);
        });
        assertThat(driver.facts()).filteredOn(SessionAdmitted.class::isInstance).extracting(SessionEvent::sessionId)
                .containsExactly(next);
        assertAudited();
    }

    @Test
    void shouldDoNothingForAMarkStartedThatArrivesAfterExpiry() {
        // given
        driver.agent("alpha", 1);
        String session = driver.request("alpha");
        driver.advance(Duration.ofSeconds(31));
        driver.facts();

        // when
        driver.markStarted(session);
        driver.advance(Duration.ofMinutes(20));

        // then
        assertThat(driver.facts()).isEmpty();
        assertAudited();
    }

    @Test
    void shouldFreeTheSlotOnceWhenReleasedTwice() {
        // given
        driver.agent("alpha", 1);
        String session = driver.request("alpha");
        driver.markStarted(session);
        driver.facts();

        // when
        driver.release(session, EndReason.MEETING_ENDED, null);
        driver.release(session, EndReason.END_CALL, null);
        driver.advance(Duration.ofHours(1));
        driver.release(session, EndReason.MEETING_ENDED, null);

        // then
        assertThat(driver.facts()).singleElement().isInstanceOfSatisfying(SessionEnded.class, e -> {
            assertThat(e.reason()).isEqualTo(EndReason.MEETING_ENDED);
            assertThat(e.activeAfter()).isZero();
        });
        driver.request("alpha");
        assertThat(driver.facts()).filteredOn(SessionAdmitted.class::isInstance).hasSize(1);
        assertAudited();
    }

    @Test
    void shouldWriteAFailedFactForAFailureRelease() {
        // given
        driver.agent("alpha", 2);
        driver.request("alpha");
        String session = driver.request("alpha");
        driver.facts();

        // when
        driver.release(session, EndReason.ORCHESTRATOR_ERROR, null);

        // then
        assertThat(driver.facts()).singleElement().isInstanceOfSatisfying(SessionFailed.class, f -> {
            assertThat(f.sessionId()).isEqualTo(session);
            assertThat(f.errorCode()).isEqualTo(ErrorCode.ORCHESTRATOR_ERROR);
            assertThat(f.activeAfter()).isEqualTo(1);
        });
        assertThat(driver.replies()).isEmpty();
    }

    @Test
    void shouldAnswerAnEndCallWithSuccessForALiveSessionAndNotFoundAfterwards() {
        // given
        driver.agent("alpha", 1);
        String session = driver.request("alpha");

        // when
        driver.release(session, EndReason.END_CALL, 2);
        driver.release(session, EndReason.END_CALL, 2);
        driver.release("alpha_" + "b".repeat(26), EndReason.END_CALL, 1);

        // then
        List<SessionReply> replies = driver.replies();
        assertThat(replies).extracting(SessionReply::errorCode)
                .containsExactly(null, ErrorCode.SESSION_NOT_FOUND, ErrorCode.SESSION_NOT_FOUND);
        assertThat(replies.get(0).sessionId()).isEqualTo(session);
        assertThat(replies.get(0).token()).isNull();
        assertThat(driver.facts()).filteredOn(SessionEnded.class::isInstance).hasSize(1);
    }

    @Test
    void shouldPurgeTombstonesAfterTheRetention() {
        // given
        driver.agent("alpha", 1);
        String session = driver.request("alpha");
        driver.release(session, EndReason.MEETING_ENDED, null);
        assertThat(driver.store(SessionTopology.SESSIONS_STORE).get(session)).isNotNull();

        // when
        driver.advance(Duration.ofMinutes(10).plusSeconds(2));

        // then
        assertThat(driver.store(SessionTopology.SESSIONS_STORE).get(session)).isNull();
        assertThat(driver.count(SessionTopology.SESSIONS_STORE)).isZero();
        assertThat(driver.count(SessionTopology.EXPIRY_STORE)).isZero();
        assertThat(driver.count(SessionTopology.LEASES_STORE)).isZero();
        assertThat(driver.count(SessionTopology.ACTIVE_STORE)).isZero();
    }

    @Test
    void shouldKeepTheInvariantThroughAMixedLifecycle() {
        // given
        driver.agent("alpha", 3);
        driver.agent("beta", 1);

        // when: a long mix of requests, starts, releases and expiries
        for (int round = 0; round < 20; round++) {
            String a = driver.request("alpha");
            String b = driver.request("beta");
            if (round % 2 == 0) {
                driver.markStarted(a);
            }
            if (round % 3 == 0) {
                driver.release(b, EndReason.MEETING_ENDED, null);
            }
            if (round % 5 == 0) {
                driver.release(a, EndReason.ROOM_CREATION_FAILED, null);
            }
            driver.advance(Duration.ofSeconds(7));
        }

        // then
        List<SessionEvent> facts = driver.allFacts();
        AuditReport report = AuditCheck.check(facts);
        assertThat(report.ok()).as(report.toString()).isTrue();
        assertThat(report.maxActiveByAgent()).containsEntry("alpha", 3).containsEntry("beta", 1);
        assertThat(facts).anyMatch(f -> f instanceof SessionEnded e && e.reason() == EndReason.LEASE_EXPIRED);
        assertThat(facts).anyMatch(f -> f instanceof SessionRejected);
    }

    @Test
    void shouldAnswerAHeartbeatOnItsReplyPartitionAndChangeNothing() {
        // given
        driver.agent("alpha", AgentStatus.PUBLISHED, 1, 900);
        String heartbeatId = Heartbeat.ID_PREFIX + "test-1";

        // when
        driver.command(new Heartbeat(heartbeatId, "hb-0", driver.now(), 2));

        // then
        assertThat(driver.replies()).singleElement().satisfies(reply -> {
            assertThat(reply.sessionId()).isEqualTo(heartbeatId);
            assertThat(reply.ok()).isTrue();
        });
        assertThat(driver.facts()).isEmpty();
        assertThat(driver.count(SessionTopology.SESSIONS_STORE)).isZero();
    }

    private void assertAudited() {
        AuditReport report = AuditCheck.check(driver.allFacts());
        assertThat(report.ok()).as(report.toString()).isTrue();
    }

    private static long admitted(List<SessionEvent> facts, String agentId) {
        return facts.stream().filter(f -> f instanceof SessionAdmitted && f.agentId().equals(agentId)).count();
    }

    private static List<SessionRejected> rejected(List<SessionEvent> facts, ErrorCode code) {
        return facts.stream().filter(SessionRejected.class::isInstance).map(SessionRejected.class::cast)
                .filter(r -> r.errorCode() == code).toList();
    }
}
