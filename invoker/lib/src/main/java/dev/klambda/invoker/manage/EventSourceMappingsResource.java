package dev.klambda.invoker.manage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

import dev.klambda.core.api.LambdaTimestamps;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.Arns;
import dev.klambda.core.name.FunctionReference;
import dev.klambda.core.name.FunctionReference.Shape;
import dev.klambda.core.name.Qualifiers;
import dev.klambda.core.store.ResourceWriteException;
import dev.klambda.core.store.ResourceWriter;
import dev.klambda.core.store.Resources;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.crds.v1alpha1.common.Destination;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMapping;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingSpec;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingSpec.FunctionResponseType;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingSpec.StartingPosition;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingStatus;
import dev.klambda.crds.v1alpha1.eventsourcemapping.FilterCriteria;
import dev.klambda.crds.v1alpha1.eventsourcemapping.KafkaSource;
import dev.klambda.crds.v1alpha1.eventsourcemapping.OnFailureDestinationConfig;
import dev.klambda.crds.v1alpha1.eventsourcemapping.ScalingConfig;
import dev.klambda.crds.v1alpha1.eventsourcemapping.SourceAccessConfiguration;
import dev.klambda.crds.v1alpha1.eventsourcemapping.SqsSource;

/**
 * Create/Get/Update/Delete/ListEventSourceMappings for self-managed Kafka and SQS-compatible
 * queues, as EventSourceMapping resources named by their UUID. The resource's own rules (one
 * source, starting position for Kafka, SQS batching window, ...) check what the request asks for.
 */
@Path("/2015-03-31/event-source-mappings")
@Produces(MediaType.APPLICATION_JSON)
public class EventSourceMappingsResource {

    static final String MODIFIED = "klambda.dev/last-modified";
    static final int PAGE_LIMIT = 100;

    @Inject
    FunctionLookup lookup;
    @Inject
    ResourceWriter writer;

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response createEventSourceMapping(byte[] bytes) {
        Tenant tenant = lookup.tenant();
        RequestBody body = RequestBody.parse(bytes);
        Violations violations = new Violations();
        String functionName = body.string("FunctionName");
        violations.required("functionName", functionName);
        checkSettings(body, violations);
        violations.throwIfAny();
        String function = function(tenant, functionName);
        String uuid = UUID.randomUUID().toString();

        KafkaSource kafka = null;
        SqsSource sqs = null;
        RequestBody selfManaged = body.object("SelfManagedEventSource");
        String sourceArn = body.string("EventSourceArn");
        if (selfManaged != null) {
            RequestBody endpoints = selfManaged.object("Endpoints");
            List<String> servers = endpoints == null ? null : endpoints.strings("KAFKA_BOOTSTRAP_SERVERS");
            List<String> topics = body.strings("Topics");
            if (servers == null || servers.isEmpty() || topics == null || topics.isEmpty()) {
                throw LambdaException.invalidParameter(
                        "A self-managed Kafka source needs Endpoints.KAFKA_BOOTSTRAP_SERVERS and Topics.");
            }
            RequestBody kafkaConfig = body.object("SelfManagedKafkaEventSourceConfig");
            String group = kafkaConfig == null ? null : kafkaConfig.string("ConsumerGroupId");
            kafka = new KafkaSource(servers, topics, group == null ? uuid : group);
            duplicate(tenant, function, kafka);
        } else if (sourceArn != null && sourceArn.startsWith("arn:aws:sqs:")) {
            sqs = new SqsSource(null, sourceArn, null, null);
        } else {
            throw LambdaException.invalidParameter("Unrecognized event source.");
        }
        String position = body.string("StartingPosition");
        Double timestamp = body.number("StartingPositionTimestamp");
        EventSourceMappingSpec spec = new EventSourceMappingSpec(function, body.bool("Enabled"), kafka, sqs, null,
                accessConfigurations(body), body.integer("BatchSize"), body.integer("MaximumBatchingWindowInSeconds"),
                position == null ? null : StartingPosition.valueOf(position),
                timestamp == null ? null : timestamp.longValue(), body.integer("MaximumRetryAttempts"),
                body.integer("MaximumRecordAgeInSeconds"), body.bool("BisectBatchOnFunctionError"),
                responseTypes(body), onFailure(body), filters(body), scaling(body));
        EventSourceMapping mapping = new EventSourceMapping();
        mapping.setMetadata(new ObjectMetaBuilder().withName(uuid).withNamespace(tenant.namespace()).build());
        mapping.setSpec(spec);
        Resources.annotate(mapping, MODIFIED, Double.toString(LambdaTimestamps.epochSeconds(Instant.now())));
        EventSourceMapping created;
        try {
            created = writer.create(mapping);
        } catch (ResourceWriteException e) {
            throw StoreErrors.of(e);
        }
        return Response.status(202).entity(render(tenant, created, "Creating")).build();
    }

