package ai.ojin.session.processor.topology;

import java.time.Duration;

/**
 * The processor's timing rules (see {@link LeaseRules} for how they apply).
 *
 * @param startLease how long an admitted session holds its slot before it is marked started
 * @param grace added to the agent's {@code max_session_seconds} once the user joined
 * @param punctuateInterval how often (wall clock) expired leases are looked for
 * @param maxRetryAfter upper bound of {@code retry_after_seconds} (at least 1 s)
 * @param tombstoneRetention how long an ended or rejected session id is remembered, so that a
 *     duplicate request or release for it changes nothing
 * @param joinTimeout how long a started session waits for its user to join the room
 * @param rejoinTimeout how long a session waits for its user to come back after the user left
 * @param maxWaiting how many sessions may wait in one agent's line ({@code Prefer: wait}); a
 *     request that would make it longer is rejected at once
 */
public record LeaseSettings(
        Duration startLease,
        Duration grace,
        Duration punctuateInterval,
        Duration maxRetryAfter,
        Duration tombstoneRetention,
        Duration joinTimeout,
        Duration rejoinTimeout,
        int maxWaiting) {

    public static final int DEFAULT_MAX_WAITING = 100;

    public static final LeaseSettings DEFAULTS = new LeaseSettings(
            Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(60),
            Duration.ofMinutes(10), Duration.ofSeconds(60), Duration.ofSeconds(30));

    /** The settings with the default line length ({@value #DEFAULT_MAX_WAITING}). */
    public LeaseSettings(Duration startLease, Duration grace, Duration punctuateInterval, Duration maxRetryAfter,
                         Duration tombstoneRetention, Duration joinTimeout, Duration rejoinTimeout) {
        this(startLease, grace, punctuateInterval, maxRetryAfter, tombstoneRetention, joinTimeout, rejoinTimeout,
                DEFAULT_MAX_WAITING);
    }

    public LeaseSettings {
        startLease = positive(startLease, "startLease");
        grace = grace == null ? Duration.ZERO : grace;
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative");
        }
        punctuateInterval = positive(punctuateInterval, "punctuateInterval");
        maxRetryAfter = positive(maxRetryAfter, "maxRetryAfter");
        if (maxRetryAfter.toSeconds() < 1) {
            throw new IllegalArgumentException("maxRetryAfter must be at least 1 s");
        }
        tombstoneRetention = positive(tombstoneRetention, "tombstoneRetention");
        joinTimeout = positive(joinTimeout, "joinTimeout");
        rejoinTimeout = positive(rejoinTimeout, "rejoinTimeout");
        if (maxWaiting < 0) {
            throw new IllegalArgumentException("maxWaiting must not be negative");
        }
    }

    /** The settings with the default join (60 s) and rejoin (30 s) timeouts. */
    public LeaseSettings(Duration startLease, Duration grace, Duration punctuateInterval, Duration maxRetryAfter,
                         Duration tombstoneRetention) {
        this(startLease, grace, punctuateInterval, maxRetryAfter, tombstoneRetention, Duration.ofSeconds(60),
                Duration.ofSeconds(30));
    }

    public LeaseSettings withStartLease(Duration value) {
        return new LeaseSettings(value, grace, punctuateInterval, maxRetryAfter, tombstoneRetention, joinTimeout,
                rejoinTimeout, maxWaiting);
    }

    public LeaseSettings withPunctuateInterval(Duration value) {
        return new LeaseSettings(startLease, grace, value, maxRetryAfter, tombstoneRetention, joinTimeout, rejoinTimeout,
                maxWaiting);
    }

    public LeaseSettings withJoinTimeouts(Duration join, Duration rejoin) {
        return new LeaseSettings(startLease, grace, punctuateInterval, maxRetryAfter, tombstoneRetention, join, rejoin,
                maxWaiting);
    }

    public LeaseSettings withMaxWaiting(int value) {
        return new LeaseSettings(startLease, grace, punctuateInterval, maxRetryAfter, tombstoneRetention, joinTimeout,
                rejoinTimeout, value);
    }

    private static Duration positive(Duration value, String name) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
        return value;
    }
}
