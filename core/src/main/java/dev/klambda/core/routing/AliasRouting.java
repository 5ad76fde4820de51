package dev.klambda.core.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import dev.klambda.crds.v1alpha1.alias.AliasSpec;

/**
 * An alias's routing table: the version it points to and the additional versions that take a share
 * of its invocations. Each invocation picks one version at random by weight, as Lambda does.
 *
 * @param primary the alias's own version; it runs whatever share the others leave
 * @param shares the additional versions in ascending version order, with weights summing to at most 1
 */
public record AliasRouting(String primary, List<Share> shares) {

    /** One additional version and the share of invocations it gets (0 to 1). */
    public record Share(String version, double weight) {
    }

    public AliasRouting {
        shares = List.copyOf(shares);
    }

    /** The routing table of an alias. */
    public static AliasRouting of(AliasSpec spec) {
        List<Share> shares = new ArrayList<>();
        if (spec.routingConfig() != null && spec.routingConfig().additionalVersionWeights() != null) {
            for (Map.Entry<String, Double> weight : spec.routingConfig().additionalVersionWeights().entrySet()) {
                if (weight.getValue() != null && weight.getValue() > 0) {
                    shares.add(new Share(weight.getKey(), weight.getValue()));
                }
            }
        }
        // A fixed order keeps a given random number on the same version however the map iterates.
        shares.sort(Comparator.comparingLong(share -> parseVersion(share.version())));
        return new AliasRouting(spec.functionVersion(), shares);
    }

    /**
     * The version one invocation runs.
     *
     * @param random a uniformly distributed number in [0, 1)
     */
    public String pick(double random) {
        double upper = 0;
        for (Share share : shares) {
            upper += share.weight();
            if (random < upper) {
                return share.version();
            }
        }
        return primary;
    }

    private static long parseVersion(String version) {
        try {
            return Long.parseLong(version);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }
}
