package ai.ojin.session.room.session;

import ai.ojin.session.events.fact.SessionAdmitted;
import ai.ojin.session.events.fact.SessionEnded;
import ai.ojin.session.events.fact.SessionEvent;
import ai.ojin.session.events.fact.SessionFailed;
import ai.ojin.session.events.fact.SessionStarted;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.listener.BatchMessageListener;
import org.springframework.kafka.support.serializer.SerializationUtils;

/**
 * Reads a poll's worth of facts, starts the work for all of them at once (set-ups and tear-downs
 * run concurrently, each bounded by its budget) and returns only when all of it is finished, so the
 * container commits offsets only for finished work. An unreadable record stops the batch at its
 * index ({@link BatchListenerFailedException}): the records before it are committed, it goes to the
 * dead-letter topic, the ones after it come again.
 */
public class SessionEventsListener implements BatchMessageListener<String, SessionEvent> {

    private static final Logger log = LoggerFactory.getLogger(SessionEventsListener.class);

    private final SessionSetup setup;
    private final SessionTeardown teardown;
    private final SessionRegistry registry;
    private final Duration batchLimit;

    /** @param batchLimit a safety bound on waiting for one batch (every step has its own budget) */
    public SessionEventsListener(SessionSetup setup, SessionTeardown teardown, SessionRegistry registry,
                                 Duration batchLimit) {
        this.setup = setup;
        this.teardown = teardown;
        this.registry = registry;
        this.batchLimit = batchLimit;
    }

    @Override
    public void onMessage(List<ConsumerRecord<String, SessionEvent>> records) {
        List<CompletableFuture<Void>> work = new ArrayList<>();
        int poison = -1;
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<String, SessionEvent> record = records.get(i);
            if (record.value() == null) {
                if (record.headers().lastHeader(SerializationUtils.VALUE_DESERIALIZER_EXCEPTION_HEADER) != null) {
                    poison = i;
                    break;
                }
                continue;
            }
            work.add(dispatch(record.value()));
        }
        awaitAll(work);
        if (poison >= 0) {
            ConsumerRecord<String, SessionEvent> bad = records.get(poison);
            throw new BatchListenerFailedException("unreadable fact at " + bad.topic() + "-" + bad.partition() + "@"
                    + bad.offset(), poison);
        }
    }

    private CompletableFuture<Void> dispatch(SessionEvent event) {
        if (event instanceof SessionAdmitted admitted) {
            registry.admitted(admitted.sessionId());
            return setup.setUp(admitted);
        }
        if (event instanceof SessionStarted started) {
            registry.started(started.sessionId());
        } else if (event instanceof SessionEnded ended) {
            return teardown.onEnded(ended);
        } else if (event instanceof SessionFailed failed) {
            registry.failed(failed.sessionId());
        }
        return CompletableFuture.completedFuture(null);
    }

    private void awaitAll(List<CompletableFuture<Void>> work) {
        if (work.isEmpty()) {
            return;
        }
        try {
            CompletableFuture.allOf(work.toArray(CompletableFuture[]::new)).get(batchLimit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + work.size() + " sessions", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a session's outcome could not be written; the batch comes again", e.getCause());
        } catch (TimeoutException e) {
            log.error("{} sessions did not finish within {}; the batch comes again", work.size(), batchLimit);
            throw new IllegalStateException("batch not finished within " + batchLimit, e);
        }
    }
}
