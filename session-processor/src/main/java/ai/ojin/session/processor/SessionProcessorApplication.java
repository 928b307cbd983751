package ai.ojin.session.processor;

import ai.ojin.session.support.config.InstanceProperties;
import ai.ojin.session.support.config.TopicsProperties;
import ai.ojin.session.support.web.AccessFilter;
import ai.ojin.session.support.web.PublicEndpoint;
import ai.ojin.session.support.ServiceSupport;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * The session processor: a Kafka Streams application, the single writer of {@code session-events}.
 * Configured by {@code session-processor.yml}.
 */
@SpringBootApplication
@ConfigurationPropertiesScan(basePackageClasses = {SessionProcessorApplication.class, TopicsProperties.class, InstanceProperties.class})
@Import(ServiceSupport.class)
public class SessionProcessorApplication {

    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(SessionProcessorApplication.class).properties("spring.config.name=session-processor");
    }

    /** No admin token here: only health, prometheus and the API document answer. */
    @Bean
    FilterRegistrationBean<AccessFilter> accessFilter() {
        return AccessFilter.registration(null, PublicEndpoint.OPERATIONS);
    }

    public static void main(String[] args) {
        builder().run(args);
    }
}
