package dev.klambda.invoker.manage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

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

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.HasMetadata;

import dev.klambda.core.api.LambdaTimestamps;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.Arns;
import dev.klambda.core.name.FunctionReference;
import dev.klambda.core.name.FunctionReference.Shape;
import dev.klambda.core.name.Qualifiers;
import dev.klambda.core.store.ResourceWriter;
import dev.klambda.core.store.Resources;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.common.Destination;
import dev.klambda.crds.v1alpha1.common.DestinationConfig;
import dev.klambda.crds.v1alpha1.common.EventInvokeConfig;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.version.Version;

/**
 * Put/Update/Get/Delete/ListFunctionEventInvokeConfig(s): the {@code eventInvokeConfig} of the
 * Function ($LATEST), of a Version or of an Alias.
 */
@Path("/2019-09-25/functions/{FunctionName}/event-invoke-config")
@Produces(MediaType.APPLICATION_JSON)
public class EventInvokeConfigsResource {

    static final String MODIFIED = "klambda.dev/event-invoke-config-modified";

    @Inject
    FunctionLookup lookup;
    @Inject
    ResourceWriter writer;

    @PUT
    @Consumes(MediaType.WILDCARD)
    public ObjectNode putFunctionEventInvokeConfig(@PathParam("FunctionName") String functionName,
            @QueryParam("Qualifier") String qualifier, byte[] bytes) {
        return save(functionName, qualifier, bytes, false, "PutFunctionEventInvokeConfig");
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public ObjectNode updateFunctionEventInvokeConfig(@PathParam("FunctionName") String functionName,
            @QueryParam("Qualifier") String qualifier, byte[] bytes) {
        return save(functionName, qualifier, bytes, true, "UpdateFunctionEventInvokeConfig");
    }

    @GET
    public ObjectNode getFunctionEventInvokeConfig(@PathParam("FunctionName") String functionName,
            @QueryParam("Qualifier") String qualifier) {
        Holder holder = existing(holder(lookup.tenant(), functionName, qualifier, "GetFunctionEventInvokeConfig"));
        return render(holder, holder.config(), holder.resource());
    }

    @DELETE
    public Response deleteFunctionEventInvokeConfig(@PathParam("FunctionName") String functionName,
            @QueryParam("Qualifier") String qualifier) {
        write(existing(holder(lookup.tenant(), functionName, qualifier, "DeleteFunctionEventInvokeConfig")), null);
        return Response.noContent().build();
    }

    @GET
    @Path("/list")
    public ObjectNode listFunctionEventInvokeConfigs(@PathParam("FunctionName") String functionName,
            @QueryParam("Marker") String marker, @QueryParam("MaxItems") String maxItems) {
        Tenant tenant = lookup.tenant();
        Function function = lookup.function(tenant,
                lookup.unqualified(tenant, functionName, "ListFunctionEventInvokeConfigs"));
        List<Holder> holders = new ArrayList<>();
        holders.add(of(tenant, function, function, function.getSpec().getEventInvokeConfig(), Qualifiers.LATEST));
        for (Version version : lookup.store().versions(tenant.namespace(), function.functionName())) {
            if (version.getSpec().snapshot() != null) {
                holders.add(of(tenant, function, version, version.getSpec().eventInvokeConfig(),
                        String.valueOf(version.getSpec().version())));
            }
        }
        for (Alias alias : lookup.store().aliases(tenant.namespace(), function.functionName())) {
            holders.add(of(tenant, function, alias, alias.getSpec().eventInvokeConfig(), alias.aliasName()));
        }
        return Pages.page(holders.stream().filter(h -> h.config() != null).toList(), Holder::arn,
                h -> render(h, h.config(), h.resource()), "FunctionEventInvokeConfigs", marker, maxItems, 50);
    }

    private ObjectNode save(String functionName, String qualifier, byte[] bytes, boolean merge, String action) {
        Tenant tenant = lookup.tenant();
        RequestBody body = RequestBody.parse(bytes);
        Integer retries = body.integer("MaximumRetryAttempts");
        Integer age = body.integer("MaximumEventAgeInSeconds");
        Violations violations = new Violations();
        violations.range("maximumRetryAttempts", retries, 0, 2);
        violations.range("maximumEventAgeInSeconds", age, 60, 21_600);
        violations.throwIfAny();
        RequestBody destinations = body.object("DestinationConfig");
        String onSuccess = destination(destinations, "OnSuccess");
        String onFailure = destination(destinations, "OnFailure");
        if (retries == null && age == null && onSuccess == null && onFailure == null) {
            throw LambdaException.invalidParameter("You must specify at least one of error handling or destination setting.");
        }
        Holder holder = holder(tenant, functionName, qualifier, action);
        for (String destination : new String[] { onSuccess, onFailure }) {
            checkDestination(tenant, holder, destination);
        }
        EventInvokeConfig current = merge ? holder.config() : null;
        EventInvokeConfig config = new EventInvokeConfig(
                retries != null ? retries : current == null ? null : current.maximumRetryAttempts(),
                age != null ? age : current == null ? null : current.maximumEventAgeInSeconds(),
                destinations(onSuccess, onFailure, current == null ? null : current.destinationConfig(), destinations));
        HasMetadata written = write(holder, config);
        return render(holder, config, written);
    }

    private static String destination(RequestBody destinations, String member) {
        RequestBody destination = destinations == null ? null : destinations.object(member);
        String arn = destination == null ? null : destination.string("Destination");
        return arn == null || arn.isEmpty() ? null : arn;
    }

    private static DestinationConfig destinations(String onSuccess, String onFailure, DestinationConfig current,
            RequestBody given) {
        Destination success = onSuccess != null ? new Destination(onSuccess)
                : given != null && given.has("OnSuccess") || current == null ? null : current.onSuccess();
        Destination failure = onFailure != null ? new Destination(onFailure)
                : given != null && given.has("OnFailure") || current == null ? null : current.onFailure();
        return success == null && failure == null ? null : new DestinationConfig(success, failure);
    }

    /** A Lambda destination must be another function of the account that exists. */
    private void checkDestination(Tenant tenant, Holder holder, String destination) {
        if (destination == null || !destination.startsWith("arn:aws:lambda:")) {
            return;
        }
        FunctionReference target;
        try {
            target = FunctionReference.parse(destination, null, Shape.FUNCTION_NAME);
        } catch (LambdaException e) {
            throw LambdaException.invalidParameter("The destination ARN " + destination + " is invalid.");
        }
        if (target.name().equals(holder.function().functionName())) {
            throw LambdaException.invalidParameter("You can't specify the function as a destination for itself.");
        }
        if (lookup.store().function(tenant.namespace(), target.name()).isEmpty()) {
            throw LambdaException.invalidParameter("The destination ARN " + destination + " is invalid.");
        }
    }

    /** The Function, Version or Alias that holds a qualifier's config. */
    private record Holder(Function function, HasMetadata resource, EventInvokeConfig config, String arn) {
    }

    private Holder holder(Tenant tenant, String functionName, String qualifier, String action) {
        FunctionReference reference = lookup.reference(tenant, functionName, qualifier, Shape.FUNCTION_NAME, action);
        Function function = lookup.function(tenant, reference);
        String named = reference.qualifierOrLatest();
        if (Qualifiers.isLatest(named)) {
            return of(tenant, function, function, function.getSpec().getEventInvokeConfig(), Qualifiers.LATEST);
        }
        if (Qualifiers.isVersionNumber(named)) {
            Version version = lookup.store().publishedVersion(tenant.namespace(), function.functionName(), named)
                    .orElseThrow(() -> LambdaException.functionNotFound(lookup.arn(tenant, reference)));
            return of(tenant, function, version, version.getSpec().eventInvokeConfig(), named);
        }
        Alias alias = lookup.store().alias(tenant.namespace(), function.functionName(), named)
                .orElseThrow(() -> LambdaException.functionNotFound(lookup.arn(tenant, reference)));
        return of(tenant, function, alias, alias.getSpec().eventInvokeConfig(), named);
    }

    private Holder of(Tenant tenant, Function function, HasMetadata resource, EventInvokeConfig config, String qualifier) {
        return new Holder(function, resource, config, Arns.function(lookup.configurations().region(), tenant.accountId(),
                function.functionName(), qualifier));
    }

    private static Holder existing(Holder holder) {
        if (holder.config() == null) {
            throw new LambdaException(ErrorType.ResourceNotFoundException,
                    "The function " + holder.arn() + " doesn't have an EventInvokeConfig");
        }
        return holder;
    }

    private HasMetadata write(Holder holder, EventInvokeConfig config) {
        return lookup.update(holder.resource(), changed -> {
            switch (changed) {
                case Function function -> function.getSpec().setEventInvokeConfig(config);
                case Version version -> version.setSpec(version.getSpec().withEventInvokeConfig(config));
                case Alias alias -> alias.setSpec(alias.getSpec().withEventInvokeConfig(config));
                default -> throw new IllegalStateException("unexpected " + changed.getKind());
            }
            Resources.annotate(changed, MODIFIED,
                    config == null ? null : Double.toString(LambdaTimestamps.epochSeconds(Instant.now())));
        });
    }

    /** Lambda's FunctionEventInvokeConfig: LastModified as epoch seconds, empty destinations as {}. */
    private static ObjectNode render(Holder holder, EventInvokeConfig config, HasMetadata written) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        String modified = Resources.annotation(written, MODIFIED);
        out.put("LastModified", modified == null ? 0.0 : Double.parseDouble(modified));
        out.put("FunctionArn", holder.arn());
        if (config.maximumRetryAttempts() != null) {
            out.put("MaximumRetryAttempts", config.maximumRetryAttempts());
        }
        if (config.maximumEventAgeInSeconds() != null) {
            out.put("MaximumEventAgeInSeconds", config.maximumEventAgeInSeconds());
        }
        ObjectNode destinations = out.putObject("DestinationConfig");
        DestinationConfig given = config.destinationConfig();
        ObjectNode success = destinations.putObject("OnSuccess");
        ObjectNode failure = destinations.putObject("OnFailure");
        if (given != null && given.onSuccess() != null) {
            success.put("Destination", given.onSuccess().destination());
        }
        if (given != null && given.onFailure() != null) {
            failure.put("Destination", given.onFailure().destination());
        }
        return out;
    }
}
