package ai.ojin.session.connect;

import ai.ojin.session.support.config.InstanceProperties;
import ai.ojin.session.support.config.TopicsProperties;
import ai.ojin.session.support.ServiceSupport;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/**
 * The public connect endpoint, the agent catalog view and the admin API. Configuration comes from
 * {@code connect-api.yml}; {@link #builder()} is how the standalone module starts it.
 */
@SpringBootApplication
@ConfigurationPropertiesScan(basePackageClasses = {ConnectApiApplication.class, TopicsProperties.class, InstanceProperties.class})
@Import(ServiceSupport.class)
public class ConnectApiApplication {

    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(ConnectApiApplication.class).properties("spring.config.name=connect-api");
    }

    public static void main(String[] args) {
        builder().run(args);
    }
}
