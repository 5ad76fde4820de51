package dev.klambda.poller.async;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import dev.klambda.invoker.async.AsyncEvent;
import dev.klambda.invoker.async.AsyncRecords;
import dev.klambda.invoker.async.AsyncTopics;
import dev.klambda.poller.ConsumerPauses;

/**
 * Drains the asynchronous event queue: one Kafka consumer in the {@value #GROUP} group reading new
 * events and due retries, with many events of a partition in flight at once. An offset is committed
 * only when every record before it is finished, so a crash at any moment redelivers what was not
 * (at-least-once). Records not yet due wait on a timer, not in a sleeping consumer. The consumer
 * reads ahead of the attempts by up to {@code maxRunning} events (so the next are at hand when one
 * finishes); with that many read and not started, or too many retries waiting, it pauses its
 * partitions instead of reading further, and the poller waits for room rather than in Kafka.
 */
public final class AsyncPoller implements AutoCloseable {

    /** The consumer group of every poller replica; Kafka spreads the partitions among them. */
    public static final String GROUP = "klambda-async";

    /**
     * @param maxRunning events attempted at once; as many again are read ahead before new events wait in Kafka
     * @param maxWaiting retries held for their due time before further retries wait in Kafka
     * @param commitInterval how often finished offsets are committed
     */
    public record Options(int maxRunning, int maxWaiting, Duration commitInterval) {

        public static final Options DEFAULT = new Options(64, 10_000, Duration.ofMillis(200));
    }

    private static final Logger LOG = Logger.getLogger(AsyncPoller.class);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration RETRY_PROCESSING = Duration.ofSeconds(1);
    private static final Duration DRAIN = Duration.ofSeconds(5);

    /** A record read and not yet finished. Only the poller's thread reads the queue; any thread finishes. */
    private static final class Entry {
        final long offset;
        volatile boolean done;
        volatile boolean abandoned;

        Entry(long offset) {
            this.offset = offset;
        }
    }

    private record Ready(Entry entry, AsyncEvent event) {
    }

    private final Consumer<String, byte[]> consumer;
    private final AsyncProcessor processor;
    private final ScheduledExecutorService timers;
    private final Clock clock;
    private final Options options;
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger waiting = new AtomicInteger();
    // Events read and due, waiting for one of the maxRunning slots.
    private final Queue<Ready> ready = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    // Touched by the poller's thread only (the rebalance listener runs inside poll()).
    private final Map<TopicPartition, ArrayDeque<Entry>> windows = new HashMap<>();
    private final Thread thread;
    // Set while the poller's thread waits for the read-ahead to run low; finished attempts then wake it.
    private volatile boolean awaitingRoom;
    private volatile boolean stopping;
    private Instant lastCommit = Instant.EPOCH;

    public AsyncPoller(Consumer<String, byte[]> consumer, AsyncProcessor processor, ScheduledExecutorService timers,
            Clock clock, Options options) {
        this.consumer = consumer;
        this.processor = processor;
        this.timers = timers;
        this.clock = clock;
        this.options = options;
        this.thread = Thread.ofPlatform().name("klambda-async-poller").daemon().unstarted(this::run);
    }

