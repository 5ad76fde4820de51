package dev.klambda.poller.mapping;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.klambda.core.async.InvocationRecords;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.Arns;
import dev.klambda.core.name.FunctionReference;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.core.tenant.TenantTable;
import dev.klambda.invoker.invoke.Invoker;

/**
 * Invokes through an invoker in the same process: each batch is an ordinary synchronous invocation
 * by the mapping's own account, routed, throttled and run as one.
 */
public final class InvokerMappingFunctions implements MappingFunctions {

    private final Invoker invoker;
    private final TenantTable tenants;
    private final String region;

    public InvokerMappingFunctions(Invoker invoker, TenantTable tenants, String region) {
        this.invoker = invoker;
        this.tenants = tenants;
        this.region = region;
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

    @Override
    public String functionArn(String namespace, String function) {
        FunctionReference reference = FunctionReference.parse(function, null, FunctionReference.Shape.NAMESPACED);
        return Arns.function(region, account(namespace), reference.name(), reference.qualifier());
    }

    @Override
    public String account(String namespace) {
        return tenant(namespace).accountId();
    }

    private Tenant tenant(String namespace) {
        return tenants.byNamespace(namespace).orElseThrow(() -> new LambdaException(ErrorType.AccessDeniedException,
                "Namespace " + namespace + " is not a tenant's"));
    }
}
