package ai.ojin.session.bench;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Kafka floor: a request/reply round trip with plain clients over the same broker (request
 * topic, an echo consumer-producer, reply topic), which is the least any Kafka-routed request can
 * cost here.
 */
final class KafkaFloor implements AutoCloseable {

    private final String requests = "bench-floor-req-" + UUID.randomUUID();
    private final String replies = "bench-floor-rep-" + UUID.randomUUID();
    private final KafkaProducer<String, String> clientProducer;
    private final ConcurrentHashMap<String, CompletableFuture<String>> pending = new ConcurrentHashMap<>();
    private final Thread echo;
    private final Thread replyReader;
    private volatile boolean running = true;

    KafkaFloor(String bootstrap) throws InterruptedException, ExecutionException {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(requests, 1, (short) 1), new NewTopic(replies, 1, (short) 1))).all().get();
        }
        clientProducer = producer(bootstrap);
        KafkaProducer<String, String> echoProducer = producer(bootstrap);
        KafkaConsumer<String, String> echoConsumer = consumer(bootstrap, requests);
        KafkaConsumer<String, String> replyConsumer = consumer(bootstrap, replies);
        echo = daemon("floor-echo", () -> {
            try (echoConsumer; echoProducer) {
                while (running) {
                    for (var record : echoConsumer.poll(Duration.ofMillis(50))) {
                        echoProducer.send(new ProducerRecord<>(replies, record.key(), record.value()));
                    }
                }
            }
        });
        replyReader = daemon("floor-replies", () -> {
            try (replyConsumer) {
                while (running) {
                    for (var record : replyConsumer.poll(Duration.ofMillis(50))) {
                        var future = pending.remove(record.key());
                        if (future != null) {
                            future.complete("reply");
                        }
                    }
                }
            }
        });
    }

    CompletableFuture<String> roundTrip(long i) {
        String key = Long.toString(i);
        CompletableFuture<String> future = new CompletableFuture<>();
        pending.put(key, future);
        clientProducer.send(new ProducerRecord<>(requests, key, "x"), (metadata, error) -> {
            if (error != null && pending.remove(key) != null) {
                future.completeExceptionally(error);
            }
        });
        return future;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        echo.join();
        replyReader.join();
        clientProducer.close();
    }

    private static Thread daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static KafkaProducer<String, String> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer());
    }

    private static KafkaConsumer<String, String> consumer(String bootstrap, String topic) {
        var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new StringDeserializer());
        var partition = new TopicPartition(topic, 0);
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        return consumer;
    }
}
