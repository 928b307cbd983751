package ai.ojin.session.room;

import ai.ojin.session.support.config.InstanceProperties;
import ai.ojin.session.support.config.TopicsProperties;
import ai.ojin.session.support.ServiceSupport;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/**
 * The room worker: turns admitted sessions into Daily rooms, meeting tokens and a bot sent by the
 * orchestrator, tears them down when sessions end, receives Daily webhooks and reconciles rooms.
 */
@SpringBootApplication
@ConfigurationPropertiesScan(basePackageClasses = {RoomWorkerApplication.class, TopicsProperties.class, InstanceProperties.class})
@Import(ServiceSupport.class)
public class RoomWorkerApplication {

    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(RoomWorkerApplication.class).properties("spring.config.name=room-worker");
    }

    public static void main(String[] args) {
        builder().run(args);
    }
}
