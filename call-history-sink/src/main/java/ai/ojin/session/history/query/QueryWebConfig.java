package ai.ojin.session.history.query;

import ai.ojin.session.events.web.AdminToken;
import ai.ojin.session.events.web.AdminTokenFilter;
import ai.ojin.session.events.web.BodyLimitFilter;
import ai.ojin.session.history.config.HistoryProperties;
import java.util.List;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * The admin token guards the whole query API and every actuator endpoint but health and prometheus; then every
 * request body is limited to {@code history.max-body-bytes} (the API reads none) before it is read.
 */
@Configuration(proxyBeanMethods = false)
class QueryWebConfig {

    private final HistoryProperties properties;

    QueryWebConfig(HistoryProperties properties) {
        this.properties = properties;
    }

    @Bean
    FilterRegistrationBean<AdminTokenFilter> adminTokenFilter() {
        var registration = new FilterRegistrationBean<>(new AdminTokenFilter(new AdminToken(properties.adminToken()),
                List.of("/v1", "/actuator"), List.of("/actuator/health", "/actuator/prometheus")));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 15);
        return registration;
    }

    @Bean
    FilterRegistrationBean<BodyLimitFilter> bodyLimitFilter() {
        var registration = new FilterRegistrationBean<>(new BodyLimitFilter(properties.maxBodyBytes()));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 20);
        return registration;
    }
}
