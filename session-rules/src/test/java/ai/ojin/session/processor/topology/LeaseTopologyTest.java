package ai.ojin.session.processor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.events.agent.AgentStatus;
import ai.ojin.session.rules.audit.AuditCheck;
import ai.ojin.session.rules.audit.AuditReport;
import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ParticipantPresence.Change;
import ai.ojin.session.events.command.ParticipantPresence.Role;
import ai.ojin.session.events.fact.ParticipantJoined;
import ai.ojin.session.events.fact.ParticipantLeft;
import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionStarted;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The leases that follow what the user does, through the topology: join lease (60 s) after the
 * start, session lease once the user joined (max 100 s + grace 30 s here), rejoin lease (30 s)
 * after the user left; the punctuator runs every second.
 */
class LeaseTopologyTest extends DriverPerTest {

    @Override
    void given(ProcessorDriver driver) {
        driver.agent("alpha", AgentStatus.PUBLISHED, 1, 100);
    }

    @Test
    void shouldEndAStartedSessionNobodyJoinsAsNoShowAtTheJoinTimeoutAndFreeItsSlotOnce() {
        // given
        String session = startedSession();

        // when: just before and just after the join timeout
        driver.advance(Duration.ofSeconds(59));
        List<SessionEvent> before = driver.facts();
        driver.advance(Duration.ofSeconds(2));
        List<SessionEvent> after = driver.facts();
        driver.advance(Duration.ofMinutes(5));

        // then
        assertThat(before).isEmpty();
        assertThat(after).singleElement().isInstanceOfSatisfying(SessionEnded.class, e -> {
            assertThat(e.sessionId()).isEqualTo(session);
            assertThat(e.reason()).isEqualTo(EndReason.NO_SHOW);
            assertThat(e.activeAfter()).isZero();
        });
        assertThat(driver.facts()).isEmpty();
        assertThat(admittedAfterRequest()).isTrue();
        assertAudited();
    }

    @Test
    void shouldExtendTheLeaseToTheSessionLengthWhenTheUserJoins() {
        // given
        String session = startedSession();
        driver.advance(Duration.ofSeconds(20));
        Instant joinedAt = driver.now();

        // when
        driver.participant(session, Role.USER, Change.JOINED, "p-user");
        driver.advance(Duration.ofSeconds(100)); // far past the join timeout, before joined + 130 s

        // then
        assertThat(driver.facts()).singleElement().isInstanceOfSatisfying(ParticipantJoined.class, j -> {
            assertThat(j.role()).isEqualTo(Role.USER);
            assertThat(j.participantId()).isEqualTo("p-user");
            assertThat(j.joinedAt()).isEqualTo(joinedAt);
            assertThat(j.leaseUntil()).isEqualTo(joinedAt.plusSeconds(130));
        });
        assertThat(rejectedRetryAfter()).as("retry-after follows the session lease").isEqualTo(30);

        // and when the session lease runs out
        driver.advance(Duration.ofSeconds(31));

        // then
        assertThat(driver.facts()).singleElement().isInstanceOfSatisfying(SessionEnded.class,
                e -> assertThat(e.reason()).isEqualTo(EndReason.LEASE_EXPIRED));
        assertAudited();
    }

    @Test
    void shouldNotExtendTheLeaseWhenOnlyTheBotJoins() {
        // given
        String session = startedSession();
        Instant joinLeaseEnd = driver.now().plusSeconds(60);

        // when
        driver.participant(session, Role.BOT, Change.JOINED, "p-bot");
        driver.advance(Duration.ofSeconds(61));

        // then: the bot's join is recorded, with the join lease unchanged, and the session is a no-show
        List<SessionEvent> facts = driver.facts();
        assertThat(facts).hasSize(2);
        assertThat(facts.get(0)).isInstanceOfSatisfying(ParticipantJoined.class, j -> {
            assertThat(j.role()).isEqualTo(Role.BOT);
            assertThat(j.leaseUntil()).isEqualTo(joinLeaseEnd);
        });
        assertThat(facts.get(1)).isInstanceOfSatisfying(SessionEnded.class,
                e -> assertThat(e.reason()).isEqualTo(EndReason.NO_SHOW));
        assertAudited();
    }

    @Test
    void shouldEndTheSessionAsUserLeftWhenTheUserDoesNotComeBackWithinTheRejoinTimeout() {
        // given: the user and the bot are in the room
        String session = startedSession();
        driver.participant(session, Role.BOT, Change.JOINED, "p-bot");
        driver.participant(session, Role.USER, Change.JOINED, "p-user");
        driver.advance(Duration.ofSeconds(10));
        driver.facts();
        Instant leftAt = driver.now();

        // when: the user leaves (the bot stays)
        driver.participant(session, Role.USER, Change.LEFT, "p-user");
        driver.advance(Duration.ofSeconds(29));
        List<SessionEvent> before = driver.facts();
        driver.advance(Duration.ofSeconds(2));

        // then
        assertThat(before).singleElement().isInstanceOfSatisfying(ParticipantLeft.class, l -> {
            assertThat(l.role()).isEqualTo(Role.USER);
            assertThat(l.leaseUntil()).isEqualTo(leftAt.plusSeconds(30));
        });
        assertThat(driver.facts()).singleElement().isInstanceOfSatisfying(SessionEnded.class, e -> {
            assertThat(e.reason()).isEqualTo(EndReason.USER_LEFT);
            assertThat(e.activeAfter()).isZero();
        });
        assertAudited();
    }

