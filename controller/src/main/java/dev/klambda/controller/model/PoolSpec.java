package dev.klambda.controller.model;

import java.util.List;

import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;

/**
 * One warm pool as the controller wants it: a version of a function (or $LATEST), what it runs,
 * and how many environments.
 *
 * @param version {@code $LATEST} or a version number
 * @param configuration the function's configuration ($LATEST's, or the version's frozen one)
 * @param layerSha256s the layers' zips in the code store, in order, as hex SHA-256
 * @param replicas how many environments
 * @param demand the demand the pool remembers for a later leader ({@code PoolDeployments.DEMAND}); null for none
 * @param revision $LATEST's revision id, which its pods carry ({@code PoolNames.REVISION}); null for versions
 */
public record PoolSpec(String namespace, String functionName, String version, String accountId, String region,
        FunctionConfiguration configuration, List<String> layerSha256s, int replicas, String demand, String revision) {

    public PoolSpec {
        layerSha256s = List.copyOf(layerSha256s);
    }

    public boolean latest() {
        return "$LATEST".equals(version);
    }
}
