package dev.klambda.invoker.manage;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;

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

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.Arns;
import dev.klambda.core.name.Qualifiers;
import dev.klambda.core.store.ResourceWriteException;
import dev.klambda.core.store.ResourceWriter;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.alias.AliasSpec;
import dev.klambda.crds.v1alpha1.alias.RoutingConfig;
import dev.klambda.crds.v1alpha1.function.Function;

/** CreateAlias, GetAlias, UpdateAlias, DeleteAlias and ListAliases, as Alias resources. */
@Path("/2015-03-31/functions/{FunctionName}/aliases")
@Produces(MediaType.APPLICATION_JSON)
public class AliasesResource {

    static final int PAGE_LIMIT = 50;
    static final String NAME_PATTERN = "(?!^[0-9]+$)([a-zA-Z0-9-_]+)";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    ResourceWriter writer;
    @Inject
    FunctionLookup lookup;

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response createAlias(@PathParam("FunctionName") String functionName, byte[] bytes) {
        Tenant tenant = lookup.tenant();
        RequestBody body = RequestBody.parse(bytes);
        Violations violations = new Violations();
        String name = body.string("Name");
        violations.required("name", name);
        violations.length("name", name, 1, 128);
        violations.pattern("name", name, NAME_PATTERN);
        String version = body.string("FunctionVersion");
        violations.required("functionVersion", version);
        checkMembers(body, version, violations);
        Function function = lookup.function(tenant, lookup.unqualified(tenant, functionName, "CreateAlias"));
        String aliasArn = aliasArn(tenant, function, name);
        if (lookup.store().alias(tenant.namespace(), function.functionName(), name).isPresent()) {
            throw new LambdaException(ErrorType.ResourceConflictException, "Alias already exists: " + aliasArn);
        }
        RoutingConfig routing = routing(tenant, function, version, body);
        Alias alias = new Alias();
        alias.setMetadata(new ObjectMetaBuilder().withName(ResourceNames.of(function.getMetadata().getName() + "-" + name))
                .withNamespace(tenant.namespace()).build());
        alias.setSpec(new AliasSpec(function.functionName(), name, version, emptyToNull(body.string("Description")),
                routing, null, null, null));
        Alias created;
        try {
            created = writer.create(alias);
        } catch (ResourceWriteException e) {
            throw e.reason() == ResourceWriteException.Reason.EXISTS
                    ? new LambdaException(ErrorType.ResourceConflictException, "Alias already exists: " + aliasArn)
                    : StoreErrors.of(e);
        }
        return Response.status(201).entity(render(tenant, function, created)).build();
    }

    @GET
    @Path("/{Name}")
    public ObjectNode getAlias(@PathParam("FunctionName") String functionName, @PathParam("Name") String name) {
        Tenant tenant = lookup.tenant();
        Function function = lookup.function(tenant, lookup.unqualified(tenant, functionName, "GetAlias"));
        return render(tenant, function, existing(tenant, function, name));
    }

    @PUT
    @Path("/{Name}")
    @Consumes(MediaType.WILDCARD)
    public ObjectNode updateAlias(@PathParam("FunctionName") String functionName, @PathParam("Name") String name,
            byte[] bytes) {
        Tenant tenant = lookup.tenant();
        RequestBody body = RequestBody.parse(bytes);
        Violations violations = new Violations();
        checkMembers(body, body.string("FunctionVersion"), violations);
        Function function = lookup.function(tenant, lookup.unqualified(tenant, functionName, "UpdateAlias"));
        String revisionId = body.string("RevisionId");
        try {
            return render(tenant, function, lookup.edit(() -> {
                Alias current = existing(tenant, function, name);
                if (revisionId != null && !revisionId.equals(revision(current))) {
                    throw StoreErrors.staleRevision("GetFunction/GetAlias");
                }
                return current;
            }, changed -> {
                AliasSpec spec = changed.getSpec();
                String version = body.has("FunctionVersion") ? body.string("FunctionVersion") : spec.functionVersion();
                RoutingConfig routing = body.has("RoutingConfig") ? routing(tenant, function, version, body)
                        : keptRouting(tenant, function, version, spec.routingConfig());
                String description = body.has("Description") ? emptyToNull(body.string("Description"))
                        : spec.description();
                changed.setSpec(new AliasSpec(spec.functionName(), spec.name(), version, description, routing,
                        spec.provisionedConcurrentExecutions(), spec.functionUrlConfig(), spec.eventInvokeConfig()));
            }));
        } catch (ResourceWriteException e) {
            throw StoreErrors.of(e);
        }
    }

    @DELETE
    @Path("/{Name}")
    public Response deleteAlias(@PathParam("FunctionName") String functionName, @PathParam("Name") String name) {
        Tenant tenant = lookup.tenant();
        Function function = lookup.function(tenant, lookup.unqualified(tenant, functionName, "DeleteAlias"));
        try {
            writer.delete(existing(tenant, function, name));
        } catch (ResourceWriteException e) {
            throw StoreErrors.of(e);
        }
        return Response.noContent().build();
    }

    @GET
    public ObjectNode listAliases(@PathParam("FunctionName") String functionName,
            @QueryParam("FunctionVersion") String functionVersion, @QueryParam("Marker") String marker,
            @QueryParam("MaxItems") String maxItems) {
        Tenant tenant = lookup.tenant();
        Function function = lookup.function(tenant, lookup.unqualified(tenant, functionName, "ListAliases"));
        return Pages.page(lookup.store().aliases(tenant.namespace(), function.functionName()).stream()
                .filter(a -> functionVersion == null || functionVersion.equals(a.getSpec().functionVersion())).toList(),
                Alias::aliasName, a -> render(tenant, function, a), "Aliases", marker, maxItems, PAGE_LIMIT);
    }

