package dev.klambda.invoker.invoke;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;

import dev.klambda.agent.InvokeRequest;
import dev.klambda.agent.InvokeResult;
import dev.klambda.core.async.InvocationRecords;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.FunctionReference;
import dev.klambda.core.store.ResourceStore;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.crds.v1alpha1.common.FunctionUrlConfig;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.invoker.admit.ConcurrencyLimits;
import dev.klambda.invoker.async.AsyncEvent;
import dev.klambda.invoker.async.EventQueue;
import dev.klambda.invoker.auth.ResourcePolicy;
import dev.klambda.invoker.metrics.InvocationMetrics;
import dev.klambda.invoker.routing.Resolution;
import dev.klambda.invoker.routing.Resolver;

/**
 * The synchronous invoke path after authentication: resolve the name to a version, check the
 * function's resource policy, admit under the concurrency limits, and run the invocation in an
 * environment. Function URLs and the pollers come through here too, so routing, throttling and
 * environments are the same for every caller.
 */
public final class Invoker {

    /** Lambda's {@code X-Amz-Invocation-Type}. */
    public enum Type {
        RequestResponse,
        Event,
        DryRun
    }

    /**
     * One call of Invoke.
     *
     * @param caller the authenticated account
     * @param reference the function as named, with the {@code Qualifier} parameter merged in
     * @param requestId the id the caller and the runtime see
     * @param clientContext the decoded client context JSON, or null
     * @param traceId the X-Ray trace header for the runtime
     * @param action the IAM action the caller needs: lambda:InvokeFunction, or lambda:InvokeFunctionUrl
     * @param urlAuthType the auth type of the function URL the call came through, or null
     */
    public record Call(Tenant caller, FunctionReference reference, Type type, String requestId, byte[] payload,
            boolean tailLog, String clientContext, String traceId, String action, FunctionUrlConfig.AuthType urlAuthType) {

        /** A call of the Invoke API. */
        public Call(Tenant caller, FunctionReference reference, Type type, String requestId, byte[] payload,
                boolean tailLog, String clientContext, String traceId) {
            this(caller, reference, type, requestId, payload, tailLog, clientContext, traceId,
                    ResourcePolicy.INVOKE_FUNCTION, null);
        }
    }

    /**
     * What an invocation did.
     *
     * @param result the runtime's answer; null for a DryRun, and for an Event once it is queued
     */
    public record Outcome(Resolution resolution, InvokeResult result) {

        /** The version that ran, for {@code X-Amz-Executed-Version}. */
        public String executedVersion() {
            return resolution.target().version();
        }

        /** The runtime's answer as invocation records describe it: the version, the function error, the payload. */
        public InvocationRecords.Response response() {
            return new InvocationRecords.Response(executedVersion(), result.functionError(), result.payload());
        }
    }

    private final Resolver resolver;
    private final ConcurrencyLimits limits;
    private final EnvironmentProvider environments;
    private final ResourceStore store;
    private final InvocationMetrics metrics;
    private final Tracer tracer;
    private final EventQueue events;
    private final Clock clock;

    /** An invoker that refuses {@code Event} invocations: it has no event queue. */
    public Invoker(Resolver resolver, ConcurrencyLimits limits, EnvironmentProvider environments, ResourceStore store,
            InvocationMetrics metrics, Tracer tracer) {
        this(resolver, limits, environments, store, metrics, tracer, EventQueue.NONE, Clock.systemUTC());
    }

    public Invoker(Resolver resolver, ConcurrencyLimits limits, EnvironmentProvider environments, ResourceStore store,
            InvocationMetrics metrics, Tracer tracer, EventQueue events, Clock clock) {
        this.resolver = resolver;
        this.limits = limits;
        this.environments = environments;
        this.store = store;
        this.metrics = metrics;
        this.tracer = tracer;
        this.events = events;
        this.clock = clock;
    }

    /**
     * The tracer to give an invoker: {@code configured}, or the no-op tracer when tracing is off
     * ({@code quarkus.otel.sdk.disabled}), where Quarkus's SDK would still record every span only to
     * drop it, at a cost on each invocation.
     */
    public static Tracer tracer(Tracer configured, boolean tracingOff) {
        return tracingOff ? OpenTelemetry.noop().getTracer("klambda") : configured;
    }

