package dev.klambda.invoker.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import dev.klambda.agent.InvokeResult;
import dev.klambda.invoker.invoke.Target;

/**
 * Lambda's CloudWatch metrics as Prometheus meters, by account, function, executed version and
 * alias: {@code lambda_invocations_total}, {@code lambda_errors_total},
 * {@code lambda_throttles_total} (with the throttle reason), {@code lambda_duration_seconds}
 * (histogram), {@code lambda_concurrent_executions}, {@code lambda_cold_starts_total} and
 * {@code lambda_init_duration_seconds}; and for chargeback {@code lambda_billed_gb_seconds_total}
 * by account and function. The meters of a version and alias are looked up once, then reused.
 */
public final class InvocationMetrics {

    private static final double MB_PER_GB = 1024;

    private final MeterRegistry registry;
    private final Map<Key, Meters> meters = new ConcurrentHashMap<>();
    private final Map<FunctionKey, FunctionMeters> functions = new ConcurrentHashMap<>();

    private record Key(String account, String function, String version, String alias) {
    }

    private record FunctionKey(String account, String function) {
    }

    /** Per function: usage, and the gauge of what runs now. */
    private record FunctionMeters(Counter billedGbSeconds, Gauge concurrentExecutions) {
    }

    /** The meters one invocation of a version (through an alias or not) updates. */
    public final class Meters {

        private final Counter invocations;
        private final Counter errors;
        private final Timer duration;
        private final Counter coldStarts;
        private final Timer initDuration;
        private final Counter billedGbSeconds;

        private Meters(Key key, FunctionMeters function) {
            Tags tags = Tags.of("account", key.account(), "function", key.function(), "version", key.version(), "alias",
                    key.alias());
            invocations = Counter.builder("lambda.invocations").description("Invocations that ran").tags(tags)
                    .register(registry);
            errors = Counter.builder("lambda.errors").description("Invocations that ended in an error").tags(tags)
                    .register(registry);
            duration = Timer.builder("lambda.duration").description("Time the function's code ran").tags(tags)
                    .publishPercentileHistogram().register(registry);
            coldStarts = Counter.builder("lambda.cold.starts").description("Invocations that waited for INIT").tags(tags)
                    .register(registry);
            initDuration = Timer.builder("lambda.init.duration").description("INIT time of cold starts").tags(tags)
                    .publishPercentileHistogram().register(registry);
            billedGbSeconds = function.billedGbSeconds();
        }

        /** Counts one invocation that ran, on a version configured with {@code memoryMb}. */
        public void invoked(InvokeResult result, int memoryMb) {
            invocations.increment();
            if (result.functionError() != null) {
                errors.increment();
            }
            duration.record(Duration.ofNanos((long) (result.durationMillis() * 1_000_000)));
            if (result.initDurationMillis() != null) {
                coldStarts.increment();
                initDuration.record(Duration.ofNanos((long) (result.initDurationMillis() * 1_000_000)));
            }
            // Lambda bills the duration rounded up to the millisecond, times the memory in GB.
            billedGbSeconds.increment(Math.ceil(result.durationMillis()) / 1000 * memoryMb / MB_PER_GB);
        }

        /** Counts one invocation that was admitted but could not run: its environment failed. */
        public void failed() {
            invocations.increment();
            errors.increment();
        }
    }

    public InvocationMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * The meters of invocations of {@code target} through {@code alias} (null for none).
     *
     * @param running how many invocations of the function run now, for its concurrency gauge
     */
    public Meters of(Target target, String alias, IntSupplier running) {
        Key key = new Key(target.tenant().accountId(), target.functionName(), target.version(), alias == null ? "" : alias);
        Meters found = meters.get(key);
        if (found != null) {
            return found;
        }
        FunctionMeters function = functions.computeIfAbsent(new FunctionKey(key.account(), key.function()),
                k -> new FunctionMeters(
                        Counter.builder("lambda.billed.gb.seconds")
                                .description("Billed duration times configured memory, for chargeback")
                                .tags("account", k.account(), "function", k.function()).register(registry),
                        Gauge.builder("lambda.concurrent.executions", running::getAsInt)
                                .description("Invocations of the function running now")
                                .tags("account", k.account(), "function", k.function()).register(registry)));
        return meters.computeIfAbsent(key, k -> new Meters(k, function));
    }

    /** Counts one throttled call. */
    public void throttled(String account, String function, String reason) {
        registry.counter("lambda.throttles", "account", account, "function", function, "reason", reason).increment();
    }
}