    @GET
    @Path("/{UUID}")
    public ObjectNode getEventSourceMapping(@PathParam("UUID") String uuid) {
        Tenant tenant = lookup.tenant();
        return render(tenant, existing(tenant, uuid), null);
    }

    @PUT
    @Path("/{UUID}")
    @Consumes(MediaType.WILDCARD)
    public Response updateEventSourceMapping(@PathParam("UUID") String uuid, byte[] bytes) {
        Tenant tenant = lookup.tenant();
        RequestBody body = RequestBody.parse(bytes);
        Violations violations = new Violations();
        checkSettings(body, violations);
        violations.throwIfAny();
        EventSourceMapping current = existing(tenant, uuid);
        EventSourceMappingSpec spec = current.getSpec();
        String function = body.has("FunctionName") ? function(tenant, body.string("FunctionName")) : spec.functionName();
        EventSourceMappingSpec updated = (new EventSourceMappingSpec(function,
                body.has("Enabled") ? body.bool("Enabled") : spec.enabled(), spec.kafka(), spec.sqs(), spec.rabbitmq(),
                body.has("SourceAccessConfigurations") ? accessConfigurations(body) : spec.sourceAccessConfigurations(),
                body.has("BatchSize") ? body.integer("BatchSize") : spec.batchSize(),
                body.has("MaximumBatchingWindowInSeconds") ? body.integer("MaximumBatchingWindowInSeconds")
                        : spec.maximumBatchingWindowInSeconds(),
                spec.startingPosition(), spec.startingPositionTimestamp(),
                body.has("MaximumRetryAttempts") ? body.integer("MaximumRetryAttempts") : spec.maximumRetryAttempts(),
                body.has("MaximumRecordAgeInSeconds") ? body.integer("MaximumRecordAgeInSeconds")
                        : spec.maximumRecordAgeInSeconds(),
                body.has("BisectBatchOnFunctionError") ? body.bool("BisectBatchOnFunctionError")
                        : spec.bisectBatchOnFunctionError(),
                body.has("FunctionResponseTypes") ? responseTypes(body) : spec.functionResponseTypes(),
                body.has("DestinationConfig") ? onFailure(body) : spec.destinationConfig(),
                body.has("FilterCriteria") ? filters(body) : spec.filterCriteria(),
                body.has("ScalingConfig") ? scaling(body) : spec.scalingConfig()));
        EventSourceMapping written = lookup.update(current, changed -> {
            changed.setSpec(updated);
            Resources.annotate(changed, MODIFIED, Double.toString(LambdaTimestamps.epochSeconds(Instant.now())));
        });
        return Response.status(202).entity(render(tenant, written, "Updating")).build();
    }

