package ai.ojin.session.history.query;

import ai.ojin.session.support.web.AdminToken;
import ai.ojin.session.support.web.AccessFilter;
import ai.ojin.session.support.web.PublicEndpoint;
import ai.ojin.session.support.web.BodyLimitFilter;
import ai.ojin.session.history.config.HistoryProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Protected by default: the admin token guards every path but health, prometheus and the API
 * document (the query API included); then every
 * request body is limited to {@code history.max-body-bytes} (the API reads none) before it is read.
 */
@Configuration(proxyBeanMethods = false)
class QueryWebConfig {

    private final HistoryProperties properties;

    QueryWebConfig(HistoryProperties properties) {
        this.properties = properties;
    }

    @Bean
    FilterRegistrationBean<AccessFilter> accessFilter() {
        return AccessFilter.registration(new AdminToken(properties.adminToken()), PublicEndpoint.OPERATIONS);
    }

    @Bean
    FilterRegistrationBean<BodyLimitFilter> bodyLimitFilter() {
        var registration = new FilterRegistrationBean<>(new BodyLimitFilter(properties.maxBodyBytes()));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 20);
        return registration;
    }
}
