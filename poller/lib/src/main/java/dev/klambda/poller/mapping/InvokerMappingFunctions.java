package dev.klambda.poller.mapping;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.klambda.core.async.InvocationRecords;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.FunctionReference;
import dev.klambda.core.tenant.TenantTable;
import dev.klambda.invoker.invoke.Invoker;

/**
 * Invokes through an invoker in the same process: each batch is an ordinary synchronous invocation
 * by the mapping's own account, routed, throttled and run as one.
 */
public final class InvokerMappingFunctions extends TenantMappingFunctions {

    private final Invoker invoker;

    public InvokerMappingFunctions(Invoker invoker, TenantTable tenants, String region) {
        super(tenants, region);
        this.invoker = invoker;
    }

    @Override
    public CompletionStage<InvocationRecords.Response> invoke(String namespace, String function, String requestId,
            byte[] payload) {
        Invoker.Call call;
        try {
            call = new Invoker.Call(tenant(namespace),
                    FunctionReference.parse(function, null, FunctionReference.Shape.NAMESPACED),
                    Invoker.Type.RequestResponse, requestId, payload, false, null, null);
        } catch (LambdaException e) {
            return CompletableFuture.failedFuture(e);
        }
        return invoker.invoke(call).thenApply(Invoker.Outcome::response);
    }
}
