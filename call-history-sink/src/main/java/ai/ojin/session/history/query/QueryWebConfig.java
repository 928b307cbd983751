package ai.ojin.session.history.query;

import ai.ojin.session.history.config.HistoryProperties;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** The admin token guards the whole query API. */
@Configuration(proxyBeanMethods = false)
class QueryWebConfig implements WebMvcConfigurer {

    private final HistoryProperties properties;

    QueryWebConfig(HistoryProperties properties) {
        this.properties = properties;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new AdminTokenInterceptor(properties.adminToken())).addPathPatterns("/v1/**");
    }
}
