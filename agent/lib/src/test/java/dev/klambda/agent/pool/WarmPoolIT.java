package dev.klambda.agent.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vertx.core.Vertx;

import dev.klambda.agent.EnvironmentSpec;
import dev.klambda.agent.ExecutionEnvironment;
import dev.klambda.agent.FunctionIdentity;
import dev.klambda.agent.Interpreters;
import dev.klambda.agent.InvokeRequest;
import dev.klambda.agent.InvokeResult;
import dev.klambda.agent.MemoryLimits;
import dev.klambda.agent.RuntimeLaunchers;

/** A version's local warm pool with real environments: reuse, growth to the maximum, waiting, provisioning, idle reaping. */
class WarmPoolIT {

    /** Echoes; an event with "slow" takes about 700 ms, so invocations overlap. */
    static final String BOOTSTRAP = """
            #!/bin/sh
            API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
            HEADERS="$(mktemp)"
            while true; do
              EVENT="$(curl -sS -D "$HEADERS" "$API/invocation/next")"
              ID="$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$HEADERS" | cut -d' ' -f2 | tr -d '\\r\\n')"
              case "$EVENT" in *slow*) sleep 0.7 ;; esac
              curl -sS -X POST "$API/invocation/$ID/response" -d "{\\"pid\\":$$}" >/dev/null
            done
            """;

    static Vertx vertx;

