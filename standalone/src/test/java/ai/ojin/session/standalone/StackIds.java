package ai.ojin.session.standalone;

import java.util.Map;

/** Topic prefix, consumer groups and Streams application id of one test stack, all its own. */
final class StackIds {

    private StackIds() {
    }

    static Map<String, String> forPrefix(String prefix) {
        return Map.of(
                "session.topics.prefix", prefix + ".",
                "processor.application-id", prefix + "-processor",
                "room.consumer-group", prefix + "-room-worker",
                "history.group-id", prefix + "-call-history");
    }
}
