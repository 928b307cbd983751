package ai.ojin.session.room.config;

import ai.ojin.session.room.http.RateWindow;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code room.*}: the worker's own settings.
 *
 * @param allowSimulation when true, a missing DAILY_API_KEY / ORCHESTRATOR_URL / DAILY_WEBHOOK_HMAC
 *     means simulated rooms / simulated bots / refused webhooks (standalone); when false, start-up fails
 * @param consumerGroup the consumer group reading {@code session-events}
 * @param setupBudget total time one session's set-up may take (every call and retry included); it
 *     must stay well below connect-api's reply deadline
 * @param teardownBudget total time the tear-down of one session may take
 * @param sessionExpGrace added to the agent's max session length for a room's {@code exp} and a
 *     participant's {@code eject_after_elapsed}
 * @param tokenJoinWindow how long a meeting token can be used to join its room, from the session's
 *     room assignment (Daily refuses a join after the token's {@code exp}; whoever joined stays until
 *     the session ends). It must be longer than the processor's start lease plus its grace (a user
 *     who joins within the lease must be let in); a pooled room is reused only after every token of
 *     its earlier session has expired, so it is also how long a room rests between two sessions
 * @param endedTeardownMaxAge ended facts older than this (a replay of an old log) are not torn down
 *     again; their rooms are long gone or bounded by {@code exp}
 * @param reconcileInterval how often Daily's room list is reconciled with the live sessions (zero or
 *     negative: never)
 * @param reconcileGrace rooms younger than this are never reconciled away
 * @param maxInFlight set-ups in flight at which the worker pauses reading facts
 * @param replyMargin the caller is answered at least this long before the request's deadline
 *     ({@code connect.reply-timeout}, carried by the request), with the error of the step that failed
 *     or was still running
 * @param pollTimeout how long one poll for facts waits
 * @param commitInterval how often, at most, the position of finished jobs is committed while the
 *     worker runs (a rebalance and a stop commit at once); after a crash, the jobs of up to this
 *     long are run again, as the jobs of a revoked partition are
 * @param revokeWait how long a rebalance or shutdown waits for the jobs of the partitions it takes
 *     away before cancelling them (another instance then runs them again)
 * @param pool the warm pool of pre-created rooms (off by default)
 */