    /**
     * Runs one call. Errors the caller must see (unknown function, denied, throttled, environment
     * failures) fail the stage with a {@link LambdaException}; a function error is a normal outcome.
     */
    public CompletionStage<Outcome> invoke(Call call) {
        ConcurrencyLimits.Permit permit;
        Resolution resolution;
        try {
            resolution = resolver.resolve(call.caller(), call.reference(), call.action());
            ResourcePolicy.authorize(call.caller(), resolution, call.action(), call.urlAuthType());
            if (call.type() == Type.DryRun) {
                return CompletableFuture.completedFuture(new Outcome(resolution, null));
            }
            if (call.type() == Type.Event) {
                return enqueue(call, resolution);
            }
            permit = admit(resolution.target());
        } catch (LambdaException e) {
            return CompletableFuture.failedFuture(e);
        }
        InvokeRequest request = new InvokeRequest(call.requestId(), call.payload(), 0, resolution.invokedArn(),
                call.traceId(), call.clientContext(), null, call.tailLog());
        Target target = resolution.target();
        Span span = tracer.spanBuilder("invoke " + target.functionName())
                .setAttribute("faas.invoked_name", target.functionName())
                .setAttribute("faas.invoked_provider", "aws")
                .setAttribute("faas.version", target.version())
                .setAttribute("faas.invocation_id", call.requestId())
                .setAttribute("cloud.account.id", target.tenant().accountId())
                .setAttribute("aws.lambda.invoked_arn", resolution.invokedArn())
                .startSpan();
        CompletionStage<InvokeResult> running;
        String namespace = target.tenant().namespace();
        InvocationMetrics.Meters meters = metrics.of(target, resolution.alias(),
                () -> limits.running(namespace, target.functionName()));
        try {
            environments.demand(target, limits.running(namespace, target.functionName()));
            running = environments.invoke(target, request);
        } catch (RuntimeException e) {
            permit.release();
            span.recordException(e).setStatus(StatusCode.ERROR).end();
            return CompletableFuture.failedFuture(e);
        }
        return running.whenComplete((result, failure) -> {
            permit.release();
            if (result != null) {
                Integer memory = target.configuration().getMemorySize();
                meters.invoked(result, memory == null ? 128 : memory);
                span.setAttribute("faas.coldstart", result.coldStart());
                if (result.functionError() != null) {
                    span.setStatus(StatusCode.ERROR, result.errorType());
                }
            } else {
                meters.failed();
                span.recordException(failure).setStatus(StatusCode.ERROR);
            }
            span.end();
        }).thenApply(result -> new Outcome(resolution, result));
    }

    /** An {@code Event} call: stored in the event queue for the poller, answered once it is stored. */
    private CompletionStage<Outcome> enqueue(Call call, Resolution resolution) {
        AsyncEvent event = AsyncEvent.accepted(call.requestId(), call.caller().accountId(), resolution.invokedArn(),
                call.payload(), clock.instant(), call.traceId());
        return events.enqueue(event).thenApply(stored -> new Outcome(resolution, null));
    }

    private ConcurrencyLimits.Permit admit(Target target) {
        Tenant tenant = target.tenant();
        try {
            return limits.admit(tenant, target.functionName(),
                    target.function().getSpec().getReservedConcurrentExecutions(), reservedIn(tenant));
        } catch (LambdaException e) {
            if (e.type() == ErrorType.TooManyRequestsException) {
                metrics.throttled(tenant.accountId(), target.functionName(), String.valueOf(e.extraMembers().get("Reason")));
            }
            throw e;
        }
    }

    /** The sum of the reservations in an account: what the functions without one cannot use. */
    private int reservedIn(Tenant tenant) {
        List<Function> functions = store.functions(tenant.namespace());
        int reserved = 0;
        for (Function function : functions) {
            Integer own = function.getSpec().getReservedConcurrentExecutions();
            if (own != null) {
                reserved += own;
            }
        }
        return reserved;
    }
}
