package dev.klambda.controller.reconcile;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

import dev.klambda.controller.demand.Demand;
import dev.klambda.core.pool.DemandReports;
import dev.klambda.core.pool.DemandReports.PoolKey;

/**
 * Watches the invokers' demand reports (labelled ConfigMaps in the system namespace) for a
 * reconciler of pools. A report's data keys name pools, so each change reconciles the primaries
 * owning those pools, found through an index of the primaries by pool key; keys that name no
 * primary (another kind's pool, a deleted function, a namespace without functions) reach nobody.
 */
final class DemandEvents {

    static final String NAME = "demand-reports";
    private static final String BY_POOL = "by-pool";

    private DemandEvents() {
    }

    /**
     * The event source for primaries whose pool {@code poolOf} names (empty while a primary has
     * none, as an unpublished Version). Unchanged rewrites of a fresh report are filtered out.
     */
    static <P extends HasMetadata> InformerEventSource<ConfigMap, P> watch(EventSourceContext<P> context,
            String systemNamespace, Demand demand, java.util.function.Function<P, Optional<PoolKey>> poolOf) {
        context.getPrimaryCache().addIndexer(BY_POOL,
                primary -> poolOf.apply(primary).map(DemandEvents::indexKey).map(List::of).orElse(List.of()));
        return new InformerEventSource<>(InformerEventSourceConfiguration.from(ConfigMap.class,
                context.getPrimaryResourceClass())
                .withName(NAME)
                .withNamespaces(Set.of(systemNamespace))
                .withFollowControllerNamespacesChanges(false)
                .withLabelSelector(DemandReports.LABEL + "=true")
                .withOnUpdateFilter((after, before) -> demand.changes(before, after))
                .withSecondaryToPrimaryMapper(report -> pools(report).stream()
                        .flatMap(pool -> context.getPrimaryCache().byIndex(BY_POOL, indexKey(pool)).stream())
                        .map(ResourceID::fromResource).collect(Collectors.toSet()))
                .withPrimaryToSecondaryMapper(primary -> Set.of())
                .build(), context);
    }

    /** All demand reports, from the watch's cache. */
    @SuppressWarnings("unchecked")
    static <P extends HasMetadata> List<ConfigMap> reports(Context<P> context) {
        InformerEventSource<ConfigMap, P> source = (InformerEventSource<ConfigMap, P>) context.eventSourceRetriever()
                .getEventSourceFor(ConfigMap.class, NAME);
        return source.list(report -> true).toList();
    }

    /** The pools a report names; keys {@link DemandReports#key} would not write are skipped. */
    static Set<PoolKey> pools(ConfigMap report) {
        Map<String, String> data = report.getData() == null ? Map.of() : report.getData();
        return data.keySet().stream().map(DemandReports::parseKey).flatMap(Optional::stream)
                .collect(Collectors.toSet());
    }

    private static String indexKey(PoolKey pool) {
        return DemandReports.key(pool.namespace(), pool.pool());
    }
}