    @DELETE
    @Path("/{UUID}")
    public Response deleteEventSourceMapping(@PathParam("UUID") String uuid) {
        Tenant tenant = lookup.tenant();
        EventSourceMapping current = existing(tenant, uuid);
        try {
            writer.delete(current);
        } catch (ResourceWriteException e) {
            throw StoreErrors.of(e);
        }
        return Response.status(202).entity(render(tenant, current, "Deleting")).build();
    }

    @GET
    public ObjectNode listEventSourceMappings(@QueryParam("EventSourceArn") String eventSourceArn,
            @QueryParam("FunctionName") String functionName, @QueryParam("Marker") String marker,
            @QueryParam("MaxItems") String maxItems) {
        Tenant tenant = lookup.tenant();
        String function = functionName == null ? null : function(tenant, functionName);
        List<EventSourceMapping> mappings = lookup.store().eventSourceMappings(tenant.namespace()).stream()
                .filter(m -> function == null || named(m).equals(function))
                .filter(m -> eventSourceArn == null
                        || (m.getSpec().sqs() != null && eventSourceArn.equals(m.getSpec().sqs().eventSourceArn())))
                .sorted(java.util.Comparator.comparing(EventSourceMapping::uuid))
                .toList();
        return Pages.page(mappings, EventSourceMapping::uuid, m -> render(tenant, m, null), "EventSourceMappings",
                marker, maxItems, PAGE_LIMIT);
    }

    private EventSourceMapping existing(Tenant tenant, String uuid) {
        return lookup.store().eventSourceMappings(tenant.namespace()).stream().filter(m -> uuid.equals(m.uuid()))
                .findFirst().orElseThrow(() -> new LambdaException(ErrorType.ResourceNotFoundException,
                        "The resource you requested does not exist."));
    }

    /** The function a mapping feeds, as the resource names it: name or name:qualifier; it must exist. */
    private String function(Tenant tenant, String functionName) {
        FunctionReference reference = lookup.reference(tenant, functionName, null, Shape.FUNCTION_NAME,
                "CreateEventSourceMapping");
        if (lookup.store().function(tenant.namespace(), reference.name()).isEmpty()) {
            throw LambdaException.invalidParameter("Function does not exist");
        }
        return named(reference);
    }

    /**
     * A mapping's function as the API stores it: name, or name:qualifier (name:$LATEST is the
     * function itself). Manifests may also give an ARN.
     */
    private static String named(FunctionReference reference) {
        return reference.name() + (Qualifiers.isLatest(reference.qualifier()) ? "" : ":" + reference.qualifier());
    }

    /** The function {@code mapping} names, in the form {@link #named} gives, whatever form its manifest used. */
    private static String named(EventSourceMapping mapping) {
        return named(reference(mapping.getSpec().functionName()));
    }

    /** A mapping's function reference; one the API would have refused (from a manifest) is taken as a bare name. */
    private static FunctionReference reference(String function) {
        try {
            return FunctionReference.parse(function, null, Shape.FUNCTION_NAME);
        } catch (LambdaException e) {
            return new FunctionReference(function, null, null, null);
        }
    }

    private void duplicate(Tenant tenant, String function, KafkaSource kafka) {
        for (EventSourceMapping other : lookup.store().eventSourceMappings(tenant.namespace())) {
            KafkaSource theirs = other.getSpec().kafka();
            if (theirs != null && named(other).equals(function)
                    && theirs.bootstrapServers().equals(kafka.bootstrapServers()) && theirs.topics().equals(kafka.topics())) {
                throw new LambdaException(ErrorType.ResourceConflictException, "An event source mapping with event source (\""
                        + String.join(",", kafka.bootstrapServers()) + "\"), function (\"" + functionArn(tenant, function)
                        + "\"), topics (\"" + String.join(",", kafka.topics()) + "\") already exists. Please update or "
                        + "delete the existing mapping with UUID " + other.uuid());
            }
        }
    }