@Validated
@ConfigurationProperties("room")
public record RoomProperties(
        @DefaultValue("false") boolean allowSimulation,
        @NotBlank @DefaultValue("room-worker") String consumerGroup,
        @NotNull @DefaultValue("6s") Duration setupBudget,
        @NotNull @DefaultValue("10s") Duration teardownBudget,
        @NotNull @DefaultValue("60s") Duration sessionExpGrace,
        @NotNull @DefaultValue("2m") Duration tokenJoinWindow,
        @NotNull @DefaultValue("24h") Duration endedTeardownMaxAge,
        @NotNull @DefaultValue("60s") Duration reconcileInterval,
        @NotNull @DefaultValue("30s") Duration reconcileGrace,
        @Min(1) @DefaultValue("1000") int maxInFlight,
        @NotNull @DefaultValue("1s") Duration replyMargin,
        @NotNull @DefaultValue("100ms") Duration pollTimeout,
        @NotNull @DefaultValue("1s") Duration commitInterval,
        @NotNull @DefaultValue("10s") Duration revokeWait,
        @Valid @NotNull @DefaultValue Teardown teardown,
        @Valid @NotNull @DefaultValue Daily daily,
        @Valid @NotNull @DefaultValue Orchestrator orchestrator,
        @Valid @NotNull @DefaultValue Webhook webhook,
        @Valid @NotNull @DefaultValue Pool pool) {

    /**
     * @param concurrency room closes, and separately bot stops, running at once (lanes of their own:
     *     endings never delay set-ups, and bots are stopped while closes wait for Daily's budget)
     * @param maxQueued tear-downs running or waiting at which the worker pauses reading facts
     * @param giveUpAfter how long closing a room, stopping a bot or deleting a closed room is retried
     *     before the room's {@code exp} and the reconciliation are left to bound it
     */
    public record Teardown(
            @Min(1) @DefaultValue("64") int concurrency,
            @Min(1) @DefaultValue("10000") int maxQueued,
            @NotNull @DefaultValue("10m") Duration giveUpAfter) {
    }

    /**
     * @param url DAILY_API_URL
     * @param apiKey DAILY_API_KEY (blank = unset)
     * @param limits Daily's published rate limits, which the worker's calls keep (shared with the other
     *     instances, see {@link Limits})
     * @param callTimeout how long one attempt of a Daily call may take
     * @param maxAttempts attempts of one Daily call; 429, 5xx and transport errors are retried,
     *     honouring {@code Retry-After}, within the set-up's or tear-down's budget
     * @param botUserName user_name of the bot's meeting token
     * @param roomNamePrefix ROOM_NAME_PREFIX: this deployment's mark on the rooms it creates (their
     *     Daily name is prefix + session id); reconciliation deletes only rooms with it. Set it
     *     when several deployments share a Daily domain (empty: every room named like a session id)
     * @param selfSignedTokens sign meeting tokens locally with the API key (HS256, Daily's self-signed
     *     tokens; the domain id is read from Daily once at start-up) instead of
     *     {@code POST /meeting-tokens}
     */
    public record Daily(
            @NotBlank @DefaultValue("https://api.daily.co/v1") String url,
            @DefaultValue("") String apiKey,
            @NotNull @DefaultValue("2s") Duration callTimeout,
            @Min(1) @DefaultValue("3") int maxAttempts,
            @NotBlank @DefaultValue("agent") String botUserName,
            @Pattern(regexp = "[A-Za-z0-9_-]{0,20}") @DefaultValue("") String roomNamePrefix,
            @DefaultValue("true") boolean selfSignedTokens,
            @Valid @NotNull @DefaultValue Limits limits) {

        @Override
        public String toString() {
            return "Daily[url=" + url + ", apiKey=" + redacted(apiKey) + ", callTimeout=" + callTimeout + ", maxAttempts="
                    + maxAttempts + ", botUserName=" + botUserName + ", roomNamePrefix=" + roomNamePrefix
                    + ", selfSignedTokens=" + selfSignedTokens + ", limits=" + limits + "]";
        }
    }

    /**
     * Daily's rate limits, per Daily domain (so shared by every instance of a deployment), written
     * {@code <requests>/<window>[,...]} ({@link RateWindow}). Each family's calls take permits of a
     * bucket of its own at {@link RateWindow#safeRate} times this instance's share (the fraction of
     * the {@code session-events} partitions it owns).
     *
     * @param enabled false: no client-side limit (a domain whose limits Daily raised, or a test;
     *     Daily answers 429 above its limits, retried per {@code Retry-After})
     * @param standard the limits of every endpoint but room deletes, {@code <requests>/<window>}
     *     (comma-separated, all kept; Daily: 20 requests/s or 100 per 5 s). The calls take permits
     *     at 95 % of the tightest window's average (19/s) times this instance's share of the
     *     {@code session-events} partitions
     * @param delete the same for {@code DELETE /rooms/:name} (Daily: 2 requests/s or 50 per 30 s;
     *     permits at 1.58/s times this instance's share)
     * @param endingMaxWait while a call that ends a session (a room's close) has waited longer than
     *     this for a permit, set-up calls are refused at once (502 {@code room_creation_failed}):
     *     above the budget, connects fail fast and ended sessions' rooms are still closed on time
     *     (zero: set-ups always go first)
     */
    public record Limits(
            @DefaultValue("true") boolean enabled,
            @NotBlank @DefaultValue("20/1s,100/5s") String standard,
            @NotBlank @DefaultValue("2/1s,50/30s") String delete,
            @NotNull @DefaultValue("5s") Duration endingMaxWait) {

        public Limits {
            RateWindow.parse(standard);
            RateWindow.parse(delete);
        }

        public List<RateWindow> standardWindows() {
            return RateWindow.parse(standard);
        }

        public List<RateWindow> deleteWindows() {
            return RateWindow.parse(delete);
        }
    }

    /**
     * @param url ORCHESTRATOR_URL (blank = unset)
     * @param token ORCHESTRATOR_TOKEN
     * @param callTimeout how long one attempt of an orchestrator call may take
     * @param maxAttempts attempts of one orchestrator call; 429, 5xx and transport errors are retried,
     *     honouring {@code Retry-After}, within the set-up's or tear-down's budget
     */
    public record Orchestrator(
            @DefaultValue("") String url,
            @DefaultValue("") String token,
            @NotNull @DefaultValue("3s") Duration callTimeout,
            @Min(1) @DefaultValue("2") int maxAttempts) {

        @Override
        public String toString() {
            return "Orchestrator[url=" + url + ", token=" + redacted(token) + ", callTimeout=" + callTimeout
                    + ", maxAttempts=" + maxAttempts + "]";
        }
    }

    /**
     * @param hmac DAILY_WEBHOOK_HMAC, base64 (blank = unset)
     * @param tolerance how old (or how far in the future) a signed timestamp may be
     * @param dedupCapacity how many recent event ids are remembered to drop duplicates
     */
    public record Webhook(
            @DefaultValue("") String hmac,
            @NotNull @DefaultValue("5m") Duration tolerance,
            @Min(1) @DefaultValue("10000") int dedupCapacity) {

        @Override
        public String toString() {
            return "Webhook[hmac=" + redacted(hmac) + ", tolerance=" + tolerance + ", dedupCapacity=" + dedupCapacity + "]";
        }
    }

    /** Secrets are printed only as set or unset. */
    static String redacted(String secret) {
        return secret == null || secret.isBlank() ? "(unset)" : "***";
    }

    /**
     * The warm pool: private rooms created ahead of time so a set-up does not wait for Daily.
     *
     * @param size rooms kept ready (0 = no pool: every room is created on demand, named after its session)
     * @param roomLifetime the {@code exp} of a pooled room, from its creation; a session takes a pooled
     *     room only when the room outlives the session's own {@code exp}
     * @param renewBefore a pooled room this close to its {@code exp} is deleted and replaced
     * @param checkInterval how often the pool looks for rooms to replace and refills (it also refills
     *     at once after every room taken)
     * @param refillConcurrency the least number of pool creations in flight at once; the pool allows
     *     more while demand needs them (rooms taken per second over 10 s x Daily's creation time, x2,
     *     up to the pool's size), within Daily's budget
     * @param recycle when true (the default), the room of an ended session comes back to the pool once
     *     every token of that session has expired ({@code room.token-join-window}) and is reopened
     *     (one update of its {@code exp}) instead of deleted and replaced: at a steady rate the rooms
     *     on Daily stay bounded, and no session waits for Daily's small budget of room deletes
     */
    public record Pool(
            @Min(0) @DefaultValue("0") int size,
            @NotNull @DefaultValue("25h") Duration roomLifetime,
            @NotNull @DefaultValue("1h") Duration renewBefore,
            @NotNull @DefaultValue("30s") Duration checkInterval,
            @Min(1) @DefaultValue("4") int refillConcurrency,
            @DefaultValue("true") boolean recycle) {

        public boolean enabled() {
            return size > 0;
        }
    }
}
