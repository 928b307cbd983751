package ai.ojin.session.connect.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ClientRateLimitTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Test
    void shouldAllowABurstThenTheRateAndTellHowLongToWait() {
        // given: 2 a second, bursts of 3
        ClientRateLimit limit = new ClientRateLimit(2, 3, 100, nanos::get);

        // when / then: the burst passes, the next one waits
        for (int i = 0; i < 3; i++) {
            assertThat(limit.take("10.0.0.1")).isEmpty();
        }
        assertThat(limit.take("10.0.0.1")).hasValue(1);
        // and another client is not affected
        assertThat(limit.take("10.0.0.2")).isEmpty();
        // and half a second later one more passes, and only one
        nanos.addAndGet(500_000_000L);
        assertThat(limit.take("10.0.0.1")).isEmpty();
        assertThat(limit.take("10.0.0.1")).isPresent();
    }

    @Test
    void shouldAnswerWholeSecondsOfAtLeastOne() {
        // given: one connect every 10 s
        ClientRateLimit limit = new ClientRateLimit(0.1, 1, 100, nanos::get);
        assertThat(limit.take("a")).isEmpty();

        // when / then
        assertThat(limit.take("a")).hasValue(10);
        nanos.addAndGet(9_500_000_000L);
        assertThat(limit.take("a")).hasValue(1);
    }

    @Test
    void shouldNotLimitWhenOffAndForgetTheLeastRecentClientBeyondItsBound() {
        ClientRateLimit off = new ClientRateLimit(0, 1, 100, nanos::get);
        for (int i = 0; i < 1000; i++) {
            assertThat(off.take("a")).isEmpty();
        }
        // given: room for two clients
        ClientRateLimit small = new ClientRateLimit(1, 1, 2, nanos::get);
        assertThat(small.take("a")).isEmpty();
        assertThat(small.take("b")).isEmpty();
        assertThat(small.take("c")).isEmpty();
        // then: "a" was forgotten (a new full bucket), "c" is still limited
        assertThat(small.take("a")).isEmpty();
        assertThat(small.take("c")).isPresent();
    }
}
