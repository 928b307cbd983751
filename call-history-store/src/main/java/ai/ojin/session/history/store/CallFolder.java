package ai.ojin.session.history.store;

import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.history.CallRecord;
import ai.ojin.session.history.call.CallState;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Folds a batch of facts into the store in one transaction: facts are first merged per session in
 * memory, then each session's row is locked, merged and written back only when it changed. A call
 * whose record changed and is publishable ({@link CallState#publishable}: finished, its request
 * read) is marked for publication (the outbox flag), also during a
 * rebuild, which does not send: a sink switched back to normal mode then publishes the calls whose
 * facts it replays, so calls that finished while it was down are not lost.
 */
public class CallFolder {

    private final CallStore store;
    private final TransactionTemplate transactions;
    private final boolean publishing;
    private final MeterRegistry meters;

    /**
     * The sink's fold, and session-audit's {@code rebuild-history} folds with this same code.
     *
     * @param publishing whether finished calls are marked for publication (the service's
     *     {@code history.publish}; the service's rebuild mode marks them too)
     */
    public CallFolder(CallStore store, TransactionTemplate transactions, boolean publishing, MeterRegistry meters) {
        this.store = store;
        this.transactions = transactions;
        this.publishing = publishing;
        this.meters = meters;
    }

    /** @return the finished call records that still have to be published, by session id */
    public Map<String, CallRecord> fold(List<SessionEvent> facts) {
        Map<String, CallState> deltas = new LinkedHashMap<>();
        for (SessionEvent fact : facts) {
            deltas.merge(fact.sessionId(), CallState.of(fact), CallState::merge);
            meters.counter("call.history.facts", "type", fact.typeName()).increment();
        }
        if (deltas.isEmpty()) {
            return Map.of();
        }
        return Objects.requireNonNull(transactions.execute(tx -> write(deltas)));
    }

    private Map<String, CallRecord> write(Map<String, CallState> deltas) {
        Map<String, StoredCall> stored = store.lock(deltas.keySet());
        List<StoredCall> inserts = new ArrayList<>();
        List<StoredCall> updates = new ArrayList<>();
        Map<String, CallRecord> toPublish = new LinkedHashMap<>();
        int unchanged = 0;
        for (CallState delta : deltas.values()) {
            StoredCall before = stored.get(delta.sessionId());
            CallState after = before == null ? delta : before.state().merge(delta);
            CallRecord record = after.toCallRecord();
            boolean recordChanged = before == null || !record.equals(before.state().toCallRecord());
            boolean pending = (before != null && before.publishPending())
                    || (publishing && after.publishable() && recordChanged);
            StoredCall row = new StoredCall(after, pending);
            if (before == null) {
                inserts.add(row);
            } else if (!row.equals(before)) {
                updates.add(row);
            } else {
                unchanged++;
            }
            if (after.finished() && (before == null || !before.state().finished())) {
                meters.counter("call.history.calls.finished", "outcome", after.outcome()).increment();
            }
            if (pending) {
                toPublish.put(after.sessionId(), record);
            }
        }
        store.insert(inserts);
        store.update(updates);
        meters.counter("call.history.rows.unchanged").increment(unchanged);
        return toPublish;
    }
}
