package ai.ojin.session.audit.log;

import java.time.Instant;

/**
 * One record as read from a topic, with where it is, so an auditor can cite it.
 *
 * @param value the deserialized value; null when it could not be read ({@code error} says why) or
 *     for a tombstone
 */
public record Logged<V>(int partition, long offset, Instant timestamp, String key, V value, String error) {

    public boolean readable() {
        return error == null;
    }

    /** {@code p<partition>@<offset>}, the way the tool cites a record. */
    public String where() {
        return "p" + partition + "@" + offset;
    }
}
