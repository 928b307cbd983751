package ai.ojin.session.connect.config;

import ai.ojin.session.connect.origin.PublicCorsFilter;
import ai.ojin.session.events.web.AdminToken;
import ai.ojin.session.events.web.AdminTokenFilter;
import ai.ojin.session.events.web.BodyLimitFilter;
import java.util.List;
import java.util.Map;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * CORS first (so even a 413 carries it), then the admin token (admin API, end-session call and
 * every actuator endpoint but health and prometheus), then the body limit (admin API 64 KiB, everything else
 * {@code connect.max-body-bytes}), all before any body is read.
 */
@Configuration(proxyBeanMethods = false)
public class WebConfig {

    private final ConnectProperties properties;

    public WebConfig(ConnectProperties properties) {
        this.properties = properties;
    }

    @Bean
    FilterRegistrationBean<PublicCorsFilter> publicCorsFilter() {
        var registration = new FilterRegistrationBean<>(new PublicCorsFilter());
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
        return registration;
    }

    @Bean
    FilterRegistrationBean<AdminTokenFilter> adminTokenFilter() {
        var registration = new FilterRegistrationBean<>(new AdminTokenFilter(new AdminToken(properties.adminToken()),
                List.of("/v1/admin", "/v1/sessions", "/actuator"), List.of("/actuator/health", "/actuator/prometheus")));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 15);
        return registration;
    }

    @Bean
    FilterRegistrationBean<BodyLimitFilter> bodyLimitFilter() {
        var registration = new FilterRegistrationBean<>(new BodyLimitFilter(properties.maxBodyBytes(),
                Map.of("/v1/admin/", properties.maxAdminBodyBytes())));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 20);
        return registration;
    }
}
