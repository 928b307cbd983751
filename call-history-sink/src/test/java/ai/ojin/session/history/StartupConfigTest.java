package ai.ojin.session.history;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StartupConfigTest {

    @Test
    void shouldRefuseToStartWithoutTheStoreUrl() {
        assertThatThrownBy(() -> CallHistorySinkApplication.builder()
                .run("--server.port=0", "--KAFKA_BOOTSTRAP_SERVERS=localhost:1", "--ADMIN_TOKEN=t"))
                .hasStackTraceContaining("CALL_HISTORY_DB_URL (history.db.url) must be set");
    }

    @Test
    void shouldRefuseToStartWithoutTheAdminToken() {
        assertThatThrownBy(() -> CallHistorySinkApplication.builder()
                .run("--server.port=0", "--KAFKA_BOOTSTRAP_SERVERS=localhost:1", "--CALL_HISTORY_DB_URL=jdbc:h2:mem:x"))
                .hasStackTraceContaining("ADMIN_TOKEN (history.admin-token) must be set");
    }
}
