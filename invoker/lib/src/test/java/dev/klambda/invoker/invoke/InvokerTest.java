package dev.klambda.invoker.invoke;

import static dev.klambda.invoker.Fixtures.DEFAULT;
import static dev.klambda.invoker.Fixtures.OTHER;
import static dev.klambda.invoker.Fixtures.function;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.trace.SdkTracerProvider;

import dev.klambda.agent.InvokeRequest;
import dev.klambda.agent.InvokeResult;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.FunctionReference;
import dev.klambda.core.tenant.TenantTable;
import dev.klambda.invoker.Fixtures;
import dev.klambda.invoker.admit.ConcurrencyLimits;
import dev.klambda.invoker.async.AsyncEvent;
import dev.klambda.invoker.metrics.InvocationMetrics;
import dev.klambda.invoker.routing.Resolver;

class InvokerTest {

    /** Environments that answer when the test says so, and remember what they were asked. */
    static final class HeldEnvironments implements EnvironmentProvider {
        final List<InvokeRequest> requests = new ArrayList<>();
        final List<CompletableFuture<InvokeResult>> results = new ArrayList<>();
        final List<Integer> demand = new ArrayList<>();

        @Override
        public CompletionStage<InvokeResult> invoke(Target target, InvokeRequest request) {
            requests.add(request);
            CompletableFuture<InvokeResult> result = new CompletableFuture<>();
            results.add(result);
            return result;
        }

        @Override
        public void demand(Target target, int running) {
            demand.add(running);
        }
    }

    static InvokeResult answer(String functionError) {
        return new InvokeResult("{}".getBytes(StandardCharsets.UTF_8), "application/json", functionError, null, null, 2.4,
                functionError == null ? 100.0 : null, 30);
    }

    final HeldEnvironments environments = new HeldEnvironments();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final Fixtures.Store store = new Fixtures.Store().with(function("default", "single", "reservedConcurrentExecutions: 1"),
            function("default", "echo", "memorySize: 1024"));
    final Invoker invoker = new Invoker(new Resolver(store, new TenantTable(List.of(DEFAULT, OTHER)), "us-east-1", () -> 0.5),
            new ConcurrencyLimits(), environments, store, new InvocationMetrics(registry),
            OpenTelemetry.noop().getTracer("test"));

    CompletableFuture<Invoker.Outcome> call(String name, Invoker.Type type) {
        return invoker.invoke(new Invoker.Call(DEFAULT, FunctionReference.parse(name, null, FunctionReference.Shape.NAMESPACED),
                type, "req-" + environments.requests.size(), "{}".getBytes(StandardCharsets.UTF_8), false, null, "Root=1-a"))
                .toCompletableFuture();
    }

    static LambdaException failure(CompletableFuture<?> future) {
        assertThat(future).isCompletedExceptionally();
        return (LambdaException) future
                .handle((r, e) -> e instanceof java.util.concurrent.CompletionException ? e.getCause() : e)
                .join();
    }

    @Test
    void recordsNoSpansWhenTracingIsOff() {
        Tracer sdk = SdkTracerProvider.builder().build().get("test");

        assertThat(Invoker.tracer(sdk, false).spanBuilder("on").startSpan().isRecording()).isTrue();
        assertThat(Invoker.tracer(sdk, true).spanBuilder("off").startSpan().isRecording()).isFalse();
    }

    @Test
    void holdsConcurrencyUntilTheInvocationEnds() {
        CompletableFuture<Invoker.Outcome> first = call("single", Invoker.Type.RequestResponse);
        assertThat(failure(call("single", Invoker.Type.RequestResponse)).type())
                .isEqualTo(ErrorType.TooManyRequestsException);

        environments.results.get(0).complete(answer(null));

        assertThat(first.join().executedVersion()).isEqualTo("$LATEST");
        assertThat(call("single", Invoker.Type.RequestResponse)).isNotDone();
        assertThat(environments.requests).hasSize(2);
    }

    @Test
    void releasesConcurrencyWhenTheEnvironmentFails() {
        CompletableFuture<Invoker.Outcome> first = call("single", Invoker.Type.RequestResponse);
        environments.results.get(0).completeExceptionally(new LambdaException(ErrorType.InvalidZipFileException, "bad zip"));

        assertThat(failure(first).type()).isEqualTo(ErrorType.InvalidZipFileException);
        assertThat(call("single", Invoker.Type.RequestResponse)).isNotDone();
    }

