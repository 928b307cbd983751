package ai.ojin.session.support;

import ai.ojin.session.support.kafka.ServiceTopics;
import ai.ojin.session.support.schedule.ServiceScheduling;
import ai.ojin.session.support.web.ServiceWeb;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * What every service imports: its web layer ({@link ServiceWeb}), its topics ({@link ServiceTopics}),
 * its clock and scheduler ({@link ServiceScheduling}).
 */
@Configuration(proxyBeanMethods = false)
@Import({ServiceWeb.class, ServiceTopics.class, ServiceScheduling.class})
public class ServiceSupport {
}
