package ai.ojin.session.connect.config;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of this connect-api instance.
 *
 * @param replyPartition -1 (default): this instance's partitions of {@code session-replies} come
 *     from membership in the group {@code <topic prefix>connect-api-replies}, nothing to set per
 *     instance; 0 or more: this instance reads that one partition (and only it must read it; less
 *     than {@code session.topics.reply-partitions})
 * @param replyTimeout how long a connect or end-session call waits for its reply before it answers
 *     500 {@code internal_error} (a connect then sends a release with reason {@code abandoned})
 * @param maxBodyBytes larger request bodies get 413 {@code payload_too_large} (the connect call and
 *     every path without a limit of its own)
 * @param maxAdminBodyBytes the same for the admin API ({@code /v1/admin/**})
 * @param adminToken bearer token of the admin API and the end-session call ({@code ADMIN_TOKEN})
 * @param adminWriteTimeout how long an admin write waits until the local catalog has applied it
 * @param heartbeatInterval how often every partition of {@code session-commands} is asked whether
 *     the processor runs (zero: never, and the processor is not part of readiness)
 * @param heartbeatStaleAfter readiness is DOWN while a partition has not answered for this long
 * @param instanceId this instance's name in its requests and in its reply consumer group; must be
 *     unique among instances and stay the same when the instance restarts (so that it releases the
 *     sessions admitted for callers that died with it; it is also its static member id in the
 *     reply group); empty = {@code session.instance.id} ({@code INSTANCE_ID}, else the host name),
 *     or {@code <host name>/p<reply partition>} when the partition is set by hand
 * @param answeredRetention how long the sessions this instance answered are remembered, so that a
 *     second success reply for one of them (a redelivered set-up) is not released
 * @param clientRate connects per second one client address may make on average, this instance
 *     alone (0: no limit); above it, 429 {@code rate_limited} with {@code Retry-After}
 * @param clientBurst connects one client address may make at once before {@code clientRate} applies
 * @param maxWait the longest wait a connect may ask for with {@code Prefer: wait=N} (a larger N is
 *     capped to it; whole seconds; zero: the preference is never honoured); such a connect waits
 *     up to N seconds in the agent's line plus {@code replyTimeout}
 * @param idempotencyWindow how long the {@code Idempotency-Key} of a connect binds its session at
 *     least (a repeat within it is answered with that session)
 * @param clientCheckInterval how often each waiting connect checks whether its client is still
 *     connected (a client that went away stops the wait, and its session is released as
 *     {@code abandoned}); zero: never checked
 * @param threadWait how long the answer of a connect or an end-session call is awaited on the
 *     request's own thread before that thread is released for the rest of the wait (the answer is
 *     then written after an async dispatch); an answer that comes within it (a rejection, a repeat)
 *     skips the dispatch's second pass through the filters and Spring MVC; zero: always released
 *     at once (an answer already there is still written at once)
 * @param earlyRejections when true (the default), a second consumer reads every reply partition
 *     {@code read_uncommitted} and answers rejections as soon as the processor wrote them, before
 *     its exactly-once commit; when false, a rejection is answered once committed, like a success:
 *     one fetch per reply written fewer for the broker, a commit interval more for the caller
 * @param maxInFlight connect requests this instance lets wait for the pipeline at once (a request
 *     waiting in the agent's line counts; connects sharing one request count once); beyond it a
 *     connect is answered 503 {@code overloaded} with {@code Retry-After: 1} at once and nothing is
 *     written, so that a pipeline that fell behind catches up instead of working on requests whose
 *     callers time out
 */
@Validated
@ConfigurationProperties("connect")
public record ConnectProperties(
        @DefaultValue("-1") @Min(-1) int replyPartition,
        @DefaultValue("10s") @NotNull Duration replyTimeout,
        @DefaultValue("8192") @Min(256) @Max(1048576) int maxBodyBytes,
        @NotBlank String adminToken,
        @DefaultValue("10s") @NotNull Duration adminWriteTimeout,
        @DefaultValue("65536") @Min(256) @Max(1048576) int maxAdminBodyBytes,
        @DefaultValue("2s") @NotNull Duration heartbeatInterval,
        @DefaultValue("10s") @NotNull Duration heartbeatStaleAfter,
        @DefaultValue("") @NotNull String instanceId,
        @DefaultValue("10m") @NotNull Duration answeredRetention,
        @DefaultValue("50") @Min(0) double clientRate,
        @DefaultValue("200") @Min(1) int clientBurst,
        @DefaultValue("60s") @NotNull Duration maxWait,
        @DefaultValue("10m") @NotNull Duration idempotencyWindow,
        @DefaultValue("1s") @NotNull Duration clientCheckInterval,
        @DefaultValue("50ms") @NotNull Duration threadWait,
        @DefaultValue("true") boolean earlyRejections,
        @DefaultValue("1000") @Min(1) int maxInFlight) {

    /** True when the reply partitions come from group membership (no {@code connect.reply-partition}). */
    public boolean replyPartitionsFromGroup() {
        return replyPartition < 0;
    }

    @Override
    public String toString() {
        // Never print the admin token.
        return "ConnectProperties[replyPartition=" + replyPartition + ", replyTimeout=" + replyTimeout
                + ", maxBodyBytes=" + maxBodyBytes + ", adminWriteTimeout=" + adminWriteTimeout
                + ", maxAdminBodyBytes=" + maxAdminBodyBytes + ", heartbeatInterval=" + heartbeatInterval
                + ", heartbeatStaleAfter=" + heartbeatStaleAfter + ", instanceId=" + instanceId
                + ", answeredRetention=" + answeredRetention + ", clientRate=" + clientRate
                + ", clientBurst=" + clientBurst + ", maxWait=" + maxWait + ", idempotencyWindow=" + idempotencyWindow
                + ", clientCheckInterval=" + clientCheckInterval + ", threadWait=" + threadWait
                + ", earlyRejections=" + earlyRejections + ", maxInFlight=" + maxInFlight + "]";
    }
}
