package ai.ojin.session.history.store;

import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.history.CallRecord;
import ai.ojin.session.history.call.CallState;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Folds a batch of facts into the store in one transaction: facts are first merged per session in
 * memory, then each session's row is locked, merged and written back only when it changed. A call
 * whose record changed and is publishable ({@link CallState#publishable}: finished, its request
 * read) is to be published: with a {@link Sender} it is sent before the transaction commits (and
 * stored as published; a send that fails rolls the fold back), without one (a rebuild, which does
 * not send) it is marked for publication (the outbox flag): a sink switched back to normal mode
 * then publishes the marked calls whose facts it replays, so calls that finished while it was down
 * are not lost.
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

    /** Where finished calls go before the fold commits; throws when they did not all go. */
    @FunctionalInterface
    public interface Sender {
        void send(Collection<CallRecord> records);
    }

    /** Folds without sending: finished calls are marked for publication. */
    public void fold(List<SessionEvent> facts) {
        fold(facts, null);
    }

    /**
     * @param sender where the finished calls go before the transaction commits, or null to mark them
     *     for publication instead
     */
    public void fold(List<SessionEvent> facts, Sender sender) {
        Map<String, CallState> deltas = new LinkedHashMap<>();
        for (SessionEvent fact : facts) {
            deltas.merge(fact.sessionId(), CallState.of(fact), CallState::merge);
            meters.counter("call.history.facts", "type", fact.typeName()).increment();
        }
        if (!deltas.isEmpty()) {
            transactions.executeWithoutResult(tx -> write(deltas, sender));
        }
    }

    private void write(Map<String, CallState> deltas, Sender sender) {
        Map<String, StoredCall> stored = store.lock(deltas.keySet());
        List<StoredCall> inserts = new ArrayList<>();
        List<StoredCall> updates = new ArrayList<>();
        List<CallRecord> toPublish = new ArrayList<>();
        int unchanged = 0;
        for (CallState delta : deltas.values()) {
            StoredCall before = stored.get(delta.sessionId());
            CallState after = before == null ? delta : before.state().merge(delta);
            CallRecord record = after.toCallRecord();
            boolean recordChanged = before == null || !record.equals(before.state().toCallRecord());
            boolean pending = (before != null && before.publishPending())
                    || (publishing && after.publishable() && recordChanged);
            StoredCall row = new StoredCall(after, pending && sender == null);
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
                toPublish.add(record);
            }
        }
        store.insert(inserts);
        store.update(updates);
        meters.counter("call.history.rows.unchanged").increment(unchanged);
        if (sender != null && !toPublish.isEmpty()) {
            // before the commit: a call is stored as published only once the broker has it (a crash
            // after the send and before the commit refolds the facts and sends it again)
            sender.send(toPublish);
        }
    }
}
