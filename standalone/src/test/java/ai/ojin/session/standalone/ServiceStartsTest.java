package ai.ojin.session.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;

class ServiceStartsTest {

    private static final Map<String, Object> PLAIN = Map.of("spring.main.web-application-type", "none",
            "spring.main.banner-mode", "off", "spring.main.register-shutdown-hook", "false");

    private final List<ConfigurableApplicationContext> started = new ArrayList<>();

    @AfterEach
    void closeStarted() {
        started.forEach(ConfigurableApplicationContext::close);
    }

    @Test
    void shouldStartServicesSideBySideAndHandThemOverInTheOrderAskedFor() {
        // given: a service whose start waits until the second one has started
        ServiceStarts starts = new ServiceStarts(started, StandaloneStack::run);
        CountDownLatch secondStarted = new CountDownLatch(1);

        // when
        starts.startFirst("waiting", builder(Waiting.class), properties("waiting", secondStarted));
        starts.start("quick", builder(Quick.class), properties("quick", secondStarted));
        starts.awaitAll();

        // then
        assertThat(started).extracting(c -> c.getEnvironment().getProperty("spring.application.name"))
                .containsExactly("waiting", "quick");
        assertThat(started).allMatch(ConfigurableApplicationContext::isActive);
    }

    @Test
    void shouldHandOverTheServicesThatStartedAndThrowWhenAnotherFails() {
        // given
        ServiceStarts starts = new ServiceStarts(started, StandaloneStack::run);

        // when: the first start fails, the second succeeds
        starts.startFirst("broken", builder(Broken.class), properties("broken", new CountDownLatch(0)));
        starts.start("quick", builder(Quick.class), properties("quick", new CountDownLatch(0)));

        // then: the failure is thrown once both ended, and the one that started is handed over to be closed
        assertThatThrownBy(starts::awaitAll).hasStackTraceContaining("cannot start");
        assertThat(started).extracting(c -> c.getEnvironment().getProperty("spring.application.name"))
                .containsExactly("quick");
    }

    private static SpringApplicationBuilder builder(Class<?> configuration) {
        return new SpringApplicationBuilder(configuration);
    }

    /** The service's properties; the latch goes in as an object (the stack's property source is a map). */
    private static Map<String, Object> properties(String name, CountDownLatch secondStarted) {
        Map<String, Object> properties = new HashMap<>(PLAIN);
        properties.put("spring.application.name", name);
        properties.put("test.second-started", secondStarted);
        return properties;
    }

    private static CountDownLatch latch(ConfigurableEnvironment environment) {
        return (CountDownLatch) environment.getPropertySources().get("standalone").getProperty("test.second-started");
    }

    @Configuration(proxyBeanMethods = false)
    static class Quick {
        @Bean
        String quickBean(ConfigurableEnvironment environment) {
            latch(environment).countDown();
            return "quick";
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Waiting {
        /** Started one after the other, this start would wait in vain and fail. */
        @Bean
        String waitingBean(ConfigurableEnvironment environment) throws InterruptedException {
            if (!latch(environment).await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the second service did not start meanwhile");
            }
            return "waiting";
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Broken {
        @Bean
        String brokenBean() {
            throw new IllegalStateException("cannot start");
        }
    }
}
