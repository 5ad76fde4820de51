package dev.klambda.invoker.manage;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
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
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.invoker.invoke.EnvironmentProvider;

/**
 * Reserved concurrency (on the Function) and provisioned concurrency (on a Version or an Alias):
 * Put/Get/DeleteFunctionConcurrency and Put/Get/Delete/ListProvisionedConcurrencyConfig(s).
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class ConcurrencyResource {

    /** When provisioned concurrency was last set, on the Version or Alias that carries it. */
    static final String PROVISIONED_MODIFIED = "klambda.dev/provisioned-concurrency-modified";
    /** Lambda keeps 100 of an account's 1,000 unreserved; smaller accounts keep a tenth. */
    static final int UNRESERVED_MINIMUM = 100;

    @Inject
    FunctionLookup lookup;
    @Inject
    ResourceWriter writer;
    @Inject
    EnvironmentProvider environments;

    @PUT
    @Path("2017-10-31/functions/{FunctionName}/concurrency")
    @Consumes(MediaType.WILDCARD)
    public ObjectNode putFunctionConcurrency(@PathParam("FunctionName") String functionName, byte[] bytes) {
        Tenant tenant = lookup.tenant();
        RequestBody body = RequestBody.parse(bytes);
        Integer reserved = body.integer("ReservedConcurrentExecutions");
        Violations violations = new Violations();
        violations.required("reservedConcurrentExecutions", reserved);
        violations.range("reservedConcurrentExecutions", reserved, 0, Integer.MAX_VALUE);
        violations.throwIfAny();
        FunctionReference reference = lookup.unqualified(tenant, functionName, "PutFunctionConcurrency");
        Function function = lookup.function(tenant, reference);
        int reservedElsewhere = lookup.store().functions(tenant.namespace()).stream()
                .filter(f -> !f.functionName().equals(function.functionName()))
                .mapToInt(f -> f.getSpec().getReservedConcurrentExecutions() == null ? 0
                        : f.getSpec().getReservedConcurrentExecutions())
                .sum();
        int minimum = Math.min(UNRESERVED_MINIMUM, tenant.concurrencyLimit() / 10);
        if (tenant.concurrencyLimit() - reservedElsewhere - reserved < minimum) {
            throw LambdaException.invalidParameter("Specified ReservedConcurrentExecutions for function decreases "
                    + "account's UnreservedConcurrentExecution below its minimum value of [" + minimum + "].");
        }
        int provisioned = provisioned(tenant, function).values().stream().mapToInt(Integer::intValue).sum();
        if (reserved < provisioned) {
            throw LambdaException.invalidParameter("ReservedConcurrentExecutions " + reserved
                    + " should not be lower than function's total provisioned concurrency [" + provisioned + "].");
        }
        lookup.updateFunction(tenant, reference, null, f -> f.getSpec().setReservedConcurrentExecutions(reserved));
        return JsonNodeFactory.instance.objectNode().put("ReservedConcurrentExecutions", reserved);
    }

    @GET
    @Path("2019-09-30/functions/{FunctionName}/concurrency")
    public ObjectNode getFunctionConcurrency(@PathParam("FunctionName") String functionName) {
        Tenant tenant = lookup.tenant();
        Function function = lookup.function(tenant, lookup.unqualified(tenant, functionName, "GetFunctionConcurrency"));
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        if (function.getSpec().getReservedConcurrentExecutions() != null) {
            out.put("ReservedConcurrentExecutions", function.getSpec().getReservedConcurrentExecutions());
        }
        return out;
    }

    @DELETE
    @Path("2017-10-31/functions/{FunctionName}/concurrency")
    public Response deleteFunctionConcurrency(@PathParam("FunctionName") String functionName) {
        Tenant tenant = lookup.tenant();
        FunctionReference reference = lookup.unqualified(tenant, functionName, "DeleteFunctionConcurrency");
        lookup.updateFunction(tenant, reference, null, f -> f.getSpec().setReservedConcurrentExecutions(null));
        return Response.noContent().build();
    }

    @PUT
    @Path("2019-09-30/functions/{FunctionName}/provisioned-concurrency")
    @Consumes(MediaType.WILDCARD)
    public Response putProvisionedConcurrencyConfig(@PathParam("FunctionName") String functionName,
            @QueryParam("Qualifier") String qualifier, byte[] bytes) {
        Tenant tenant = lookup.tenant();
        RequestBody body = RequestBody.parse(bytes);
        Integer requested = body.integer("ProvisionedConcurrentExecutions");
        Violations violations = new Violations();
        violations.required("qualifier", qualifier);
        violations.required("provisionedConcurrentExecutions", requested);
        violations.range("provisionedConcurrentExecutions", requested, 1, Integer.MAX_VALUE);
        violations.throwIfAny();
        Target target = target(tenant, functionName, qualifier, "PutProvisionedConcurrencyConfig");
        Integer reserved = target.function().getSpec().getReservedConcurrentExecutions();
        if (reserved != null && requested > reserved) {
            throw LambdaException.invalidParameter(
                    "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function");
        }
        String conflict = overlapping(tenant, target);
        if (conflict != null) {
            throw new LambdaException(ErrorType.ResourceConflictException, "Alias and version cannot both have "
                    + "provisioned concurrency: " + conflict + " already has it for version " + target.version() + ".");
        }
        HasMetadata written = writeProvisioned(target, requested);
        ObjectNode out = config(target, requested, written);
        out.put("Status", "IN_PROGRESS");
        out.put("AvailableProvisionedConcurrentExecutions", 0);
        out.put("AllocatedProvisionedConcurrentExecutions", 0);
        return Response.status(202).entity(out).build();
    }

    @GET
    @Path("2019-09-30/functions/{FunctionName}/provisioned-concurrency")
    public ObjectNode getProvisionedConcurrencyConfig(@PathParam("FunctionName") String functionName,
            @QueryParam("Qualifier") String qualifier, @QueryParam("List") String list, @QueryParam("Marker") String marker,
            @QueryParam("MaxItems") String maxItems) {
        Tenant tenant = lookup.tenant();
        if ("ALL".equals(list)) {
            Function function = lookup.function(tenant,
                    lookup.unqualified(tenant, functionName, "ListProvisionedConcurrencyConfigs"));
            List<ObjectNode> configs = new ArrayList<>();
            for (Map.Entry<HasMetadata, Integer> entry : provisioned(tenant, function).entrySet()) {
                Target target = targetOf(tenant, function, entry.getKey());
                ObjectNode config = status(config(target, entry.getValue(), entry.getKey()), tenant, target, entry.getValue());
                config.put("FunctionArn", target.arn());
                configs.add(config);
            }
            configs.sort(java.util.Comparator.comparing(c -> c.get("FunctionArn").asText()));
            return Pages.page(configs, c -> c.get("FunctionArn").asText(), c -> c, "ProvisionedConcurrencyConfigs",
                    marker, maxItems, 50);
        }
        Violations violations = new Violations();
        violations.required("qualifier", qualifier);
        violations.throwIfAny();
        Target target = target(tenant, functionName, qualifier, "GetProvisionedConcurrencyConfig");
        Integer requested = target.provisioned();
        if (requested == null) {
            throw new LambdaException(ErrorType.ProvisionedConcurrencyConfigNotFoundException,
                    "No Provisioned Concurrency Config found for this function");
        }
        return status(config(target, requested, target.resource()), tenant, target, requested);
    }

    @DELETE
    @Path("2019-09-30/functions/{FunctionName}/provisioned-concurrency")
    public Response deleteProvisionedConcurrencyConfig(@PathParam("FunctionName") String functionName,
            @QueryParam("Qualifier") String qualifier) {
        Tenant tenant = lookup.tenant();
        Violations violations = new Violations();
        violations.required("qualifier", qualifier);
        violations.throwIfAny();
        Target target = target(tenant, functionName, qualifier, "DeleteProvisionedConcurrencyConfig");
        if (target.provisioned() == null) {
            throw new LambdaException(ErrorType.ProvisionedConcurrencyConfigNotFoundException,
                    "No Provisioned Concurrency Config found for this function");
        }
        writeProvisioned(target, null);
        return Response.noContent().build();
    }

    /** A published version or an alias that provisioned concurrency applies to, with the version it runs. */
    private record Target(Function function, HasMetadata resource, String version, Integer provisioned, String arn) {
    }

    private Target target(Tenant tenant, String functionName, String qualifier, String action) {
        FunctionReference reference = lookup.reference(tenant, functionName, qualifier, Shape.FUNCTION_NAME, action);
        Function function = lookup.function(tenant, reference);
        if (Qualifiers.isLatest(reference.qualifier())) {
            throw LambdaException.invalidParameter(
                    "Provisioned Concurrency Configs cannot be applied to unpublished function versions.");
        }
        HasMetadata resource = Qualifiers.isVersionNumber(reference.qualifier())
                ? lookup.store().publishedVersion(tenant.namespace(), function.functionName(), reference.qualifier())
                        .orElseThrow(() -> LambdaException.functionNotFound(lookup.arn(tenant, reference)))
                : lookup.store().alias(tenant.namespace(), function.functionName(), reference.qualifier())
                        .orElseThrow(() -> new LambdaException(ErrorType.ResourceNotFoundException,
                                "Cannot find alias arn: " + lookup.arn(tenant, reference)));
        return targetOf(tenant, function, resource);
    }

    private Target targetOf(Tenant tenant, Function function, HasMetadata resource) {
        String region = lookup.configurations().region();
        if (resource instanceof Version version) {
            String number = String.valueOf(version.getSpec().version());
            return new Target(function, version, number, version.getSpec().provisionedConcurrentExecutions(),
                    Arns.function(region, tenant.accountId(), function.functionName(), number));
        }
        Alias alias = (Alias) resource;
        return new Target(function, alias, alias.getSpec().functionVersion(),
                alias.getSpec().provisionedConcurrentExecutions(),
                Arns.function(region, tenant.accountId(), function.functionName(), alias.aliasName()));
    }

    /** The versions and aliases of {@code function} that have provisioned concurrency, with how much. */
    private Map<HasMetadata, Integer> provisioned(Tenant tenant, Function function) {
        Map<HasMetadata, Integer> out = new HashMap<>();
        for (Version version : lookup.store().versions(tenant.namespace(), function.functionName())) {
            if (version.getSpec().provisionedConcurrentExecutions() != null && version.getSpec().snapshot() != null) {
                out.put(version, version.getSpec().provisionedConcurrentExecutions());
            }
        }
        for (Alias alias : lookup.store().aliases(tenant.namespace(), function.functionName())) {
            if (alias.getSpec().provisionedConcurrentExecutions() != null) {
                out.put(alias, alias.getSpec().provisionedConcurrentExecutions());
            }
        }
        return out;
    }

    /** Another version or alias that provisions the same version, or null. */
    private String overlapping(Tenant tenant, Target target) {
        for (HasMetadata other : provisioned(tenant, target.function()).keySet()) {
            Target existing = targetOf(tenant, target.function(), other);
            if (existing.version().equals(target.version()) && !existing.arn().equals(target.arn())) {
                return existing.arn();
            }
        }
        return null;
    }

    private HasMetadata writeProvisioned(Target target, Integer count) {
        return lookup.update(target.resource(), changed -> {
            if (changed instanceof Version version) {
                version.setSpec(version.getSpec().withProvisionedConcurrentExecutions(count));
            } else if (changed instanceof Alias alias) {
                alias.setSpec(alias.getSpec().withProvisionedConcurrentExecutions(count));
            }
            Resources.annotate(changed, PROVISIONED_MODIFIED, count == null ? null : LambdaTimestamps.iso(Instant.now()));
        });
    }

    private static ObjectNode config(Target target, int requested, HasMetadata resource) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("RequestedProvisionedConcurrentExecutions", requested);
        String modified = Resources.annotation(resource, PROVISIONED_MODIFIED);
        out.put("LastModified", modified != null ? modified : LambdaTimestamps.iso(Instant.EPOCH));
        return out;
    }

    /** Available and allocated environments, and READY once every requested one is initialised. */
    private ObjectNode status(ObjectNode config, Tenant tenant, Target target, int requested) {
        int ready = Math.min(requested,
                environments.initialised(tenant.namespace(), target.function().functionName(), target.version()));
        config.put("AvailableProvisionedConcurrentExecutions", ready);
        config.put("AllocatedProvisionedConcurrentExecutions", ready);
        config.put("Status", ready >= requested ? "READY" : "IN_PROGRESS");
        return config;
    }
}
