package ai.ojin.session.history.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code history.*}: the call-history-sink's own settings.
 *
 * @param adminToken bearer token of the query API ({@code ADMIN_TOKEN}, required)
 * @param db the SQL store ({@code CALL_HISTORY_DB_URL}, required, {@code _USER}, {@code _PASSWORD})
 * @param groupId consumer group of the fact listener
 * @param publish whether finished calls go to {@code call-history}
 * @param rebuild replay {@code session-events} from the start into an empty store under a fresh
 *     consumer group, without publishing (see REBUILD.md)
 * @param concurrency listener threads (at most the partition count of {@code session-events})
 * @param recordAttempts how often a fact the store keeps refusing while the store itself answers
 *     (e.g. PostgreSQL and NUL in text) is tried before it goes to the dead-letter topic
 *     {@code session-events.call-history-sink.dlt}, with an ERROR log and the counter
 *     {@code call.history.facts.dead_lettered}
 * @param recordRetryInterval the pause between those attempts
 * @param stallAfter health {@code ingest} turns DOWN ({@code stalled}) once facts wait and none could
 *     be folded for this long (the store is down: the sink retries without end until it is back)
 * @param maxBodyBytes larger request bodies get 413 (the API reads none)
 * @param batchWait how long the broker may hold a fetch of the fact listener until facts gather
 *     ({@code fetch.max.wait.ms}, with {@code fetch.min.bytes} of 64 KiB): fewer and
 *     larger batches, so fewer SQL transactions, {@code call-history} writes, fetches and offset
 *     commits per fact, for at most this much more delay before a call shows in the history;
 *     0 returns each fetch as soon as one fact is there
 */
@Validated
@ConfigurationProperties("history")
public record HistoryProperties(
        String adminToken,
        @Valid @DefaultValue Db db,
        @NotBlank @DefaultValue("call-history-sink") String groupId,
        @DefaultValue("true") boolean publish,
        @DefaultValue("false") boolean rebuild,
        @Min(1) @DefaultValue("1") int concurrency,
        @Min(1) @DefaultValue("3") int recordAttempts,
        @NotNull @DefaultValue("1s") Duration recordRetryInterval,
        @NotNull @DefaultValue("60s") Duration stallAfter,
        @Min(256) @DefaultValue("65536") int maxBodyBytes,
        @NotNull @DefaultValue("500ms") Duration batchWait) {

    /** The fact listener's {@code fetch.min.bytes} while {@code batchWait} is on: about 200 facts. */
    public static final int BATCH_BYTES = 64 * 1024;

    public HistoryProperties {
        adminToken = required(adminToken, "ADMIN_TOKEN (history.admin-token)");
    }

    /** Whether finished calls are sent now: never during a rebuild. */
    public boolean publishing() {
        return publish && !rebuild;
    }

    /**
     * The call-history store. Every sink instance of a deployment uses the same store: a partition
     * that moves to another instance carries on from what its old owner folded.
     *
     * @param url JDBC URL of the store ({@code CALL_HISTORY_DB_URL}, required; standalone: an H2 file
     *     under {@code DATA_DIR})
     * @param user its user ({@code CALL_HISTORY_DB_USER})
     * @param password its password ({@code CALL_HISTORY_DB_PASSWORD})
     */
    public record Db(String url, String user, String password) {

        public Db {
            url = required(url, "CALL_HISTORY_DB_URL (history.db.url)");
            if (!url.startsWith("jdbc:")) {
                throw new IllegalArgumentException("CALL_HISTORY_DB_URL must be a JDBC URL (jdbc:...)");
            }
        }

        @Override
        public String toString() {
            return "Db[url=" + url + ", user=" + user + "]";
        }
    }

    private static String required(String value, String name) {
        // an unset environment variable leaves the placeholder itself in the value
        if (value == null || value.isBlank() || value.startsWith("${")) {
            throw new IllegalArgumentException(name + " must be set");
        }
        return value;
    }

    @Override
    public String toString() {
        return "HistoryProperties[db=" + db + ", groupId=" + groupId + ", publish=" + publish + ", rebuild=" + rebuild
                + ", concurrency=" + concurrency + ", recordAttempts=" + recordAttempts + ", recordRetryInterval="
                + recordRetryInterval + ", stallAfter=" + stallAfter + ", maxBodyBytes=" + maxBodyBytes + ", batchWait=" + batchWait
                + "]";
    }
}
