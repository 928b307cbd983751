package ai.ojin.session.processor.topology;

import java.time.Duration;

/**
 * The processor's timing rules.
 *
 * @param startLease how long an admitted session holds its slot before it is marked started
 * @param grace added to the agent's {@code max_session_seconds} once the session started
 * @param punctuateInterval how often (wall clock) expired leases are looked for
 * @param maxRetryAfter upper bound of {@code retry_after_seconds} (at least 1 s)
 * @param tombstoneRetention how long an ended or rejected session id is remembered, so that a
 *     duplicate request or release for it changes nothing
 */
public record LeaseSettings(
        Duration startLease,
        Duration grace,
        Duration punctuateInterval,
        Duration maxRetryAfter,
        Duration tombstoneRetention) {

    public static final LeaseSettings DEFAULTS = new LeaseSettings(
            Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(60),
            Duration.ofMinutes(10));

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
    }

    public LeaseSettings withStartLease(Duration value) {
        return new LeaseSettings(value, grace, punctuateInterval, maxRetryAfter, tombstoneRetention);
    }

    public LeaseSettings withPunctuateInterval(Duration value) {
        return new LeaseSettings(startLease, grace, value, maxRetryAfter, tombstoneRetention);
    }

    private static Duration positive(Duration value, String name) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
        return value;
    }
}