    @Test
    void checksADryRunWithoutDispatching() {
        assertThat(call("echo", Invoker.Type.DryRun).join().result()).isNull();
        assertThat(failure(call("nope", Invoker.Type.DryRun)).type()).isEqualTo(ErrorType.ResourceNotFoundException);
        assertThat(environments.requests).isEmpty();
    }

    @Test
    void refusesEventInvocationsOnlyAfterTheChecksARealCallPasses() {
        assertThat(failure(call("nope", Invoker.Type.Event)).type()).isEqualTo(ErrorType.ResourceNotFoundException);
        assertThat(failure(call("echo", Invoker.Type.Event)).type()).isEqualTo(ErrorType.InvalidParameterValueException);
        assertThat(environments.requests).isEmpty();
    }

    @Test
    void queuesEventInvocationsWithoutDispatchingAndAnswersOnceStored() {
        List<AsyncEvent> queued = new ArrayList<>();
        CompletableFuture<Void> stored = new CompletableFuture<>();
        Invoker queueing = new Invoker(new Resolver(store, new TenantTable(List.of(DEFAULT, OTHER)), "us-east-1", () -> 0.5),
                new ConcurrencyLimits(), environments, store, new InvocationMetrics(registry),
                OpenTelemetry.noop().getTracer("test"), event -> {
                    queued.add(event);
                    return stored;
                }, Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC));

        CompletableFuture<Invoker.Outcome> outcome = queueing.invoke(new Invoker.Call(DEFAULT,
                FunctionReference.parse("single", "$LATEST", FunctionReference.Shape.NAMESPACED), Invoker.Type.Event,
                "req-async", "{\"n\":1}".getBytes(StandardCharsets.UTF_8), false, null, "Root=1-b"))
                .toCompletableFuture();

        assertThat(outcome).as("not answered before the queue stored the event").isNotDone();
        stored.complete(null);
        assertThat(outcome.join().result()).isNull();
        assertThat(queued).singleElement().satisfies(event -> {
            assertThat(event.requestId()).isEqualTo("req-async");
            assertThat(event.callerAccount()).isEqualTo(DEFAULT.accountId());
            assertThat(event.functionArn()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:single:$LATEST");
            assertThat(event.payload()).asString(StandardCharsets.UTF_8).isEqualTo("{\"n\":1}");
            assertThat(event.enqueuedAt()).isEqualTo(Instant.parse("2026-11-23T10:00:00Z"));
            assertThat(event.traceId()).isEqualTo("Root=1-b");
        });
        assertThat(environments.requests).as("the poller invokes, not the Invoke call").isEmpty();
        assertThat(call("single", Invoker.Type.RequestResponse)).as("no concurrency held by a queued event").isNotDone();
    }

    @Test
    void passesTheCallToTheEnvironmentAndReportsDemand() {
        call("echo", Invoker.Type.RequestResponse);
        call("echo", Invoker.Type.RequestResponse);

        InvokeRequest request = environments.requests.get(1);
        assertThat(request.requestId()).isEqualTo("req-1");
        assertThat(request.invokedFunctionArn()).isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:echo");
        assertThat(request.traceId()).isEqualTo("Root=1-a");
        assertThat(environments.demand).as("in flight before each dispatch").containsExactly(1, 2);
    }

    @Test
    void recordsInvocationsErrorsColdStartsThrottlesAndBilledUsage() {
        call("echo", Invoker.Type.RequestResponse);
        call("echo", Invoker.Type.RequestResponse);
        environments.results.get(0).complete(answer(null));
        environments.results.get(1).complete(answer("Unhandled"));
        call("single", Invoker.Type.RequestResponse);
        call("single", Invoker.Type.RequestResponse);

        assertThat(registry.get("lambda.invocations").tag("function", "echo").counter().count()).isEqualTo(2);
        assertThat(registry.get("lambda.errors").tag("function", "echo").counter().count()).isEqualTo(1);
        assertThat(registry.get("lambda.cold.starts").tag("function", "echo").counter().count()).isEqualTo(1);
        assertThat(registry.get("lambda.duration").tag("version", "$LATEST").timer().count()).isEqualTo(2);
        // 2.4 ms is billed as 3 ms; at 1 GB that is 0.003 GB-s per invocation.
        assertThat(registry.get("lambda.billed.gb.seconds").tag("account", "000000000000").counter().count())
                .isCloseTo(0.006, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(registry.get("lambda.throttles").tag("reason", "ReservedFunctionConcurrentInvocationLimitExceeded")
                .counter().count()).isEqualTo(1);
        assertThat(registry.get("lambda.concurrent.executions").tag("function", "single").gauge().value()).isEqualTo(1);
    }
}
