package ai.ojin.session.room.config;

import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.springframework.beans.factory.ObjectProvider;
import ai.ojin.session.support.config.TopicsProperties;
import ai.ojin.session.room.daily.DailyApi;
import ai.ojin.session.room.daily.DailyBudget;
import ai.ojin.session.room.daily.HttpDailyApi;
import ai.ojin.session.room.daily.MeetingTokens;
import ai.ojin.session.room.daily.SelfSignedMeetingTokens;
import ai.ojin.session.room.daily.SimulatedDailyApi;
import ai.ojin.session.room.http.Deadline;
import ai.ojin.session.room.http.ResilientHttp;
import ai.ojin.session.room.orchestrator.HttpOrchestrator;
import ai.ojin.session.room.orchestrator.Orchestrator;
import ai.ojin.session.room.orchestrator.SimulatedOrchestrator;
import ai.ojin.session.room.webhook.RecentEventIds;
import ai.ojin.session.room.webhook.WebhookSignature;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Daily, the orchestrator and the webhook secret. Unset DAILY_API_KEY / ORCHESTRATOR_URL /
 * DAILY_WEBHOOK_HMAC fail the start, unless {@code room.allow-simulation} is true (standalone):
 * then rooms and bots are simulated in-process and webhooks refused, and the log says so.
 */
@Configuration(proxyBeanMethods = false)
public class ExternalApisConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ExternalApisConfiguration.class);
    private static final Duration DOMAIN_LOOKUP_BUDGET = Duration.ofSeconds(15);

    /**
     * This worker's share of Daily's rate limits ({@code room.daily.limits}); it starts at one
     * partition's worth of the configured {@code session-events} partitions, and follows the
     * partitions assigned (see {@code SessionConfiguration#partitionOwnership}). Off without an API
     * key (simulated rooms) or with {@code room.daily.limits.enabled=false}.
     */
    @Bean
    DailyBudget dailyBudget(RoomProperties properties, TopicsProperties topics, MeterRegistry meters) {
        RoomProperties.Daily daily = properties.daily();
        if (daily.apiKey().isBlank()) {
            return DailyBudget.off();
        }
        if (!daily.limits().enabled()) {
            log.warn("Daily rate budget is off (room.daily.limits.enabled=false): Daily answers 429 to calls over its "
                    + "limits, and those are retried");
            return DailyBudget.off();
        }
        return new DailyBudget(daily.limits(), 1.0 / topics.partitions(), meters);
    }

    @Bean
    DailyApi dailyApi(RoomProperties properties, DailyBudget budget, MeterRegistry meters,
                      ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator, Clock clock) {
        RoomProperties.Daily daily = properties.daily();
        if (daily.apiKey().isBlank()) {
            requireSimulation(properties, "DAILY_API_KEY");
            log.warn("DAILY_API_KEY is not set: Daily rooms and their join credentials are SIMULATED in-process; "
                    + "their URLs are not real rooms");
            return new SimulatedDailyApi(clock);
        }
        ResilientHttp http = new ResilientHttp("daily", ResilientHttp.newClient(daily.callTimeout()), daily.callTimeout(),
                daily.maxAttempts(), budget, meters, tracer.getIfAvailable(() -> Tracer.NOOP),
                propagator.getIfAvailable(() -> Propagator.NOOP));
        log.info("Daily API at {} (call timeout {}, {} attempts, rate limits {}, room name prefix '{}')", daily.url(),
                daily.callTimeout(), daily.maxAttempts(), daily.limits().enabled()
                        ? "standard " + daily.limits().standard() + ", room deletes " + daily.limits().delete() : "off",
                daily.roomNamePrefix());
        return new HttpDailyApi(daily.url(), daily.apiKey(), http, daily.roomNamePrefix());
    }

    /**
     * Self-signed tokens (the default with a key): the domain id is read from Daily once, here, and a
     * failure to read it fails the start. {@code room.daily.self-signed-tokens=false}: every token is
     * minted by {@code POST /meeting-tokens}.
     */
    @Bean
    MeetingTokens meetingTokens(DailyApi dailyApi, RoomProperties properties, Clock clock) {
        RoomProperties.Daily daily = properties.daily();
        if (daily.apiKey().isBlank() || !daily.selfSignedTokens()) {
            if (!daily.apiKey().isBlank()) {
                log.info("Meeting tokens are minted by Daily (POST /meeting-tokens, room.daily.self-signed-tokens=false)");
            }
            return MeetingTokens.minted(dailyApi);
        }
        String domainId;
        try {
            domainId = dailyApi.domainId(Deadline.in(DOMAIN_LOOKUP_BUDGET)).join();
        } catch (CompletionException e) {
            throw new IllegalStateException("Could not read Daily's domain id (GET " + daily.url() + "/), needed to "
                    + "sign meeting tokens: " + e.getCause() + ". Fix DAILY_API_URL / DAILY_API_KEY, or set "
                    + "room.daily.self-signed-tokens=false to have Daily mint them.", e.getCause());
        }
        log.info("Meeting tokens are self-signed (HS256 with the Daily API key, domain id {}): no Daily call per token",
                domainId);
        return new SelfSignedMeetingTokens(daily.apiKey(), domainId, clock, daily.roomNamePrefix());
    }

    @Bean
    Orchestrator orchestrator(RoomProperties properties, MeterRegistry meters, ObjectProvider<Tracer> tracer,
                              ObjectProvider<Propagator> propagator) {
        RoomProperties.Orchestrator orchestrator = properties.orchestrator();
        if (orchestrator.url().isBlank()) {
            requireSimulation(properties, "ORCHESTRATOR_URL");
            log.warn("ORCHESTRATOR_URL is not set: agent bots are SIMULATED; no bot joins any room");
            return new SimulatedOrchestrator();
        }
        if (orchestrator.token().isBlank()) {
            throw new IllegalStateException("ORCHESTRATOR_TOKEN is not set (room.orchestrator.token); "
                    + "it is required with ORCHESTRATOR_URL");
        }
        ResilientHttp http = new ResilientHttp("orchestrator", ResilientHttp.newClient(orchestrator.callTimeout()),
                orchestrator.callTimeout(), orchestrator.maxAttempts(), null, meters,
                tracer.getIfAvailable(() -> Tracer.NOOP), propagator.getIfAvailable(() -> Propagator.NOOP));
        log.info("Orchestrator at {} (call timeout {}, {} attempts)", orchestrator.url(), orchestrator.callTimeout(),
                orchestrator.maxAttempts());
        return new HttpOrchestrator(orchestrator.url(), orchestrator.token(), http);
    }

    @Bean
    WebhookSignature webhookSignature(RoomProperties properties, Clock clock) {
        String secret = properties.webhook().hmac();
        if (secret.isBlank()) {
            requireSimulation(properties, "DAILY_WEBHOOK_HMAC");
            log.warn("DAILY_WEBHOOK_HMAC is not set: every signed Daily webhook is refused (401)");
            return WebhookSignature.refuseAll();
        }
        return new WebhookSignature(secret, properties.webhook().tolerance(), clock);
    }

    @Bean
    RecentEventIds recentWebhookEventIds(RoomProperties properties) {
        return new RecentEventIds(properties.webhook().dedupCapacity());
    }

    private static void requireSimulation(RoomProperties properties, String variable) {
        if (!properties.allowSimulation()) {
            throw new IllegalStateException(variable + " is not set. Set it, or set room.allow-simulation=true "
                    + "(ROOM_ALLOW_SIMULATION=true) to run with simulated Daily rooms / agent bots for local use.");
        }
    }
}
