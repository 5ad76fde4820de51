package dev.klambda.poller.async;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

import dev.klambda.core.async.InvocationRecords;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.Arns;
import dev.klambda.core.name.FunctionReference;
import dev.klambda.core.name.Qualifiers;
import dev.klambda.core.store.ResourceStore;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.core.tenant.TenantTable;
import dev.klambda.crds.v1alpha1.common.Destination;
import dev.klambda.crds.v1alpha1.common.DestinationConfig;
import dev.klambda.crds.v1alpha1.common.EventInvokeConfig;
import dev.klambda.crds.v1alpha1.function.DeadLetterConfig;
import dev.klambda.invoker.async.AsyncEvent;
import dev.klambda.invoker.auth.ResourcePolicy;
import dev.klambda.invoker.invoke.Invoker;
import dev.klambda.invoker.invoke.Target;
import dev.klambda.invoker.routing.Resolution;
import dev.klambda.invoker.routing.Resolver;

/**
 * Attempts events through an invoker in the same process (standalone): every attempt is an
 * ordinary synchronous invocation, checked, routed and throttled as one.
 */
public final class InvokerFunctions implements AsyncFunctions {

    private final Resolver resolver;
    private final Invoker invoker;
    private final TenantTable tenants;
    private final ResourceStore store;
    private final String region;

    public InvokerFunctions(Resolver resolver, Invoker invoker, TenantTable tenants, ResourceStore store,
            String region) {
        this.resolver = resolver;
        this.invoker = invoker;
        this.tenants = tenants;
        this.store = store;
        this.region = region;
    }

    @Override
    public AsyncSettings settings(AsyncEvent event) {
        Tenant caller = caller(event);
        Resolution resolution = resolver.resolve(caller, reference(event), ResourcePolicy.INVOKE_FUNCTION);
        ResourcePolicy.authorize(caller, resolution, ResourcePolicy.INVOKE_FUNCTION, null);
        Target target = resolution.target();
        EventInvokeConfig config = eventInvokeConfig(resolution);
        DestinationConfig destinations = config == null ? null : config.destinationConfig();
        DeadLetterConfig deadLetter = target.configuration().getDeadLetterConfig();
        Integer retries = config == null ? null : config.maximumRetryAttempts();
        Integer age = config == null ? null : config.maximumEventAgeInSeconds();
        Integer reserved = target.function().getSpec().getReservedConcurrentExecutions();
        return new AsyncSettings(
                Arns.function(region, target.tenant().accountId(), target.functionName(), target.version()),
                retries == null ? AsyncSettings.DEFAULT_RETRY_ATTEMPTS : retries,
                age == null ? AsyncSettings.DEFAULT_EVENT_AGE : Duration.ofSeconds(age),
                destination(destinations == null ? null : destinations.onSuccess()),
                destination(destinations == null ? null : destinations.onFailure()),
                deadLetter == null ? null : deadLetter.targetArn(),
                reserved != null && reserved == 0);
    }

    @Override
    public CompletionStage<InvocationRecords.Response> invoke(AsyncEvent event) {
        Invoker.Call call = new Invoker.Call(caller(event), reference(event), Invoker.Type.RequestResponse,
                event.requestId(), event.payload(), false, null, event.traceId());
        return invoker.invoke(call).thenApply(Invoker.Outcome::response);
    }

    /**
     * The settings of the qualifier the event was invoked with: an alias's or a version's own,
     * else the function's.
     */
    private EventInvokeConfig eventInvokeConfig(Resolution resolution) {
        Target target = resolution.target();
        String namespace = target.tenant().namespace();
        String qualifier = resolution.qualifier();
        EventInvokeConfig own = null;
        if (resolution.alias() != null) {
            own = store.alias(namespace, target.functionName(), resolution.alias())
                    .map(alias -> alias.getSpec().eventInvokeConfig()).orElse(null);
        } else if (qualifier != null && Qualifiers.isVersionNumber(qualifier)) {
            own = store.version(namespace, target.functionName(), Integer.parseInt(qualifier))
                    .map(version -> version.getSpec().eventInvokeConfig()).orElse(null);
        }
        return own != null ? own : target.function().getSpec().getEventInvokeConfig();
    }

    private Tenant caller(AsyncEvent event) {
        return tenants.byAccountId(event.callerAccount()).orElseThrow(() -> new LambdaException(
                ErrorType.AccessDeniedException, "Account " + event.callerAccount() + " is no longer a tenant"));
    }

    private static FunctionReference reference(AsyncEvent event) {
        return FunctionReference.parse(event.functionArn(), null, FunctionReference.Shape.NAMESPACED);
    }

    private static String destination(Destination destination) {
        return destination == null ? null : destination.destination();
    }
}
