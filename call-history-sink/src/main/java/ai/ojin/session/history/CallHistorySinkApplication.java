package ai.ojin.session.history;

import ai.ojin.session.support.config.InstanceProperties;
import ai.ojin.session.support.config.TopicsProperties;
import ai.ojin.session.support.ServiceSupport;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/**
 * Folds {@code session-events} into one call record per session, publishes finished calls to
 * {@code call-history}, keeps them in a SQL store and serves the history query API.
 */
@SpringBootApplication
@ConfigurationPropertiesScan(basePackageClasses = {CallHistorySinkApplication.class, TopicsProperties.class, InstanceProperties.class})
@Import(ServiceSupport.class)
public class CallHistorySinkApplication {

    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(CallHistorySinkApplication.class)
                .properties("spring.config.name=call-history-sink");
    }

    public static void main(String[] args) {
        builder().run(args);
    }
}
