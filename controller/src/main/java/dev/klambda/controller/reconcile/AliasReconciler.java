package dev.klambda.controller.reconcile;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;

import dev.klambda.core.routing.AliasRouting;
import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.alias.AliasStatus;
import dev.klambda.crds.v1alpha1.alias.Route;
import dev.klambda.crds.v1alpha1.common.Condition;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.version.Version;

/**
 * An Alias resolves to a routing table of published versions (RoutingResolved). It owns no pool:
 * the versions it points at run their own, so deleting an alias never takes away a version that
 * something else still uses.
 */
@ControllerConfiguration(name = "alias")
public class AliasReconciler implements Reconciler<Alias> {

    static final String ROUTING_RESOLVED = "RoutingResolved";

    @Inject
    EventRecorder events;
    @Inject
    Clock clock;

    @Override
    public List<EventSource<?, Alias>> prepareEventSources(EventSourceContext<Alias> context) {
        return List.of(Related.sameFunction(Function.class, context), Related.sameFunction(Version.class, context));
    }

    @Override
    public UpdateControl<Alias> reconcile(Alias alias, Context<Alias> context) {
        Function function = Related.ofFunction(Function.class, alias, context).findFirst().orElse(null);
        boolean adopted = Related.adopt(alias, function);
        Long generation = alias.getMetadata().getGeneration();
        AliasRouting routing = AliasRouting.of(alias.getSpec());
        Set<String> published = Related.ofFunction(Version.class, alias, context)
                .filter(v -> v.getSpec().snapshot() != null && v.getSpec().version() != null)
                .map(v -> String.valueOf(v.getSpec().version())).collect(Collectors.toSet());
        List<String> missing = new ArrayList<>();
        if (!"$LATEST".equals(routing.primary()) && !published.contains(routing.primary())) {
            missing.add(routing.primary());
        }
        routing.shares().stream().map(AliasRouting.Share::version).filter(v -> !published.contains(v))
                .forEach(missing::add);
        Condition resolved;
        List<Route> routes = null;
        if (function == null) {
            resolved = StatusConditions.of(ROUTING_RESOLVED, false, "FunctionNotFound",
                    "function " + alias.getSpec().functionName() + " does not exist", generation);
        } else if (!missing.isEmpty()) {
            resolved = StatusConditions.of(ROUTING_RESOLVED, false, "VersionNotFound", "version(s) " + missing
                    + " of " + alias.getSpec().functionName() + " are not published", generation);
        } else {
            routes = routes(routing);
            resolved = StatusConditions.of(ROUTING_RESOLVED, true, "Resolved", routes.stream()
                    .map(r -> r.version() + "=" + r.weight()).collect(Collectors.joining(", ")), generation);
        }
        AliasStatus current = alias.getStatus();
        if (current == null || !Objects.equals(current.routes(), routes)) {
            if (routes != null) {
                events.normal(alias, "RoutingResolved", resolved.message());
            } else {
                events.warning(alias, resolved.reason(), resolved.message());
            }
        }
        AliasStatus status = new AliasStatus(generation,
                StatusConditions.withReady(current == null ? null : current.conditions(), clock.instant(), generation,
                        resolved),
                routes, FunctionReconciler.revisionId(alias), current == null ? null : current.provisionedConcurrency());
        boolean statusChanged = !status.equals(current);
        alias.setStatus(status);
        if (adopted) {
            return UpdateControl.patchResourceAndStatus(alias);
        }
        return statusChanged ? UpdateControl.patchStatus(alias) : UpdateControl.noUpdate();
    }

    /** Each version and its share: the additional versions' weights, and the rest for the alias's own version. */
    private static List<Route> routes(AliasRouting routing) {
        List<Route> routes = new ArrayList<>();
        double others = routing.shares().stream().mapToDouble(AliasRouting.Share::weight).sum();
        routes.add(new Route(routing.primary(), Math.round((1 - others) * 1e9) / 1e9));
        routing.shares().forEach(s -> routes.add(new Route(s.version(), s.weight())));
        return routes;
    }
}
