package dev.klambda.poller.mapping;

import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * An event source mapping's meters, tagged with its function and UUID: records polled, batches
 * invoked and their size, function errors, retries, records sent to the on-failure destination (or
 * dropped without one), and offset lag per partition.
 */
public final class MappingMetrics {

    private final MeterRegistry registry;
    private final Tags tags;
    private final Counter polled;
    private final Counter batches;
    private final DistributionSummary batchSize;
    private final Counter functionErrors;

    public MappingMetrics(MeterRegistry registry, String function, String uuid) {
        this.registry = registry;
        this.tags = Tags.of("function", function, "mapping", uuid);
        this.polled = Counter.builder("klambda.mapping.records.polled").description("Records read from the source")
                .tags(tags).register(registry);
        this.batches = Counter.builder("klambda.mapping.batches.invoked").description("Batches the function was invoked with")
                .tags(tags).register(registry);
        this.batchSize = DistributionSummary.builder("klambda.mapping.batch.size").description("Records per invoked batch")
                .tags(tags).register(registry);
        this.functionErrors = Counter.builder("klambda.mapping.function.errors")
                .description("Batches the function failed (whole or in part)").tags(tags).register(registry);
    }

    public void polled() {
        polled.increment();
    }

    public void invoked(int records) {
        batches.increment();
        batchSize.record(records);
    }

    public void functionError() {
        functionErrors.increment();
    }

    /** A batch will go again; {@code reason} is function_error, bisect, throttle, platform_error or destination_error. */
    public void retried(String reason) {
        Counter.builder("klambda.mapping.retries").description("Batches scheduled to be processed again").tags(tags)
                .tag("reason", reason).register(registry).increment();
    }

    /** Records given up: {@code outcome} is destination (sent there) or dropped (no destination set). */
    public void failed(int records, String condition, String outcome) {
        Counter.builder("klambda.mapping.records.failed")
                .description("Records given up after their retries or age, by where they went").tags(tags)
                .tag("condition", condition).tag("outcome", outcome).register(registry).increment(records);
    }

    /** A gauge of a partition's offset lag, read from {@code state}. */
    public <T> Gauge lag(String partition, T state, ToDoubleFunction<T> lag) {
        return Gauge.builder("klambda.mapping.offset.lag", state, lag).description("Records behind the end of a partition")
                .tags(tags).tag("partition", partition).register(registry);
    }

    public void remove(Gauge gauge) {
        registry.remove(gauge);
    }

    /** Removes this mapping's meters: it was deleted or changed. */
    public void close() {
        registry.getMeters().stream()
                .filter(meter -> meter.getId().getName().startsWith("klambda.mapping.")
                        && tags.stream().allMatch(tag -> tag.getValue().equals(meter.getId().getTag(tag.getKey()))))
                .forEach(registry::remove);
    }
}
