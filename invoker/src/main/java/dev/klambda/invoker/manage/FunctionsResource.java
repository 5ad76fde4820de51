package dev.klambda.invoker.manage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.klambda.core.api.FunctionConfigurations;
import dev.klambda.core.api.FunctionConfigurations.Detail;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.FunctionReference;
import dev.klambda.core.name.Qualifiers;
import dev.klambda.core.store.ResourceStore;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.version.Version;

/** Lambda's ListFunctions and GetFunction over the resource store. */
@Path("/2015-03-31/functions")
@Produces(MediaType.APPLICATION_JSON)
public class FunctionsResource {

    /** ListFunctions returns at most this many items per page, whatever MaxItems says. */
    static final int PAGE_LIMIT = 50;

    @Inject
    ResourceStore store;
    @Inject
    FunctionConfigurations configurations;
    @Inject
    Callers callers;

    /** One row of ListFunctions: a function's $LATEST or one of its published versions. */
    private record Row(Function function, Version version) {

        /** Position in the listing, also the pagination marker: function name, then version. */
        String position() {
            // NUL sorts before every character of a function name, so positions sort as rows do.
            return function.functionName() + "\u0000"
                    + String.format("%010d", version == null ? 0 : version.getSpec().version());
        }
    }

    @GET
    public ObjectNode listFunctions(@QueryParam("FunctionVersion") String functionVersion,
            @QueryParam("Marker") String marker, @QueryParam("MaxItems") String maxItems,
            @QueryParam("MasterRegion") String masterRegion) {
        if (functionVersion != null && !functionVersion.equals("ALL")) {
            throw LambdaException.validation("functionVersion", functionVersion, "Member must satisfy enum value set: [ALL]");
        }
        int limit = pageSize(maxItems);
        String after = decodeMarker(marker);
        Tenant tenant = callers.current();
        boolean all = "ALL".equals(functionVersion);
        if (masterRegion != null) {
            if (!masterRegion.matches("ALL|[a-z]{2}(-gov)?-[a-z]+-\\d{1}")) {
                throw LambdaException.validation("masterRegion", masterRegion,
                        "Member must satisfy regular expression pattern: ALL|[a-z]{2}(-gov)?-[a-z]+-\\d{1}");
            }
            if (!all) {
                throw LambdaException.invalidParameter("MasterRegion requires FunctionVersion to be ALL.");
            }
        }

        List<Row> rows = new ArrayList<>();
        // Lambda@Edge replicas are the only functions a MasterRegion filter selects; klambda has none.
        if (masterRegion == null) {
            for (Function function : store.functions(tenant.namespace())) {
                rows.add(new Row(function, null));
                if (all) {
                    for (Version version : store.versions(tenant.namespace(), function.functionName())) {
                        if (version.getSpec().version() != null && version.getSpec().snapshot() != null) {
                            rows.add(new Row(function, version));
                        }
                    }
                }
            }
        }
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        ArrayNode page = out.putArray("Functions");
        Row last = null;
        for (Row row : rows) {
            if (after != null && row.position().compareTo(after) <= 0) {
                continue;
            }
            if (page.size() == limit) {
                out.put("NextMarker", encodeMarker(last.position()));
                break;
            }
            page.add(row.version() == null ? configurations.latest(row.function(), tenant.accountId(), Detail.LIST)
                    : configurations.version(row.function(), row.version(), tenant.accountId(), Detail.LIST));
            last = row;
        }
        return out;
    }