    @Test
    void shouldKeepTheSessionWhenTheUserJoinsAgainWithinTheRejoinTimeout() {
        // given: the user joined at +0 and left at +10 s
        String session = startedSession();
        Instant firstJoin = driver.now();
        driver.participant(session, Role.USER, Change.JOINED, "p-user-1");
        driver.advance(Duration.ofSeconds(10));
        driver.participant(session, Role.USER, Change.LEFT, "p-user-1");
        driver.advance(Duration.ofSeconds(20));
        driver.facts();

        // when: the user comes back (a new Daily participant) and stays
        driver.participant(session, Role.USER, Change.JOINED, "p-user-2");
        driver.advance(Duration.ofSeconds(60));

        // then: the lease is the session lease of the first join again, not a new one
        assertThat(driver.facts()).singleElement().isInstanceOfSatisfying(ParticipantJoined.class,
                j -> assertThat(j.leaseUntil()).isEqualTo(firstJoin.plusSeconds(130)));
        driver.advance(Duration.ofSeconds(41));
        assertThat(driver.facts()).singleElement().isInstanceOfSatisfying(SessionEnded.class,
                e -> assertThat(e.reason()).isEqualTo(EndReason.LEASE_EXPIRED));
        assertAudited();
    }

    @Test
    void shouldIgnoreDuplicateAndOutOfOrderWebhooks() {
        // given
        String session = startedSession();
        driver.participant(session, Role.USER, Change.JOINED, "p-1");
        driver.facts();

        // when: the same join again, a leave of someone never seen, then that one's late join
        driver.participant(session, Role.USER, Change.JOINED, "p-1");
        driver.participant(session, Role.USER, Change.LEFT, "p-early");
        driver.participant(session, Role.USER, Change.JOINED, "p-early");
        driver.participant(session, Role.USER, Change.LEFT, "p-early");

        // then: nothing was written and the lease is still the session lease
        assertThat(driver.facts()).isEmpty();
        assertThat(rejectedRetryAfter()).isEqualTo(60);

        // and when p-1 leaves twice, and its join is delivered once more after that
        driver.participant(session, Role.USER, Change.LEFT, "p-1");
        driver.participant(session, Role.USER, Change.LEFT, "p-1");
        driver.participant(session, Role.USER, Change.JOINED, "p-1");

        // then: one left fact, and the session ends as user_left at the rejoin timeout
        assertThat(driver.facts()).singleElement().isInstanceOf(ParticipantLeft.class);
        driver.advance(Duration.ofSeconds(31));
        assertThat(driver.facts()).singleElement().isInstanceOfSatisfying(SessionEnded.class,
                e -> assertThat(e.reason()).isEqualTo(EndReason.USER_LEFT));

        // and webhooks for the ended session change nothing
        driver.participant(session, Role.USER, Change.JOINED, "p-3");
        driver.advance(Duration.ofMinutes(5));
        assertThat(driver.facts()).isEmpty();
        assertAudited();
    }

    @Test
    void shouldGiveTheSessionLeaseAtTheStartWhenTheUserJoinedBeforeTheStartWasRecorded() {
        // given: the join webhook overtakes the worker's mark-started
        String session = driver.request("alpha");
        Instant joinedAt = driver.now();
        driver.participant(session, Role.USER, Change.JOINED, "p-user");
        driver.advance(Duration.ofSeconds(2));

        // when
        driver.markStarted(session);
        driver.advance(Duration.ofSeconds(90));

        // then
        List<SessionEvent> facts = driver.facts();
        assertThat(facts).filteredOn(ParticipantJoined.class::isInstance).singleElement()
                .isInstanceOfSatisfying(ParticipantJoined.class,
                        j -> assertThat(j.leaseUntil()).as("the start lease still runs").isEqualTo(joinedAt.plusSeconds(30)));
        assertThat(facts).filteredOn(SessionStarted.class::isInstance).singleElement()
                .isInstanceOfSatisfying(SessionStarted.class,
                        s -> assertThat(s.leaseUntil()).isEqualTo(joinedAt.plusSeconds(130)));
        assertThat(facts).noneMatch(SessionEnded.class::isInstance);
        assertAudited();
    }

    @Test
    void shouldKeepTheLeasesOfRestoredSessionsAfterARestart() {
        // given: a session whose user joined, and a closed driver (state is in the changelogged store)
        String session = startedSession();
        driver.participant(session, Role.USER, Change.JOINED, "p-user");
        driver.facts();
        driver.close();

        // when: a new driver on the same state directory
        driver = new ProcessorDriver(stateDir);
        driver.advance(Duration.ofSeconds(61));

        // then: no no-show at the join timeout: the restored state knows the user joined
        assertThat(driver.facts()).isEmpty();
    }

    /** An admitted and started session of {@code alpha} (limit 1); its facts are consumed. */
    private String startedSession() {
        String session = driver.request("alpha");
        driver.markStarted(session);
        assertThat(driver.facts()).filteredOn(SessionStarted.class::isInstance).hasSize(1);
        return session;
    }

    private boolean admittedAfterRequest() {
        driver.request("alpha");
        return driver.facts().stream().anyMatch(SessionAdmitted.class::isInstance);
    }

    private Integer rejectedRetryAfter() {
        driver.request("alpha");
        driver.facts();
        return driver.replies().get(0).retryAfterSeconds();
    }

    private void assertAudited() {
        AuditReport report = AuditCheck.check(driver.allFacts());
        assertThat(report.ok()).as(report.toString()).isTrue();
    }
}
