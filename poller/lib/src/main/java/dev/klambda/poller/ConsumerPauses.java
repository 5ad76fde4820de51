package dev.klambda.poller;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/** Pauses a consumer's partitions that have enough waiting, and resumes the others, so Kafka holds the rest. */
public final class ConsumerPauses {

    private ConsumerPauses() {
    }

    /** Pauses the assigned partitions {@code full} accepts and resumes paused ones it no longer does. */
    public static void apply(Consumer<?, ?> consumer, Predicate<TopicPartition> full) {
        Set<TopicPartition> pause = new HashSet<>();
        Set<TopicPartition> resume = new HashSet<>();
        Set<TopicPartition> paused = consumer.paused();
        for (TopicPartition partition : consumer.assignment()) {
            boolean isFull = full.test(partition);
            if (isFull && !paused.contains(partition)) {
                pause.add(partition);
            } else if (!isFull && paused.contains(partition)) {
                resume.add(partition);
            }
        }
        if (!pause.isEmpty()) {
            consumer.pause(pause);
        }
        if (!resume.isEmpty()) {
            consumer.resume(resume);
        }
    }
}