    @GET
    @Path("/{FunctionName}")
    public ObjectNode getFunction(@PathParam("FunctionName") String functionName, @QueryParam("Qualifier") String qualifier) {
        Tenant tenant = callers.current();
        FunctionReference reference = FunctionReference.parse(functionName, qualifier, FunctionReference.Shape.NAMESPACED)
                .requireRegion(configurations.region());
        if (reference.accountId() != null && !reference.accountId().equals(tenant.accountId())) {
            throw new LambdaException(ErrorType.AccessDeniedException, "User: arn:aws:iam::" + tenant.accountId()
                    + ":root is not authorized to perform: lambda:GetFunction on resource: "
                    + reference.arn(configurations.region(), reference.accountId())
                    + " because no resource-based policy allows the lambda:GetFunction action");
        }
        String notFoundArn = reference.arn(configurations.region(), tenant.accountId());
        Function function = store.function(tenant.namespace(), reference.name())
                .orElseThrow(() -> LambdaException.functionNotFound(notFoundArn));

        ObjectNode configuration = configuration(tenant, function, reference, notFoundArn);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.set("Configuration", configuration);
        ObjectNode code = out.putObject("Code");
        if (function.getSpec().getCode().isImage() && Qualifiers.isLatest(reference.qualifier())) {
            code.put("RepositoryType", "ECR");
            code.put("ImageUri", function.getSpec().getCode().imageUri());
            code.put("ResolvedImageUri", function.getSpec().getCode().imageUri());
        } else {
            code.put("RepositoryType", "S3");
        }
        ObjectNode tags = FunctionConfigurations.tags(function);
        if (tags != null) {
            out.set("Tags", tags);
        }
        ObjectNode concurrency = FunctionConfigurations.concurrency(function);
        if (concurrency != null) {
            out.set("Concurrency", concurrency);
        }
        return out;
    }

    private ObjectNode configuration(Tenant tenant, Function function, FunctionReference reference, String notFoundArn) {
        String qualifier = reference.qualifier();
        if (Qualifiers.isLatest(qualifier)) {
            ObjectNode latest = configurations.latest(function, tenant.accountId(), Detail.FULL);
            if (qualifier != null) {
                latest.put("FunctionArn", reference.arn(configurations.region(), tenant.accountId()));
            }
            return latest;
        }
        if (Qualifiers.isVersionNumber(qualifier)) {
            return publishedVersion(tenant, function, qualifier, notFoundArn);
        }
        Alias alias = store.alias(tenant.namespace(), function.functionName(), qualifier)
                .orElseThrow(() -> LambdaException.functionNotFound(notFoundArn));
        String target = alias.getSpec().functionVersion();
        ObjectNode resolved = Qualifiers.isLatest(target) ? configurations.latest(function, tenant.accountId(), Detail.FULL)
                : publishedVersion(tenant, function, target, notFoundArn);
        resolved.put("FunctionArn", reference.arn(configurations.region(), tenant.accountId()));
        return resolved;
    }

    private ObjectNode publishedVersion(Tenant tenant, Function function, String number, String notFoundArn) {
        Version version = store.publishedVersion(tenant.namespace(), function.functionName(), number)
                .orElseThrow(() -> LambdaException.functionNotFound(notFoundArn));
        return configurations.version(function, version, tenant.accountId(), Detail.FULL);
    }

    private static int pageSize(String maxItems) {
        if (maxItems == null) {
            return PAGE_LIMIT;
        }
        int value;
        try {
            value = Integer.parseInt(maxItems);
        } catch (NumberFormatException e) {
            throw LambdaException.validation("maxItems", maxItems, "Member must be an integer between 1 and 10000");
        }
        if (value < 1) {
            throw LambdaException.validation("maxItems", maxItems, "Member must have value greater than or equal to 1");
        }
        if (value > 10_000) {
            throw LambdaException.validation("maxItems", maxItems, "Member must have value less than or equal to 10000");
        }
        return Math.min(value, PAGE_LIMIT);
    }

    private static String encodeMarker(String position) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(position.getBytes(StandardCharsets.UTF_8));
    }

    private static String decodeMarker(String marker) {
        if (marker == null) {
            return null;
        }
        try {
            return new String(Base64.getUrlDecoder().decode(marker), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw LambdaException.invalidParameter("The marker " + marker + " is not one ListFunctions returned.");
        }
    }
}
