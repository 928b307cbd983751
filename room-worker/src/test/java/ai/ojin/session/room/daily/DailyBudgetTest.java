package ai.ojin.session.room.daily;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.ojin.session.room.config.RoomProperties;
import ai.ojin.session.room.time.VirtualTime;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

@ExtendWith(OutputCaptureExtension.class)
class DailyBudgetTest {

    private static final RoomProperties.Limits DAILY = new RoomProperties.Limits(true, "20/1s,100/5s", "2/1s,50/30s",
            java.time.Duration.ofSeconds(5));

    private final VirtualTime time = new VirtualTime();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void shouldGiveEachFamilyItsSafeRateTimesTheShareAndRouteRoomDeletesToTheDeleteFamily() {
        // when: a budget with a third of Daily's limits
        DailyBudget budget = new DailyBudget(DAILY, 1.0 / 3, meters, time, time.delayer());

        // then: 19/s and 1.58/s for the whole domain, a third of each here
        assertThat(budget.limiter(DailyBudget.Family.STANDARD).rate()).isCloseTo(19.0 / 3, within(1e-9));
        assertThat(budget.limiter(DailyBudget.Family.DELETE).rate()).isCloseTo(0.95 * 50 / 30 / 3, within(1e-9));
        assertThat(budget.of(HttpDailyApi.DELETE_ROOM)).isSameAs(budget.limiter(DailyBudget.Family.DELETE));
        assertThat(budget.of("close_room")).isSameAs(budget.limiter(DailyBudget.Family.STANDARD));
        assertThat(budget.of("create_room")).isSameAs(budget.limiter(DailyBudget.Family.STANDARD));
        assertThat(meters.get("room.http.rate_limit.rate").tag("api", "daily").tag("family", "delete").gauge().value())
                .isCloseTo(0.95 * 50 / 30 / 3, within(1e-9));
        assertThat(meters.get("room.http.rate_limit.waiting").tag("family", "standard").gauge().value()).isZero();
    }

    @Test
    void shouldFollowTheShareAndLogEachChangeOnce(CapturedOutput output) {
        // given
        DailyBudget budget = new DailyBudget(DAILY, 1.0 / 3, meters, time, time.delayer());
        assertThat(output.getAll()).contains("Daily rate budget at start: 33% of the domain's limits");

        // when: the worker gets two of three partitions, told twice
        budget.setShare(2.0 / 3);
        budget.setShare(2.0 / 3);

        // then: twice the rates, logged once
        assertThat(budget.limiter(DailyBudget.Family.STANDARD).rate()).isCloseTo(19.0 * 2 / 3, within(1e-9));
        assertThat(budget.limiter(DailyBudget.Family.DELETE).rate()).isCloseTo(0.95 * 50 / 30 * 2 / 3, within(1e-9));
        assertThat(output.getAll().split("Daily rate budget changed", -1)).hasSize(2);
        assertThat(output.getAll()).contains("Daily rate budget changed: 67% of the domain's limits");
    }

    @Test
    void shouldLimitNothingWhenOff() {
        // when
        DailyBudget budget = DailyBudget.off();
        budget.setShare(0.5);

        // then
        assertThat(budget.of(HttpDailyApi.DELETE_ROOM)).isNull();
        assertThat(budget.of("create_room")).isNull();
    }
}
