package ai.ojin.session.connect.kafka;

import java.time.Duration;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * A consumer with assigned partitions (no group management) polled on a thread of its own. The
 * subclass positions it in {@link #start()}, which runs before the web server accepts requests,
 * and handles each record; an unreadable record is logged and skipped. {@link #stop()} wakes the
 * consumer and waits for the thread.
 */
public abstract class AssignedConsumerLoop<K, V> implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(AssignedConsumerLoop.class);

    private final String name;
    private final Supplier<Consumer<K, V>> consumers;
    private final Duration pollTimeout;

    private volatile boolean running;
    private volatile Consumer<K, V> consumer;
    private volatile Thread thread;

    protected AssignedConsumerLoop(String name, Supplier<Consumer<K, V>> consumers, Duration pollTimeout) {
        this.name = name;
        this.consumers = consumers;
        this.pollTimeout = pollTimeout;
    }

    /** Assigns the partitions and seeks; a failure here fails the start-up. */
    protected abstract void position(Consumer<K, V> consumer);

    protected abstract void handle(ConsumerRecord<K, V> record);

    /** Before the records of one poll are handled (only when the poll returned some). */
    protected void beforeRecords(Consumer<K, V> consumer, ConsumerRecords<K, V> records) {
    }

    /** After the records of one poll were handled. */
    protected void afterPoll(Consumer<K, V> consumer) {
    }

    /** Once the loop has ended, whatever the reason. */
    protected void onStopped() {
    }

    @Override
    public final void start() {
        Consumer<K, V> c = consumers.get();
        try {
            position(c);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        consumer = c;
        running = true;
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        Consumer<K, V> c = consumer;
        try {
            while (running) {
                try {
                    ConsumerRecords<K, V> records = c.poll(pollTimeout);
                    if (!records.isEmpty()) {
                        beforeRecords(c, records);
                    }
                    for (ConsumerRecord<K, V> record : records) {
                        handle(record);
                    }
                    afterPoll(c);
                } catch (RecordDeserializationException e) {
                    log.error("{}: skipping unreadable record at {} offset {}", name, e.topicPartition(), e.offset(), e);
                    c.seek(e.topicPartition(), e.offset() + 1);
                } catch (WakeupException e) {
                    if (running) {
                        throw e;
                    }
                }
            }
        } catch (RuntimeException e) {
            log.error("{} stopped reading", name, e);
        } finally {
            running = false;
            c.close();
            onStopped();
        }
    }

    @Override
    public final void stop() {
        running = false;
        Consumer<K, V> c = consumer;
        Thread t = thread;
        if (c != null) {
            c.wakeup();
        }
        if (t != null) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        thread = null;
        consumer = null;
    }

    @Override
    public final boolean isRunning() {
        return running;
    }

    /** Starts before the web server (and stops after it). */
    @Override
    public int getPhase() {
        return 0;
    }
}
