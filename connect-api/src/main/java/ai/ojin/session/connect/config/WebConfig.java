package ai.ojin.session.connect.config;

import ai.ojin.session.connect.admin.AdminTokenInterceptor;
import ai.ojin.session.connect.origin.PublicCorsFilter;
import ai.ojin.session.connect.web.BodyLimitFilter;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** CORS first (so even a 413 carries it), then the body limit; the admin token on admin paths. */
@Configuration(proxyBeanMethods = false)
public class WebConfig implements WebMvcConfigurer {

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
    FilterRegistrationBean<BodyLimitFilter> bodyLimitFilter() {
        var registration = new FilterRegistrationBean<>(new BodyLimitFilter(properties.maxBodyBytes()));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 20);
        return registration;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new AdminTokenInterceptor(properties.adminToken()))
                .addPathPatterns("/v1/admin/**", "/v1/sessions/**");
    }
}
