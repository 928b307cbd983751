package ai.ojin.session.history.it;

import static ai.ojin.session.history.it.SinkHarness.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.ojin.session.history.Facts;
import java.nio.charset.StandardCharsets;
import ai.ojin.session.history.it.SinkHarness.Store;
import ai.ojin.session.testkit.TestKafka;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink against PostgreSQL, when a server is reachable at CALL_HISTORY_TEST_PG_URL (default
 * {@code jdbc:postgresql://localhost:5432/call_history_test}) as CALL_HISTORY_TEST_PG_USER /
 * CALL_HISTORY_TEST_PG_PASSWORD (default call_history / call_history); skipped otherwise. Each
 * store is a fresh schema, dropped afterwards.
 */
@ExtendWith(PostgresCallHistorySinkTest.PostgresReachable.class)
class PostgresCallHistorySinkTest extends CallHistorySinkContract {

    private static final Logger log = LoggerFactory.getLogger(PostgresCallHistorySinkTest.class);
    private static final String URL = env("CALL_HISTORY_TEST_PG_URL", "jdbc:postgresql://localhost:5432/call_history_test");
    private static final String USER = env("CALL_HISTORY_TEST_PG_USER", "call_history");
    private static final String PASSWORD = env("CALL_HISTORY_TEST_PG_PASSWORD", "call_history");

    private final List<String> schemas = new ArrayList<>();

    @Override
    protected Store newStore() {
        String schema = TestKafka.uniqueId("h").replace('-', '_');
        try (Connection connection = DriverManager.getConnection(URL, USER, PASSWORD);
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create schema " + schema, e);
        }
        schemas.add(schema);
        return new Store(URL + (URL.contains("?") ? "&" : "?") + "currentSchema=" + schema, USER, PASSWORD);
    }

    @Test
    void shouldDeadLetterAClientUserRefWithNulAndGoOnWithLaterCalls() {
        // given: PostgreSQL refuses NUL in text; a call whose client_user_ref holds one, then another call
        String agent = TestKafka.uniqueId("agent");
        Facts withNul = Facts.call(agent, "a\u0000b", base().plusSeconds(60));
        Facts after = Facts.call(agent, "after-nul", base().plusSeconds(61));
        double before = deadLettered("refused");

        // when
        harness().send(withNul.rejectedCall());
        harness().send(after.completed(3));

        // then: the later call is stored, the NUL call's facts are dead-lettered and counted, health stays UP
        await().atMost(WAIT).until(() -> items(agent, "agent_id", agent).stream()
                .anyMatch(item -> item.get("session_id").asString().equals(after.sessionId())));
        await().atMost(WAIT).untilAsserted(() -> assertThat(harness().deadLetters())
                .extracting(record -> new String(record.value(), StandardCharsets.UTF_8))
                .anyMatch(value -> value.contains(withNul.sessionId())));
        assertThat(deadLettered("refused")).isGreaterThan(before);
        assertThat(harness().get(sink(), "/actuator/health", null).statusCode()).isEqualTo(200);
    }

    @AfterAll
    void dropSchemas() throws SQLException {
        if (schemas.isEmpty()) {
            return;
        }
        try (Connection connection = DriverManager.getConnection(URL, USER, PASSWORD);
                Statement statement = connection.createStatement()) {
            for (String schema : schemas) {
                statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    /** Skips every test of the class, saying why, when no PostgreSQL server answers. */
    static class PostgresReachable implements ExecutionCondition {

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            try (Connection connection = DriverManager.getConnection(URL, USER, PASSWORD)) {
                connection.isValid(5);
                return ConditionEvaluationResult.enabled("PostgreSQL at " + URL);
            } catch (SQLException e) {
                String reason = "PostgreSQL tests SKIPPED: no server at " + URL + " as " + USER + " ("
                        + e.getMessage() + "). Set CALL_HISTORY_TEST_PG_URL/_USER/_PASSWORD or start one.";
                log.warn(reason);
                return ConditionEvaluationResult.disabled(reason);
            }
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
