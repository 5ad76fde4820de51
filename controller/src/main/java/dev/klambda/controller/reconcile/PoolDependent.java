package dev.klambda.controller.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

import dev.klambda.controller.model.PoolDeployments;

/**
 * A pool's Deployment or NetworkPolicy as a dependent resource. The reconciler builds the desired
 * object (the {@code model} builders) and leaves it in the workflow's context under its class, so
 * the dependent only creates, updates and watches it. Matching compares the controller's
 * {@link PoolDeployments#TEMPLATE_HASH} where there is one, so defaults the API server fills in
 * never count as drift.
 */
public abstract class PoolDependent<R extends HasMetadata, P extends HasMetadata>
        extends CRUDKubernetesDependentResource<R, P> {

    protected PoolDependent(Class<R> type) {
        super(type);
    }

    /** The desired object the reconciler left in the context. */
    static <R extends HasMetadata> void offer(Context<?> context, Class<R> type, R desired) {
        context.managedWorkflowAndDependentResourceContext().put(type, desired);
    }

    @Override
    protected R desired(P primary, Context<P> context) {
        return context.managedWorkflowAndDependentResourceContext().getMandatory(resourceType(), resourceType());
    }

    @Override
    public Result<R> match(R actual, P primary, Context<P> context) {
        R desired = desired(primary, context);
        String hash = desired.getMetadata().getAnnotations() == null ? null
                : desired.getMetadata().getAnnotations().get(PoolDeployments.TEMPLATE_HASH);
        if (hash == null) {
            return super.match(actual, desired, primary, context);
        }
        String actualHash = actual.getMetadata().getAnnotations() == null ? null
                : actual.getMetadata().getAnnotations().get(PoolDeployments.TEMPLATE_HASH);
        return Result.computed(hash.equals(actualHash), desired);
    }
}
