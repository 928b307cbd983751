package ai.ojin.session.connect.config;

import ai.ojin.session.connect.origin.PublicCorsFilter;
import ai.ojin.session.support.web.AdminToken;
import ai.ojin.session.support.web.AccessFilter;
import ai.ojin.session.support.web.PublicEndpoint;
import ai.ojin.session.support.web.BodyLimitFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

/**
 * Access first (protected by default: only connect, the line position, their preflights, health,
 * prometheus and the API document are public; everything else needs the admin token), then CORS (so even a 413 carries
 * it), then the body limit (admin API 64 KiB, everything else
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
    FilterRegistrationBean<AccessFilter> accessFilter() {
        List<PublicEndpoint> open = new ArrayList<>(PublicEndpoint.OPERATIONS);
        open.add(PublicEndpoint.anyMethod(PublicCorsFilter.PATH));
        open.add(PublicEndpoint.anyMethod(PublicCorsFilter.LINE_PATH));
        return AccessFilter.registration(new AdminToken(properties.adminToken()), open);
    }

    @Bean
    FilterRegistrationBean<BodyLimitFilter> bodyLimitFilter() {
        var registration = new FilterRegistrationBean<>(new BodyLimitFilter(properties.maxBodyBytes(),
                Map.of("/v1/admin/", properties.maxAdminBodyBytes())));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 20);
        return registration;
    }
}