    @TempDir
    Path dir;
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-23T10:00:00Z"));
    final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };
    WarmPool pool;
    WarmPool.EnvironmentFactory factory;

    @BeforeAll
    static void vertx() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void closeVertx() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @BeforeEach
    void function() throws Exception {
        Path task = Files.createDirectories(dir.resolve("task"));
        Path bootstrap = Files.writeString(task.resolve("bootstrap"), BOOTSTRAP);
        Files.setPosixFilePermissions(bootstrap, PosixFilePermissions.fromString("rwxr-xr-x"));
        RuntimeLaunchers launchers = new RuntimeLaunchers(
                new Interpreters(Optional.empty(), Optional.empty(), Path.of("java")));
        factory = provisioned -> ExecutionEnvironment.create(vertx, new EnvironmentSpec(
                new FunctionIdentity("pooled", "1", "us-east-1", "000000000000"), "provided.al2023", null, 128,
                Duration.ofSeconds(10), Map.of(), task, null, null, provisioned ? "provisioned-concurrency" : null, null),
                launchers, MemoryLimits.sampling(), line -> {
                }, 0);
    }

    @AfterEach
    void close() throws Exception {
        if (pool != null) {
            pool.close().toCompletableFuture().get(20, TimeUnit.SECONDS);
        }
    }

    static InvokeResult get(java.util.concurrent.CompletionStage<InvokeResult> stage) throws Exception {
        return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    static String body(InvokeResult result) {
        return new String(result.payload());
    }

    @Test
    void reusesAWarmEnvironment() throws Exception {
        pool = new WarmPool("pooled:1", factory, 4, Duration.ofMinutes(10), clock);
        InvokeResult first = get(pool.invoke(InvokeRequest.of("a", "1".getBytes())));
        InvokeResult second = get(pool.invoke(InvokeRequest.of("b", "2".getBytes())));
        assertThat(first.coldStart()).isTrue();
        assertThat(second.coldStart()).isFalse();
        assertThat(body(second)).as("the same runtime process").isEqualTo(body(first));
        assertThat(pool.stats()).isEqualTo(new PoolStats(1, 0, 0, 1, first.initDurationMillis()));
    }

    @Test
    void growsToTheMaximumThenQueues() throws Exception {
        pool = new WarmPool("pooled:1", factory, 2, Duration.ofMinutes(10), clock);
        List<CompletableFuture<InvokeResult>> calls = List.of(
                pool.invoke(InvokeRequest.of("s1", "\"slow\"".getBytes())).toCompletableFuture(),
                pool.invoke(InvokeRequest.of("s2", "\"slow\"".getBytes())).toCompletableFuture(),
                pool.invoke(InvokeRequest.of("s3", "\"slow\"".getBytes())).toCompletableFuture());
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().busy() + pool.stats().starting() == 2);
        assertThat(pool.stats().total()).as("never more than the maximum").isEqualTo(2);
        for (CompletableFuture<InvokeResult> call : calls) {
            assertThat(call.get(30, TimeUnit.SECONDS).functionError()).isNull();
        }
        assertThat(pool.stats().coldStarts()).isEqualTo(2);
        assertThat(pool.stats().warm()).isEqualTo(2);
    }

    @Test
    void boundsTheWaitOfAnInvocationWithoutADeadlineByThePoolsMaximumWait() throws Exception {
        pool = new WarmPool("pooled:1", factory, 1, Duration.ofMinutes(10), Duration.ofMillis(200), Clock.systemUTC());
        CompletableFuture<InvokeResult> slow = pool.invoke(InvokeRequest.of("s", "\"slow\"".getBytes())).toCompletableFuture();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().total() == 1);
        assertThatThrownBy(() -> get(pool.invoke(InvokeRequest.of("w", "1".getBytes()))))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(WarmPool.PoolExhaustedException.class);
        assertThat(slow.get(30, TimeUnit.SECONDS).functionError()).isNull();
    }

    @Test
    void failsAWaitingInvocationAtItsDeadline() throws Exception {
        pool = new WarmPool("pooled:1", factory, 1, Duration.ofMinutes(10), Clock.systemUTC());
        CompletableFuture<InvokeResult> slow = pool.invoke(InvokeRequest.of("s", "\"slow\"".getBytes())).toCompletableFuture();
        await().atMost(Duration.ofSeconds(10)).until(() -> pool.stats().total() == 1);
        InvokeRequest impatient = new InvokeRequest("i", "1".getBytes(), System.currentTimeMillis() + 100, null, null, null,
                null,
                false);
        assertThatThrownBy(() -> get(pool.invoke(impatient)))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(WarmPool.PoolExhaustedException.class);
        assertThat(slow.get(30, TimeUnit.SECONDS).functionError()).isNull();
    }

    @Test
    void keepsProvisionedEnvironmentsInitialisedAndReapsTheRest() throws Exception {
        pool = new WarmPool("pooled:1", factory, 5, Duration.ofMinutes(10), clock);
        pool.provision(2);
        await().atMost(Duration.ofSeconds(15)).until(() -> pool.stats().warm() == 2);
        assertThat(pool.stats().coldStarts()).isZero();
        assertThat(pool.stats().lastInitMillis()).isPositive();

        InvokeResult result = get(pool.invoke(InvokeRequest.of("p", "1".getBytes())));
        assertThat(result.coldStart()).as("served by a provisioned environment").isFalse();

        List<CompletableFuture<InvokeResult>> burst = List.of(
                pool.invoke(InvokeRequest.of("b1", "\"slow\"".getBytes())).toCompletableFuture(),
                pool.invoke(InvokeRequest.of("b2", "\"slow\"".getBytes())).toCompletableFuture(),
                pool.invoke(InvokeRequest.of("b3", "\"slow\"".getBytes())).toCompletableFuture());
        for (CompletableFuture<InvokeResult> call : burst) {
            call.get(30, TimeUnit.SECONDS);
        }
        assertThat(pool.stats().warm()).isEqualTo(3);

        pool.reap();
        assertThat(pool.stats().warm()).as("nothing is idle long enough yet").isEqualTo(3);
        now.set(now.get().plus(Duration.ofMinutes(11)));
        pool.reap();
        assertThat(pool.stats().warm()).as("scaled down to the provisioned concurrency").isEqualTo(2);
        pool.provision(0);
        pool.reap();
        assertThat(pool.stats().total()).as("scaled to zero").isZero();
    }
}
