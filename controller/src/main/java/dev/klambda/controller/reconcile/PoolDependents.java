package dev.klambda.controller.reconcile;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.version.Version;

/** The pools' dependents: $LATEST's belong to its Function, a version's to its Version. */
public final class PoolDependents {

    static final String LATEST_POOLS = "app.kubernetes.io/managed-by=klambda,klambda.dev/version=latest";
    static final String VERSION_POOLS = "app.kubernetes.io/managed-by=klambda,klambda.dev/version,klambda.dev/version!=latest";

    private PoolDependents() {
    }

    @KubernetesDependent(informer = @Informer(labelSelector = LATEST_POOLS))
    public static final class LatestDeployment extends PoolDependent<Deployment, Function> {
        public LatestDeployment() {
            super(Deployment.class);
        }
    }

    @KubernetesDependent(informer = @Informer(labelSelector = LATEST_POOLS))
    public static final class LatestNetworkPolicy extends PoolDependent<NetworkPolicy, Function> {
        public LatestNetworkPolicy() {
            super(NetworkPolicy.class);
        }
    }

    @KubernetesDependent(informer = @Informer(labelSelector = VERSION_POOLS))
    public static final class VersionDeployment extends PoolDependent<Deployment, Version> {
        public VersionDeployment() {
            super(Deployment.class);
        }
    }

    @KubernetesDependent(informer = @Informer(labelSelector = VERSION_POOLS))
    public static final class VersionNetworkPolicy extends PoolDependent<NetworkPolicy, Version> {
        public VersionNetworkPolicy() {
            super(NetworkPolicy.class);
        }
    }
}
