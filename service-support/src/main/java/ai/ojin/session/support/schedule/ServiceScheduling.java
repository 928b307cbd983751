package ai.ojin.session.support.schedule;

import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * What every service's time-driven work uses: the {@link Clock} its decisions read (tests give
 * another), and one {@link ThreadPoolTaskScheduler} for its {@link PeriodicWork}.
 */
@Configuration(proxyBeanMethods = false)
public class ServiceScheduling {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    /**
     * One daemon thread: the periodic work of a service is short (a heartbeat, a pass of
     * reconciliation). Declared as a {@link TaskScheduler}, not as the executor it also is, so that
     * Spring Boot still makes its own {@code applicationTaskExecutor} (it backs off when an
     * {@code Executor} bean exists).
     */
    @Bean
    TaskScheduler taskScheduler() {
        ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
        scheduler.setPoolSize(1);
        scheduler.setThreadNamePrefix("periodic-");
        scheduler.setDaemon(true);
        scheduler.setRemoveOnCancelPolicy(true);
        scheduler.setWaitForTasksToCompleteOnShutdown(false);
        return scheduler;
    }
}
