package dev.klambda.invoker.manage;

import java.util.function.Consumer;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.fabric8.kubernetes.api.model.HasMetadata;

import dev.klambda.core.api.FunctionConfigurations;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.FunctionReference;
import dev.klambda.core.name.FunctionReference.Shape;
import dev.klambda.core.store.ResourceStore;
import dev.klambda.core.store.ResourceWriteException;
import dev.klambda.core.store.ResourceWriter;
import dev.klambda.core.store.Resources;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.crds.v1alpha1.function.Function;

/** How management operations find the function a request names, with Lambda's errors when they cannot. */
@ApplicationScoped
public class FunctionLookup {

    @Inject
    ResourceStore store;
    @Inject
    FunctionConfigurations configurations;
    @Inject
    Callers callers;
    @Inject
    ResourceWriter writer;

    /** The tenant of the caller: the account whose access key signed the request. */
    Tenant tenant() {
        return callers.current();
    }

    ResourceStore store() {
        return store;
    }

    FunctionConfigurations configurations() {
        return configurations;
    }

    /**
     * Changes $LATEST: reads it, checks {@code revisionId} (when given) against it, changes a copy
     * and writes it if nobody changed the function meanwhile, else reads again.
     */
    Function updateFunction(Tenant tenant, FunctionReference reference, String revisionId, Consumer<Function> change) {
        try {
            return edit(() -> {
                Function current = function(tenant, reference);
                checkRevision(current, revisionId);
                return current;
            }, change);
        } catch (ResourceWriteException e) {
            throw e.reason() == ResourceWriteException.Reason.GONE ? LambdaException.functionNotFound(arn(tenant, reference))
                    : StoreErrors.of(e);
        }
    }

    /**
     * Read-modify-write: changes an editable copy of what {@code read} returns and writes it,
     * reading again (a few times) when someone else changed the resource in between.
     *
     * @throws ResourceWriteException when the store refuses for another reason, or keeps changing
     */
    <T extends HasMetadata> T edit(Supplier<T> read, Consumer<T> change) {
        for (int attempt = 0;; attempt++) {
            T changed = Resources.editable(read.get());
            change.accept(changed);
            try {
                return writer.replace(changed);
            } catch (ResourceWriteException e) {
                if (e.reason() != ResourceWriteException.Reason.CHANGED || attempt >= 3) {
                    throw e;
                }
            }
        }
    }

    /**
     * Writes {@code change} applied to {@code read}. When the resource changed in between (in a
     * cluster the controller writes status and metadata of the same objects), the change is applied
     * again to what the store holds now, a few times. Refusals become Lambda's errors.
     */
    <T extends HasMetadata> T update(T read, Consumer<T> change) {
        boolean[] first = { true };
        try {
            return edit(() -> {
                if (first[0]) {
                    first[0] = false;
                    return read;
                }
                return store.reread(read).orElseThrow(() -> new ResourceWriteException(ResourceWriteException.Reason.GONE,
                        read.getKind() + " " + read.getMetadata().getName() + " no longer exists"));
            }, change);
        } catch (ResourceWriteException e) {
            throw StoreErrors.of(e);
        }
    }

    /** Writes a changed resource; refusals become Lambda's errors. */
    <T extends HasMetadata> T replace(T changed) {
        try {
            return writer.replace(changed);
        } catch (ResourceWriteException e) {
            throw StoreErrors.of(e);
        }
    }

    /** 412 when {@code revisionId} is given and is not the function's current one. */
    static void checkRevision(Function current, String revisionId) {
        if (revisionId != null && (current.getStatus() == null || !revisionId.equals(current.getStatus().revisionId()))) {
            throw StoreErrors.staleRevision("GetFunction/GetAlias");
        }
    }

    /**
     * Parses a FunctionName (and Qualifier); one of another account is refused as AWS refuses it
     * when no resource policy allows {@code action}.
     */
    FunctionReference reference(Tenant tenant, String functionName, String qualifier, Shape shape, String action) {
        FunctionReference reference = FunctionReference.parse(functionName, qualifier, shape)
                .requireRegion(configurations.region());
        if (reference.accountId() != null && !reference.accountId().equals(tenant.accountId())) {
            throw new LambdaException(ErrorType.AccessDeniedException, "User: arn:aws:iam::" + tenant.accountId()
                    + ":root is not authorized to perform: lambda:" + action + " on resource: "
                    + reference.arn(configurations.region(), reference.accountId())
                    + " because no resource-based policy allows the lambda:" + action + " action");
        }
        return reference;
    }

    /** A function named without a qualifier, as the operations on the whole function require. */
    FunctionReference unqualified(Tenant tenant, String functionName, String action) {
        FunctionReference reference = reference(tenant, functionName, null, Shape.FUNCTION_NAME, action);
        if (reference.qualifier() != null) {
            throw LambdaException.invalidParameter("This operation is permitted on Lambda functions only. "
                    + "Aliases and versions do not support this operation. Please specify either a function name or "
                    + "an unqualified function ARN.");
        }
        return reference;
    }

    /** The function {@code reference} names, or 404 "Function not found: <the ARN as named>". */
    Function function(Tenant tenant, FunctionReference reference) {
        return store.function(tenant.namespace(), reference.name())
                .orElseThrow(() -> LambdaException.functionNotFound(arn(tenant, reference)));
    }

    /** The ARN of what {@code reference} names, qualified as it was named. */
    String arn(Tenant tenant, FunctionReference reference) {
        return reference.arn(configurations.region(), tenant.accountId());
    }
}