    private static void checkSettings(RequestBody body, Violations violations) {
        violations.range("batchSize", body.integer("BatchSize"), 1, 10_000);
        violations.range("maximumBatchingWindowInSeconds", body.integer("MaximumBatchingWindowInSeconds"), 0, 300);
        violations.range("maximumRetryAttempts", body.integer("MaximumRetryAttempts"), -1, 10_000);
        violations.range("maximumRecordAgeInSeconds", body.integer("MaximumRecordAgeInSeconds"), -1, 604_800);
        String position = body.string("StartingPosition");
        if (position != null && !List.of("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP").contains(position)) {
            violations.add("startingPosition", position,
                    "Member must satisfy enum value set: [TRIM_HORIZON, LATEST, AT_TIMESTAMP]");
        }
        List<String> types = body.strings("FunctionResponseTypes");
        if (types != null && types.stream().anyMatch(t -> !t.equals("ReportBatchItemFailures"))) {
            violations.add("functionResponseTypes", types, "Member must satisfy enum value set: [ReportBatchItemFailures]");
        }
        RequestBody destinations = body.object("DestinationConfig");
        if (destinations != null && destinations.has("OnSuccess")) {
            throw LambdaException
                    .invalidParameter("Unsupported DestinationConfig parameter for given event source mapping type.");
        }
    }

    private static List<SourceAccessConfiguration> accessConfigurations(RequestBody body) {
        if (body.raw("SourceAccessConfigurations") == null) {
            return null;
        }
        List<SourceAccessConfiguration> out = new ArrayList<>();
        for (var item : body.raw("SourceAccessConfigurations")) {
            String type = item.path("Type").asText(null);
            String uri = item.path("URI").asText(null);
            SourceAccessConfiguration.Type parsed;
            try {
                parsed = SourceAccessConfiguration.Type.valueOf(type);
            } catch (IllegalArgumentException | NullPointerException e) {
                throw LambdaException.invalidParameter("Unsupported source access configuration type: " + type);
            }
            out.add(new SourceAccessConfiguration(parsed, uri));
        }
        return out.isEmpty() ? null : out;
    }

    private static List<FunctionResponseType> responseTypes(RequestBody body) {
        List<String> types = body.strings("FunctionResponseTypes");
        return types == null || types.isEmpty() ? null : types.stream().map(FunctionResponseType::valueOf).toList();
    }

    private static OnFailureDestinationConfig onFailure(RequestBody body) {
        RequestBody destinations = body.object("DestinationConfig");
        RequestBody onFailure = destinations == null ? null : destinations.object("OnFailure");
        String destination = onFailure == null ? null : onFailure.string("Destination");
        return destination == null || destination.isEmpty() ? null
                : new OnFailureDestinationConfig(new Destination(destination));
    }

    private static FilterCriteria filters(RequestBody body) {
        RequestBody criteria = body.object("FilterCriteria");
        if (criteria == null || criteria.raw("Filters") == null) {
            return null;
        }
        List<FilterCriteria.Filter> filters = new ArrayList<>();
        criteria.raw("Filters").forEach(f -> filters.add(new FilterCriteria.Filter(f.path("Pattern").asText(null))));
        return filters.isEmpty() ? null : new FilterCriteria(filters);
    }

    private static ScalingConfig scaling(RequestBody body) {
        RequestBody scaling = body.object("ScalingConfig");
        Integer maximum = scaling == null ? null : scaling.integer("MaximumConcurrency");
        return maximum == null ? null : new ScalingConfig(maximum);
    }

    private String functionArn(Tenant tenant, String function) {
        return reference(function).arn(lookup.configurations().region(), tenant.accountId());
    }

