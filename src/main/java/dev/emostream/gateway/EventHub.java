package dev.emostream.gateway;

import dev.emostream.contract.Contracts;
import dev.emostream.contract.EmotionEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Fans the emotion events topic out to this gateway's clients. Every gateway instance reads every
 * partition (no consumer group: a dashboard or voice app may be connected to any instance), from
 * the end, read_committed so only events of committed transactions reach clients. Subscribers
 * choose streams and calls; deliveries happen on the hub's thread, so subscribers hand them to
 * their own event loop.
 */
public final class EventHub implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EventHub.class.getName());
    private static final Duration PARTITION_REFRESH = Duration.ofSeconds(30);
    private static final Duration RETRY = Duration.ofSeconds(1);

    /** Receives matching events on the hub's thread; must not block. */
    @FunctionalInterface
    public interface Subscriber {
        void deliver(EmotionEvent event, String json);
    }

    /** Ends a subscription. */
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final String topic;
    private final GatewayMetrics metrics;
    private final Map<String, Set<Subscriber>> byStream = new ConcurrentHashMap<>();
    private final Map<String, Set<Subscriber>> byCall = new ConcurrentHashMap<>();
    private final Set<Subscriber> everything = ConcurrentHashMap.newKeySet();
    private final CountDownLatch positioned = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;

    private EventHub(Map<String, Object> kafkaConfig, String topic, GatewayMetrics metrics) {
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "emostream-gateway-events");
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(config);
        this.topic = topic;
        this.metrics = metrics;
        this.thread = new Thread(this::run, "emostream-event-hub");
        this.thread.setDaemon(true);
    }

    /** Starts reading and waits until the hub is at the end of every partition (so no later event is missed). */
    public static EventHub start(Map<String, Object> kafkaConfig, String topic, GatewayMetrics metrics, Duration timeout)
            throws InterruptedException {
        EventHub hub = new EventHub(kafkaConfig, topic, metrics);
        hub.thread.start();
        if (!hub.positioned.await(timeout.toMillis(), TimeUnit.MILLISECONDS) || hub.failure != null) {
            hub.close();
            Throwable f = hub.failure;
            throw new IllegalStateException("the gateway could not read topic " + topic + " within " + timeout
                    + (f == null ? "" : ": " + f.getMessage()), f);
        }
        return hub;
    }

    /**
     * Subscribes to the events of the given streams and calls (either set may be empty; both empty:
     * every event). An event matching several filters is delivered once.
     */
    public Subscription subscribe(Set<String> streamIds, Set<String> callIds, Subscriber subscriber) {
        if (streamIds.isEmpty() && callIds.isEmpty()) {
            everything.add(subscriber);
            return () -> everything.remove(subscriber);
        }
        streamIds.forEach(s -> add(byStream, s, subscriber));
        callIds.forEach(c -> add(byCall, c, subscriber));
        return () -> {
            streamIds.forEach(s -> remove(byStream, s, subscriber));
            callIds.forEach(c -> remove(byCall, c, subscriber));
        };
    }

    /** Adds under the map's lock for the key, so a concurrent removal of the last subscriber cannot orphan the set. */
    private static void add(Map<String, Set<Subscriber>> index, String key, Subscriber subscriber) {
        index.compute(key, (k, set) -> {
            Set<Subscriber> s = set == null ? ConcurrentHashMap.newKeySet() : set;
            s.add(subscriber);
            return s;
        });
    }

    private static void remove(Map<String, Set<Subscriber>> index, String key, Subscriber subscriber) {
        index.computeIfPresent(key, (k, set) -> {
            set.remove(subscriber);
            return set.isEmpty() ? null : set;
        });
    }

    /** Whether the hub is reading (false after a failure or close). */
    public boolean healthy() {
        return running && failure == null && positioned.getCount() == 0;
    }

    private void run() {
        long nextRefresh = 0;
        List<TopicPartition> assigned = List.of();
        try {
            while (running) {
                try {
                    if (System.nanoTime() - nextRefresh >= 0) {
                        assigned = refreshPartitions(assigned);
                        nextRefresh = System.nanoTime() + PARTITION_REFRESH.toNanos();
                        positioned.countDown();
                    }
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        dispatch(r);
                    }
                    if (failure != null) {
                        LOG.log(System.Logger.Level.INFO, "the gateway's event reader reads again");
                        failure = null;
                    }
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    // The cluster unreachable, a timeout, a rebalance of leaders: live events pause
                    // (readiness says so) and the reader tries again, from where it was.
                    if (failure == null) {
                        LOG.log(System.Logger.Level.WARNING, "the gateway's event reader failed, retrying every "
                                + RETRY.toSeconds() + " s: " + e, e);
                    }
                    failure = e;
                    nextRefresh = 0;
                    Thread.sleep(RETRY.toMillis());
                }
            }
        } catch (WakeupException | InterruptedException e) {
            // close() woke the consumer up
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Reads partitions added since the last look from their start (their events are new); the first time, from the end. */
    private List<TopicPartition> refreshPartitions(List<TopicPartition> assigned) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist");
        }
        if (infos.size() == assigned.size()) {
            return assigned;
        }
        List<TopicPartition> all = new ArrayList<>();
        infos.forEach(i -> all.add(new TopicPartition(topic, i.partition())));
        List<TopicPartition> added = new ArrayList<>(all);
        added.removeAll(assigned);
        consumer.assign(all);
        if (assigned.isEmpty()) {
            consumer.seekToEnd(all);
        } else {
            consumer.seekToBeginning(added);
        }
        all.forEach(consumer::position); // resolve the positions now, so "positioned" means it
        return all;
    }

    private void dispatch(ConsumerRecord<String, byte[]> r) {
        metrics.eventRead();
        Set<Subscriber> streamSubs = r.key() == null ? null : byStream.get(r.key());
        if (everything.isEmpty() && streamSubs == null && byCall.isEmpty()) {
            return; // nobody listens: skip decoding
        }
        EmotionEvent event;
        try {
            event = Contracts.decodeEvent(r.value());
        } catch (Exception e) {
            metrics.undecodableEvent();
            LOG.log(System.Logger.Level.WARNING, "skipping an undecodable record on " + topic + " at " + r.partition() + "/"
                    + r.offset() + ": " + e);
            return;
        }
        Set<Subscriber> callSubs = event.getCallId() == null ? null : byCall.get(event.getCallId());
        if (everything.isEmpty() && streamSubs == null && callSubs == null) {
            return;
        }
        String json = EventJson.toJson(event);
        Set<Subscriber> delivered = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Set<Subscriber> set : List.of(everything, streamSubs == null ? Set.<Subscriber>of() : streamSubs,
                callSubs == null ? Set.<Subscriber>of() : callSubs)) {
            for (Subscriber s : set) {
                if (delivered.add(s)) {
                    try {
                        s.deliver(event, json);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.WARNING, "an event subscriber failed: " + e, e);
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