    /**
     * A consumer of the queue on the Kafka cluster at {@code bootstrapServers}. Leave out
     * {@code group.instance.id}: in Kafka 4's group protocol a static member that rejoins while its
     * crashed predecessor's session lasts is refused with {@code UnreleasedInstanceIdException},
     * which is fatal to the consumer and so stops the poller. A dynamic member that replaces a
     * crashed one gets its partitions when that session ends.
     */
    public static Consumer<String, byte[]> consumer(String bootstrapServers, Map<String, Object> settings) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "klambda-async-poller");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        // A consumer that has caught up would otherwise fetch every event on its own, a request and a wakeup
        // each: the broker answers once 16 KB (some 60 events) are there or 100 ms have passed.
        config.put(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 16 * 1024);
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        // Kafka 4's group protocol: the broker assigns partitions, and a rebalance never waits for
        // every member to rejoin, so one that died holds only its own partitions until its session ends.
        config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer");
        config.putAll(settings);
        return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    }

    public void start() {
        thread.start();
    }

    private void run() {
        try {
            consumer.subscribe(List.of(AsyncTopics.EVENTS, AsyncTopics.RETRIES), new Rebalances());
            while (!stopping) {
                if (readAheadFull()) {
                    awaitRoom();
                }
                pauseWhenBusy();
                // Paused for want of room, a poll only runs Kafka's callbacks and returns nothing: it need not wait.
                for (ConsumerRecord<String, byte[]> record : consumer.poll(readAheadFull() ? Duration.ZERO : POLL)) {
                    accept(record);
                }
                commitFinished(false);
            }
        } catch (WakeupException e) {
            // close() asked us to stop.
        } catch (RuntimeException e) {
            LOG.error("The asynchronous event poller stopped", e);
        } finally {
            drainAndClose();
        }
    }

    private void accept(ConsumerRecord<String, byte[]> record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        ArrayDeque<Entry> window = windows.computeIfAbsent(partition, p -> new ArrayDeque<>());
        Entry entry = new Entry(record.offset());
        window.add(entry);
        AsyncEvent event;
        try {
            event = AsyncRecords.fromRecord(record);
        } catch (IllegalArgumentException e) {
            LOG.warnf("Skipped record %s of %s: it is not an event of klambda's queue (%s)", record.offset(), partition,
                    e.getMessage());
            entry.done = true;
            return;
        }
        long wait = event.due() == null ? 0 : Duration.between(clock.instant(), event.due()).toMillis();
        if (wait <= 0) {
            start(entry, event);
        } else {
            startLater(entry, event, wait);
        }
    }

    /** Holds the event on a timer, counted as waiting, and queues it for an attempt after {@code millis}. */
    private void startLater(Entry entry, AsyncEvent event, long millis) {
        waiting.incrementAndGet();
        timers.schedule(() -> {
            waiting.decrementAndGet();
            start(entry, event);
        }, millis, TimeUnit.MILLISECONDS);
    }

    /** Queues the event for an attempt; at most {@code maxRunning} attempts run at once. */
    private void start(Entry entry, AsyncEvent event) {
        if (entry.abandoned) {
            return;
        }
        ready.add(new Ready(entry, event));
        queued.incrementAndGet();
        runReady();
    }

    /** Starts queued events while there is room; any thread may call it, and each finished attempt does. */
    private void runReady() {
        while (true) {
            int now = running.get();
            if (now >= options.maxRunning()) {
                return;
            }
            if (!running.compareAndSet(now, now + 1)) {
                continue;
            }
            Ready next = ready.poll();
            if (next == null) {
                running.decrementAndGet();
                // Another thread may have queued an event while this one held the slot.
                if (ready.isEmpty()) {
                    return;
                }
                continue;
            }
            queued.decrementAndGet();
            attempt(next);
        }
    }

    private void attempt(Ready next) {
        if (next.entry().abandoned) {
            running.decrementAndGet();
            return;
        }
        processor.process(next.event()).whenComplete((ok, failure) -> {
            running.decrementAndGet();
            if (failure == null) {
                next.entry().done = true;
            } else {
                // Nothing was stored for the event's next step (Kafka may be away): go again later.
                LOG.warnf("Event %s will be processed again: %s", next.event().requestId(), failure.getMessage());
                startLater(next.entry(), next.event(), RETRY_PROCESSING.toMillis());
            }
            runReady();
            if (awaitingRoom && queued.get() <= lowWater()) {
                LockSupport.unpark(thread);
            }
        });
    }

    /** Events read and due but not started: as many as may run at once is enough to have the next at hand. */
    private boolean readAheadFull() {
        return queued.get() >= options.maxRunning();
    }

    /** Read-ahead below which the poller reads again, so that the next records come before the last start. */
    private int lowWater() {
        return options.maxRunning() / 2;
    }

    /**
     * Waits, for at most {@link #POLL}, until finished attempts have taken the read-ahead down to
     * {@link #lowWater()}. Waiting here rather than in a poll of paused partitions lets the poller read
     * again as soon as there is room.
     */
    private void awaitRoom() {
        long deadline = System.nanoTime() + POLL.toNanos();
        awaitingRoom = true;
        try {
            // awaitingRoom is set before queued is read, and a finishing attempt lowers queued before it reads
            // awaitingRoom: either this loop sees the room or that attempt unparks this thread.
            while (queued.get() > lowWater() && !stopping) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                LockSupport.parkNanos(this, left);
            }
        } finally {
            awaitingRoom = false;
        }
    }

    /** Commits, per partition, the offset after the longest run of finished records. */
    private void commitFinished(boolean now) {
        Instant time = clock.instant();
        if (!now && Duration.between(lastCommit, time).compareTo(options.commitInterval()) < 0) {
            return;
        }
        lastCommit = time;
        Map<TopicPartition, OffsetAndMetadata> offsets = finishedOffsets(windows.keySet());
        if (offsets.isEmpty()) {
            return;
        }
        if (now) {
            consumer.commitSync(offsets);
        } else {
            consumer.commitAsync(offsets, (committed, failure) -> {
                if (failure != null) {
                    LOG.warnf("Committing offsets failed; the records are kept and committed later: %s",
                            failure.getMessage());
                }
            });
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> finishedOffsets(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : partitions) {
            ArrayDeque<Entry> window = windows.get(partition);
            if (window == null) {
                continue;
            }
            long next = -1;
            while (!window.isEmpty() && window.peekFirst().done) {
                next = window.pollFirst().offset + 1;
            }
            if (next >= 0) {
                offsets.put(partition, new OffsetAndMetadata(next));
            }
        }
        return offsets;
    }

    /** Events wait in Kafka while the read-ahead is full; retries also while too many wait for their time. */
    private void pauseWhenBusy() {
        boolean full = readAheadFull();
        boolean tooManyWaiting = waiting.get() >= options.maxWaiting();
        ConsumerPauses.apply(consumer,
                partition -> full || (partition.topic().equals(AsyncTopics.RETRIES) && tooManyWaiting));
    }

    private void drainAndClose() {
        try {
            consumer.pause(consumer.assignment());
            Instant deadline = clock.instant().plus(DRAIN);
            while (running.get() > 0 && clock.instant().isBefore(deadline)) {
                consumer.poll(POLL);
            }
            commitFinished(true);
        } catch (RuntimeException e) {
            LOG.warnf("Committing the last offsets failed; their records will be processed again: %s", e.getMessage());
        } finally {
            windows.values().forEach(window -> window.forEach(entry -> entry.abandoned = true));
            consumer.close();
        }
    }

    /** Finished records are committed before a partition goes to another replica; the rest are left to it. */
    private final class Rebalances implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            Map<TopicPartition, OffsetAndMetadata> offsets = finishedOffsets(partitions);
            try {
                if (!offsets.isEmpty()) {
                    consumer.commitSync(offsets);
                }
            } catch (RuntimeException e) {
                LOG.warnf("Committing before a rebalance failed; those records will be processed again: %s",
                        e.getMessage());
            }
            onPartitionsLost(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            for (TopicPartition partition : partitions) {
                ArrayDeque<Entry> window = windows.remove(partition);
                if (window != null) {
                    window.forEach(entry -> entry.abandoned = true);
                }
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            partitions.forEach(partition -> windows.put(partition, new ArrayDeque<>()));
        }
    }

    /** Stops reading, lets running attempts finish for a few seconds, commits what finished. */
    @Override
    public void close() throws InterruptedException {
        stopping = true;
        thread.join(DRAIN.plusSeconds(5).toMillis());
    }
}