    /** Lambda's EventSourceMappingConfiguration; {@code state} overrides what the status says (transitions). */
    private ObjectNode render(Tenant tenant, EventSourceMapping mapping, String state) {
        EventSourceMappingSpec spec = mapping.getSpec();
        EventSourceMappingStatus status = mapping.getStatus();
        String uuid = mapping.uuid();
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("UUID", uuid);
        if (spec.startingPosition() != null) {
            out.put("StartingPosition", spec.startingPosition().name());
        }
        if (spec.startingPositionTimestamp() != null) {
            out.put("StartingPositionTimestamp", spec.startingPositionTimestamp().doubleValue());
        }
        out.put("BatchSize", spec.batchSize() != null ? spec.batchSize() : spec.sqs() != null ? 10 : 100);
        if (spec.maximumBatchingWindowInSeconds() != null) {
            out.put("MaximumBatchingWindowInSeconds", spec.maximumBatchingWindowInSeconds());
        }
        if (spec.sqs() != null && spec.sqs().eventSourceArn() != null) {
            out.put("EventSourceArn", spec.sqs().eventSourceArn());
        }
        if (spec.filterCriteria() != null) {
            ArrayNode filters = out.putObject("FilterCriteria").putArray("Filters");
            spec.filterCriteria().filters().forEach(f -> filters.addObject().put("Pattern", f.pattern()));
        }
        out.put("FunctionArn", functionArn(tenant, spec.functionName()));
        String modified = Resources.annotation(mapping, MODIFIED);
        out.put("LastModified", status != null && status.lastModified() != null ? status.lastModified()
                : modified != null ? Double.parseDouble(modified) : 0.0);
        out.put("LastProcessingResult", status != null && status.lastProcessingResult() != null
                ? status.lastProcessingResult()
                : "No records processed");
        boolean enabled = spec.enabled() == null || spec.enabled();
        out.put("State", state != null ? state
                : status != null && status.state() != null ? status.state().name()
                        : enabled ? "Creating" : "Disabled");
        out.put("StateTransitionReason", status != null && status.stateTransitionReason() != null
                ? status.stateTransitionReason()
                : "USER_INITIATED");
        if (spec.destinationConfig() != null && spec.destinationConfig().onFailure() != null) {
            out.putObject("DestinationConfig").putObject("OnFailure").put("Destination",
                    spec.destinationConfig().onFailure().destination());
        }
        if (spec.kafka() != null) {
            ArrayNode topics = out.putArray("Topics");
            spec.kafka().topics().forEach(topics::add);
            ArrayNode servers = out.putObject("SelfManagedEventSource").putObject("Endpoints")
                    .putArray("KAFKA_BOOTSTRAP_SERVERS");
            spec.kafka().bootstrapServers().forEach(servers::add);
            out.putObject("SelfManagedKafkaEventSourceConfig").put("ConsumerGroupId",
                    spec.kafka().consumerGroupId() != null ? spec.kafka().consumerGroupId() : uuid);
        }
        if (spec.sourceAccessConfigurations() != null) {
            ArrayNode access = out.putArray("SourceAccessConfigurations");
            spec.sourceAccessConfigurations().forEach(a -> access.addObject().put("Type", a.type().name()).put("URI", a.uri()));
        }
        Optional.ofNullable(spec.maximumRecordAgeInSeconds()).ifPresent(v -> out.put("MaximumRecordAgeInSeconds", v));
        Optional.ofNullable(spec.bisectBatchOnFunctionError()).ifPresent(v -> out.put("BisectBatchOnFunctionError", v));
        Optional.ofNullable(spec.maximumRetryAttempts()).ifPresent(v -> out.put("MaximumRetryAttempts", v));
        if (spec.functionResponseTypes() != null) {
            ArrayNode types = out.putArray("FunctionResponseTypes");
            spec.functionResponseTypes().forEach(t -> types.add(t.name()));
        }
        if (spec.scalingConfig() != null) {
            out.putObject("ScalingConfig").put("MaximumConcurrency", spec.scalingConfig().maximumConcurrency());
        }
        out.put("EventSourceMappingArn", Arns.eventSourceMapping(lookup.configurations().region(), tenant.accountId(), uuid));
        return out;
    }
}
