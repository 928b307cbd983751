package ai.ojin.session.processor.topology;

import static org.assertj.core.api.Assertions.assertThat;

import ai.ojin.session.events.command.EndReason;
import ai.ojin.session.events.command.ParticipantPresence;
import ai.ojin.session.events.command.ParticipantPresence.Change;
import ai.ojin.session.events.command.ParticipantPresence.Role;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The lease rules alone: a pure function of state, command and time (ms). */
class LeaseRulesTest {

    private static final long T0 = 1_000_000;
    private final LeaseRules rules = new LeaseRules(LeaseSettings.DEFAULTS.withJoinTimeouts(Duration.ofSeconds(45),
            Duration.ofSeconds(20)));

    @Test
    void shouldStartWithTheJoinLeaseAndEndAsNoShow() {
        // given
        SessionState admitted = SessionState.admitted("a", rules.admittedUntil(T0), 300, null);

        // when
        SessionState started = admitted.started(rules.startedUntil(admitted, T0 + 1_000));

        // then
        assertThat(admitted.until()).isEqualTo(T0 + 30_000);
        assertThat(started.until()).isEqualTo(T0 + 46_000);
        assertThat(rules.expiryReason(admitted)).isEqualTo(EndReason.LEASE_EXPIRED);
        assertThat(rules.expiryReason(started)).isEqualTo(EndReason.NO_SHOW);
    }

    @Test
    void shouldUseDailysJoinTimeButNeverOneInTheFuture() {
        // given
        SessionState started = started();

        // when
        SessionState early = rules.presence(started, presence(Role.USER, Change.JOINED, "p1", T0 + 500), T0 + 2_000).next();
        SessionState future = rules.presence(started, presence(Role.USER, Change.JOINED, "p1", T0 + 9_000), T0 + 2_000).next();

        // then: first join + 300 s + 30 s grace
        assertThat(early.until()).isEqualTo(T0 + 500 + 330_000);
        assertThat(future.until()).isEqualTo(T0 + 2_000 + 330_000);
        assertThat(rules.expiryReason(early)).isEqualTo(EndReason.LEASE_EXPIRED);
    }

    @Test
    void shouldCapTheRejoinLeaseAtTheSessionLease() {
        // given: the user joined at T0 and leaves 325 s later, 5 s before the session lease ends
        SessionState joined = rules.presence(started(), presence(Role.USER, Change.JOINED, "p1", T0), T0).next();

        // when
        LeaseRules.Presence left = rules.presence(joined, presence(Role.USER, Change.LEFT, "p1", T0 + 325_000), T0 + 325_000);

        // then
        assertThat(left.recorded()).isTrue();
        assertThat(left.next().until()).isEqualTo(T0 + 330_000);
        assertThat(rules.expiryReason(left.next())).isEqualTo(EndReason.USER_LEFT);
    }

    @Test
    void shouldKeepTheSessionLeaseWhileAnotherUserParticipantStaysIn() {
        // given: the user is in the room twice (two tabs)
        SessionState one = rules.presence(started(), presence(Role.USER, Change.JOINED, "p1", T0), T0).next();
        SessionState two = rules.presence(one, presence(Role.USER, Change.JOINED, "p2", T0 + 1_000), T0 + 1_000).next();

        // when: one tab closes
        SessionState left = rules.presence(two, presence(Role.USER, Change.LEFT, "p1", T0 + 5_000), T0 + 5_000).next();

        // then
        assertThat(left.until()).isEqualTo(two.until()).isEqualTo(T0 + 330_000);
    }

    @Test
    void shouldRememberALeaveSeenBeforeItsJoinWithoutRecordingIt() {
        // when
        LeaseRules.Presence early = rules.presence(started(), presence(Role.USER, Change.LEFT, "p1", T0), T0);

        // then
        assertThat(early.recorded()).isFalse();
        assertThat(early.next().until()).isEqualTo(started().until());
        assertThat(rules.presence(early.next(), presence(Role.USER, Change.JOINED, "p1", T0), T0 + 10)).isNull();
        assertThat(rules.presence(early.next(), presence(Role.USER, Change.LEFT, "p1", T0), T0 + 10)).isNull();
    }

    @Test
    void shouldBoundWhatASessionRemembers() {
        // given
        SessionState state = started();

        // when: many participants come and go
        for (int i = 0; i < 100; i++) {
            state = rules.presence(state, presence(Role.BOT, Change.JOINED, "b" + i, T0), T0).next();
            state = rules.presence(state, presence(Role.BOT, Change.LEFT, "b" + i, T0), T0).next();
        }

        // then
        assertThat(state.departed()).hasSize(SessionState.MAX_TRACKED).endsWith("b99");
        assertThat(state.present()).isEmpty();
    }

    private SessionState started() {
        SessionState admitted = SessionState.admitted("a", rules.admittedUntil(T0), 300, null);
        return admitted.started(rules.startedUntil(admitted, T0));
    }

    private static ParticipantPresence presence(Role role, Change change, String id, long at) {
        return new ParticipantPresence("a_" + "x".repeat(26), "a", role, change, id, Instant.ofEpochMilli(at));
    }
}
