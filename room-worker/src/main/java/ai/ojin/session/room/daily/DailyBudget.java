package ai.ojin.session.room.daily;

import ai.ojin.session.room.config.RoomProperties;
import ai.ojin.session.room.http.Deadline;
import ai.ojin.session.room.http.Delayer;
import ai.ojin.session.room.http.Priority;
import ai.ojin.session.room.http.RateLimiter;
import ai.ojin.session.room.http.RateLimits;
import ai.ojin.session.room.http.RateWindow;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This worker's share of Daily's rate limits. Daily limits each endpoint family per domain, so all
 * instances of a deployment share them: {@link Family#DELETE} ({@code DELETE /rooms/:name}) and
 * {@link Family#STANDARD} (every other call). Each family has a {@link RateLimiter} with a burst
 * of one at {@link RateWindow#safeRate} of Daily's windows times this instance's share, the
 * fraction of the {@code session-events} partitions it owns ({@link #setShare}). The budget is
 * logged at start and at every change of share; {@code room.http.rate_limit.waiting} and
 * {@code room.http.rate_limit.rate} (tags {@code api=daily}, {@code family}) show each family's
 * waiting calls and current rate.
 */
public final class DailyBudget implements RateLimits {

    private static final Logger log = LoggerFactory.getLogger(DailyBudget.class);

    /** Daily's endpoint families, each limited on its own. */
    public enum Family {
        STANDARD,
        DELETE
    }

    private final Map<Family, List<RateWindow>> windows = new EnumMap<>(Family.class);
    private final Map<Family, RateLimiter> limiters = new EnumMap<>(Family.class);
    private double share;

    private DailyBudget() {
    }

    /** No client-side limit at all. */
    public static DailyBudget off() {
        return new DailyBudget();
    }

    /** @param share this instance's share at start (until its partitions are known) */
    public DailyBudget(RoomProperties.Limits limits, double share, MeterRegistry meters) {
        this(limits, share, meters, Deadline.SYSTEM_TICKER, Delayer.JDK);
    }

    public DailyBudget(RoomProperties.Limits limits, double share, MeterRegistry meters, LongSupplier ticker,
                       Delayer delayer) {
        windows.put(Family.STANDARD, limits.standardWindows());
        windows.put(Family.DELETE, limits.deleteWindows());
        this.share = checked(share);
        windows.forEach((family, spec) -> {
            RateLimiter limiter = new RateLimiter(RateWindow.safeRate(spec) * share, 1, ticker, delayer);
            limiter.protect(Priority.ENDING, limits.endingMaxWait());
            limiters.put(family, limiter);
            String tag = family.name().toLowerCase(Locale.ROOT);
            Gauge.builder("room.http.rate_limit.waiting", limiter, RateLimiter::waiting).tag("api", "daily")
                    .tag("family", tag).description("Daily calls waiting for a permit of their family").register(meters);
            Gauge.builder("room.http.rate_limit.rate", limiter, RateLimiter::rate).tag("api", "daily")
                    .tag("family", tag).description("This instance's permits per second for the family").register(meters);
        });
        log.info("Daily rate budget at start: {}", describe());
    }

    /** {@code delete_room} is Daily's delete family, every other call the standard one. */
    public static Family familyOf(String operation) {
        return HttpDailyApi.DELETE_ROOM.equals(operation) ? Family.DELETE : Family.STANDARD;
    }

    /** The family's limiter; null when the budget is {@link #off()}. */
    @Override
    public RateLimiter of(String operation) {
        return limiters.get(familyOf(operation));
    }

    public RateLimiter limiter(Family family) {
        return limiters.get(family);
    }

    public synchronized double share() {
        return share;
    }

    /**
     * Takes {@code share} (0 to 1] of every family's budget from now on; a change is logged once.
     * Does nothing when the budget is off.
     */
    public synchronized void setShare(double share) {
        checked(share);
        if (limiters.isEmpty() || share == this.share) {
            return;
        }
        this.share = share;
        limiters.forEach((family, limiter) -> limiter.setRate(RateWindow.safeRate(windows.get(family)) * share));
        log.info("Daily rate budget changed: {}", describe());
    }

    private String describe() {
        return String.format(Locale.ROOT, "%.0f%% of the domain's limits (this worker's share of the session-events "
                + "partitions): standard %s, room deletes %s", share * 100, describe(Family.STANDARD),
                describe(Family.DELETE));
    }

    private String describe(Family family) {
        List<RateWindow> spec = windows.get(family);
        return String.format(Locale.ROOT, "%.2f/s of %.2f/s (Daily %s)", limiters.get(family).rate(),
                RateWindow.safeRate(spec), spec.stream().map(RateWindow::toString).collect(Collectors.joining(", ")));
    }

    private static double checked(double share) {
        if (!(share > 0 && share <= 1)) {
            throw new IllegalArgumentException("a share is in (0, 1], not " + share);
        }
        return share;
    }
}
