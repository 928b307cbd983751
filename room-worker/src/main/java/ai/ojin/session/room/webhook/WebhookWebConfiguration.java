package ai.ojin.session.room.webhook;

import ai.ojin.session.support.web.AccessFilter;
import ai.ojin.session.support.web.BodyLimitFilter;
import ai.ojin.session.support.web.PublicEndpoint;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * The body limit of every HTTP endpoint of the worker (the webhook is the only one that reads a
 * body): above {@value #MAX_BODY_BYTES} bytes, 413 {@code payload_too_large} before the body is
 * read (by Content-Length) or as soon as a chunked body goes over.
 */
@Configuration(proxyBeanMethods = false)
public class WebhookWebConfiguration {

    public static final int MAX_BODY_BYTES = 64 * 1024;

    /** The worker has no admin token: only its public list answers (webhook, health, prometheus, API document). */
    @Bean
    FilterRegistrationBean<AccessFilter> accessFilter() {
        List<PublicEndpoint> open = new ArrayList<>(PublicEndpoint.OPERATIONS);
        open.add(PublicEndpoint.of("POST", DailyWebhookController.PATH));
        return AccessFilter.registration(null, open);
    }

    @Bean
    FilterRegistrationBean<BodyLimitFilter> bodyLimitFilter() {
        var registration = new FilterRegistrationBean<>(new BodyLimitFilter(MAX_BODY_BYTES));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 20);
        return registration;
    }
}
