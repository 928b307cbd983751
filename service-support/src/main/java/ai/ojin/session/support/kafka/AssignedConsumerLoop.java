package ai.ojin.session.support.kafka;

import ai.ojin.session.support.schedule.Phases;
import java.time.Duration;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.CloseOptions;
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
 * and handles each record; an unreadable record is logged and skipped. Any other failure is
 * logged and the loop starts over with a new consumer ({@link #reposition}) after
 * {@link #RESTART_DELAY}; meanwhile {@link #isReading()} is false, which readiness reports.
 * {@link #stop()} wakes the consumer and waits for the thread.
 */
public abstract class AssignedConsumerLoop<K, V> implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(AssignedConsumerLoop.class);
    public static final Duration RESTART_DELAY = Duration.ofSeconds(1);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final String name;
    private final Supplier<Consumer<K, V>> consumers;
    private final Duration pollTimeout;

    private volatile boolean running;
    private volatile boolean reading;
    private volatile Consumer<K, V> consumer;
    private volatile Thread thread;

    protected AssignedConsumerLoop(String name, Supplier<Consumer<K, V>> consumers, Duration pollTimeout) {
        this.name = name;
        this.consumers = consumers;
        this.pollTimeout = pollTimeout;
    }

    /** The loop's name (its thread's, and in its log lines). */
    protected final String name() {
        return name;
    }

    /** Assigns the partitions and seeks; a failure here fails the start-up. */
    protected abstract void position(Consumer<K, V> consumer);

    /** Positions a new consumer after a failure; by default as at start-up. */
    protected void reposition(Consumer<K, V> consumer) {
        position(consumer);
    }

    protected abstract void handle(ConsumerRecord<K, V> record);

    /** Before each poll, on the loop's thread (it may wait a little: {@link #onStop} must end that wait). */
    protected void beforePoll(Consumer<K, V> consumer) {
    }

    /** Called by {@link #stop()} before it wakes the consumer: ends a wait of {@link #beforePoll}. */
    protected void onStop() {
    }

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
        reading = true;
        thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (running) {
                Consumer<K, V> c = consumer;
                try {
                    if (c == null) {
                        c = restartWhenDue();
                        if (c == null) {
                            continue;
                        }
                    }
                    pollUntilStopped(c);
                } catch (RuntimeException e) {
                    reading = false;
                    log.error("{} failed; starting over with a new consumer in {}", name, RESTART_DELAY, e);
                    if (c != null) {
                        closeQuietly(c);
                    }
                    consumer = null;
                }
            }
        } finally {
            running = false;
            reading = false;
            Consumer<K, V> c = consumer;
            if (c != null) {
                closeQuietly(c);
            }
            onStopped();
        }
    }

    private void pollUntilStopped(Consumer<K, V> c) {
        while (running) {
            try {
                pollOnce(c);
            } catch (WakeupException e) {
                if (running) {
                    throw e;
                }
            }
        }
    }

    /**
     * One turn of the loop: {@link #beforePoll}, one poll, each record {@linkplain #handle handled}
     * (an unreadable one logged and skipped), {@link #afterPoll}.
     */
    protected final void pollOnce(Consumer<K, V> c) {
        beforePoll(c);
        try {
            ConsumerRecords<K, V> records = c.poll(pollTimeout);
            if (!records.isEmpty()) {
                beforeRecords(c, records);
            }
            for (ConsumerRecord<K, V> record : records) {
                handle(record);
            }
        } catch (RecordDeserializationException e) {
            log.error("{}: skipping unreadable record at {} offset {}", name, e.topicPartition(), e.offset(), e);
            c.seek(e.topicPartition(), e.offset() + 1);
        }
        afterPoll(c);
    }

    /** Waits out the restart delay (cut short by stop()), then positions a new consumer (null: stopped). */
    private Consumer<K, V> restartWhenDue() {
        long due = System.nanoTime() + RESTART_DELAY.toNanos();
        while (running && System.nanoTime() < due) {
            try {
                Thread.sleep(Math.min(100, Math.max(1, (due - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
        if (!running) {
            return null;
        }
        Consumer<K, V> c = consumers.get();
        try {
            reposition(c);
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
        consumer = c;
        reading = true;
        log.info("{} reading again", name);
        return c;
    }

    private void closeQuietly(Consumer<K, V> c) {
        try {
            c.close(CloseOptions.timeout(CLOSE_TIMEOUT));
        } catch (RuntimeException e) {
            log.warn("{}: closing the consumer failed", name, e);
        }
    }

    @Override
    public final void stop() {
        running = false;
        onStop();
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

    /** True while the loop polls a positioned consumer (false while it starts over after a failure). */
    public final boolean isReading() {
        return reading;
    }

    /** Starts before the web server (and stops after it). */
    @Override
    public int getPhase() {
        return Phases.READERS;
    }
}
