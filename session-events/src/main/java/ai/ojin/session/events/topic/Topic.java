package ai.ojin.session.events.topic;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serde;

/** A typed topic descriptor: the name and the serdes of its keys and values, in one place. */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {

    public ProducerRecord<K, V> record(K key, V value) {
        return new ProducerRecord<>(name, key, value);
    }

    public ProducerRecord<K, V> record(Integer partition, K key, V value) {
        return new ProducerRecord<>(name, partition, key, value);
    }
}
