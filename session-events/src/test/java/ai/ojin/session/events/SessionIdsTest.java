package ai.ojin.session.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SessionIdsTest {

    @Test
    void shouldRecoverTheAgentIdFromASessionId() {
        // given
        String sessionId = SessionIds.newSessionId("sales_bot-2");

        // when / then
        assertThat(sessionId).startsWith("sales_bot-2_").hasSize("sales_bot-2_".length() + 26);
        assertThat(SessionIds.agentOf(sessionId)).contains("sales_bot-2");
        assertThat(sessionId).matches("[A-Za-z0-9_-]{1,128}");
    }

    @Test
    void shouldMintDifferentIdsEachTime() {
        assertThat(SessionIds.newSessionId("a")).isNotEqualTo(SessionIds.newSessionId("a"));
    }

    @Test
    void shouldRejectTextThatIsNotASessionId() {
        assertThat(SessionIds.agentOf("nope")).isEmpty();
        assertThat(SessionIds.agentOf("a_SHORT")).isEmpty();
        assertThat(SessionIds.agentOf("../etc_abcdefghijklmnopqrstuvwxyz")).isEmpty();
        assertThat(SessionIds.agentOf(null)).isEmpty();
        assertThatThrownBy(() -> SessionIds.newSessionId("bad id")).isInstanceOf(IllegalArgumentException.class);
    }
}