    /** Lambda's AliasConfiguration. */
    ObjectNode render(Tenant tenant, Function function, Alias alias) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("AliasArn", aliasArn(tenant, function, alias.aliasName()));
        out.put("Name", alias.aliasName());
        out.put("FunctionVersion", alias.getSpec().functionVersion());
        out.put("Description", alias.getSpec().description() == null ? "" : alias.getSpec().description());
        RoutingConfig routing = alias.getSpec().routingConfig();
        if (routing != null && routing.additionalVersionWeights() != null && !routing.additionalVersionWeights().isEmpty()) {
            ObjectNode weights = out.putObject("RoutingConfig").putObject("AdditionalVersionWeights");
            routing.additionalVersionWeights().forEach(weights::put);
        }
        out.put("RevisionId", revision(alias));
        return out;
    }

    /** The alias's RevisionId: the controller's when it wrote one, else one that changes exactly when the alias does. */
    static String revision(Alias alias) {
        if (alias.getStatus() != null && alias.getStatus().revisionId() != null) {
            return alias.getStatus().revisionId();
        }
        try {
            return UUID.nameUUIDFromBytes(JSON.writeValueAsString(alias.getSpec()).getBytes(StandardCharsets.UTF_8))
                    .toString();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an alias spec always serialises", e);
        }
    }

    private Alias existing(Tenant tenant, Function function, String name) {
        return lookup.store().alias(tenant.namespace(), function.functionName(), name).orElseThrow(
                () -> new LambdaException(ErrorType.ResourceNotFoundException,
                        "Cannot find alias arn: " + aliasArn(tenant, function, name)));
    }

    private String aliasArn(Tenant tenant, Function function, String name) {
        return Arns.function(lookup.configurations().region(), tenant.accountId(), function.functionName(), name);
    }

    private static void checkMembers(RequestBody body, String version, Violations violations) {
        violations.length("functionVersion", version, 1, 1024);
        violations.pattern("functionVersion", version, "(\\$LATEST|[0-9]+)");
        String description = body.string("Description");
        violations.length("description", description, 0, 256);
        RequestBody routing = body.object("RoutingConfig");
        Map<String, ?> weights = routing == null ? null
                : routing.raw("AdditionalVersionWeights") == null ? null
                        : JSON.convertValue(routing.raw("AdditionalVersionWeights"), Map.class);
        if (weights != null) {
            weights.forEach((key, weight) -> {
                violations.length("routingConfig.additionalVersionWeights.key", key, 1, 1024);
                violations.pattern("routingConfig.additionalVersionWeights.key", key, "[0-9]+");
                if (!(weight instanceof Number number) || number.doubleValue() < 0 || number.doubleValue() > 1) {
                    violations.add("routingConfig.additionalVersionWeights." + key, weight,
                            "Member must have value between 0.0 and 1.0");
                }
            });
        }
        violations.throwIfAny();
    }

    /** The RoutingConfig member, checked against the versions that exist. */
    private RoutingConfig routing(Tenant tenant, Function function, String version, RequestBody body) {
        RequestBody member = body.object("RoutingConfig");
        Map<String, Double> weights = new java.util.TreeMap<>();
        if (member != null && member.raw("AdditionalVersionWeights") != null) {
            member.raw("AdditionalVersionWeights").properties()
                    .forEach(e -> weights.put(e.getKey(), e.getValue().doubleValue()));
        }
        return keptRouting(tenant, function, version, weights.isEmpty() ? null : new RoutingConfig(weights));
    }

    /** Checks {@code routing} with {@code version} as the alias's version: both must exist, and fit together. */
    private RoutingConfig keptRouting(Tenant tenant, Function function, String version, RoutingConfig routing) {
        UnaryOperator<String> notFound = v -> Arns.function(lookup.configurations().region(), tenant.accountId(),
                function.functionName(), v);
        if (!Qualifiers.isLatest(version)
                && lookup.store().publishedVersion(tenant.namespace(), function.functionName(), version).isEmpty()) {
            throw LambdaException.functionNotFound(notFound.apply(version));
        }
        if (routing == null || routing.additionalVersionWeights() == null || routing.additionalVersionWeights().isEmpty()) {
            return null;
        }
        if (Qualifiers.isLatest(version)) {
            throw LambdaException.invalidParameter("$LATEST is not supported for an alias pointing to more than 1 version");
        }
        double sum = 0;
        for (Map.Entry<String, Double> weight : routing.additionalVersionWeights().entrySet()) {
            if (weight.getKey().equals(version)) {
                throw LambdaException.invalidParameter("Invalid function version " + version + ". Function version "
                        + version + " is already included in routing configuration.");
            }
            if (lookup.store().publishedVersion(tenant.namespace(), function.functionName(), weight.getKey()).isEmpty()) {
                throw LambdaException.functionNotFound(notFound.apply(weight.getKey()));
            }
            sum += weight.getValue();
        }
        if (sum > 1.0 + 1e-9) {
            throw LambdaException.invalidParameter("The sum of AdditionalVersionWeights must not be greater than 1.0.");
        }
        return routing;
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}
