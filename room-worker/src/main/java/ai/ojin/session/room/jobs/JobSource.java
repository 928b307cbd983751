package ai.ojin.session.room.jobs;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Turns records into jobs, and says when it has so much work in flight that reading should pause. */
public interface JobSource<V> {

    /** Starts the work for a readable record (called on the consumer thread: must not block). */
    Job start(ConsumerRecord<String, V> record);

    /** Starts the work for a record whose value could not be read (dead-lettering it). */
    Job unreadable(ConsumerRecord<String, V> record, Exception cause);

    /** True while no more records should be read. */
    boolean saturated();
}
