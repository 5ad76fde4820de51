package dev.klambda.controller.reconcile;

import java.time.Clock;
import java.util.List;

import jakarta.inject.Inject;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;

import dev.klambda.crds.v1alpha1.common.Condition;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMapping;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingStatus;
import dev.klambda.crds.v1alpha1.function.Function;

/**
 * An EventSourceMapping belongs to its function (deleting the function deletes it) and says whether
 * that function exists (FunctionFound). Its State and processing results are the poller's, which
 * consumes the source; until a poller takes it, a mapping is Creating (or Disabled when disabled).
 */
@ControllerConfiguration(name = "eventsourcemapping")
public class EventSourceMappingReconciler implements Reconciler<EventSourceMapping> {

    static final String FUNCTION_FOUND = "FunctionFound";

    @Inject
    Clock clock;

    @Override
    public List<EventSource<?, EventSourceMapping>> prepareEventSources(EventSourceContext<EventSourceMapping> context) {
        return List.of(Related.sameFunction(Function.class, context));
    }

    @Override
    public UpdateControl<EventSourceMapping> reconcile(EventSourceMapping mapping, Context<EventSourceMapping> context) {
        Function function = Related.ofFunction(Function.class, mapping, context).findFirst().orElse(null);
        boolean adopted = Related.adopt(mapping, function);
        Long generation = mapping.getMetadata().getGeneration();
        Condition found = function == null
                ? StatusConditions.of(FUNCTION_FOUND, false, "FunctionNotFound",
                        "function " + mapping.getSpec().functionName() + " does not exist", generation)
                : StatusConditions.of(FUNCTION_FOUND, true, "Found", null, generation);
        EventSourceMappingStatus current = mapping.getStatus();
        boolean enabled = mapping.getSpec().enabled() == null || mapping.getSpec().enabled();
        EventSourceMappingStatus.State state = current != null && current.state() != null
                && current.state() != EventSourceMappingStatus.State.Disabled
                && current.state() != EventSourceMappingStatus.State.Creating ? current.state()
                        : enabled ? EventSourceMappingStatus.State.Creating : EventSourceMappingStatus.State.Disabled;
        EventSourceMappingStatus status = new EventSourceMappingStatus(generation,
                StatusConditions.withReady(current == null ? null : current.conditions(), clock.instant(), generation,
                        found),
                // The mapping's own UUID: its name when the API made it (the UUID clients were given), else its uid.
                current != null && current.uuid() != null ? current.uuid() : mapping.uuid(), state,
                current == null ? "USER_INITIATED" : current.stateTransitionReason(),
                current == null ? "No records processed" : current.lastProcessingResult(),
                current == null ? clock.instant().getEpochSecond() * 1.0 : current.lastModified(),
                current == null ? null : current.lag());
        boolean statusChanged = !status.equals(current);
        mapping.setStatus(status);
        if (adopted) {
            return UpdateControl.patchResourceAndStatus(mapping);
        }
        return statusChanged ? UpdateControl.patchStatus(mapping) : UpdateControl.noUpdate();
    }
}
