package ai.ojin.session.room.orchestrator;

/** Asks the orchestrator to send the agent's bot into the room with the bot's meeting token. */
public record BotStart(String sessionId, String agentId, String roomUrl, String token, String clientUserRef) {

    @Override
    public String toString() {
        return "BotStart[sessionId=" + sessionId + ", agentId=" + agentId + ", roomUrl=" + roomUrl + ", token=***]";
    }
}
