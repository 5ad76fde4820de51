package dev.klambda.invoker.manage;

import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.klambda.core.api.FunctionConfigurations.Detail;
import dev.klambda.core.name.FunctionReference;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.version.Version;

/** PublishVersion and ListVersionsByFunction. */
@Path("/2015-03-31/functions/{FunctionName}/versions")
@Produces(MediaType.APPLICATION_JSON)
public class VersionsResource {

    /** ListVersionsByFunction returns at most this many items per page. */
    static final int PAGE_LIMIT = 50;

    @Inject
    FunctionLookup lookup;
    @Inject
    Versions versions;

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response publishVersion(@PathParam("FunctionName") String functionName, byte[] bytes) {
        Tenant tenant = lookup.tenant();
        RequestBody body = RequestBody.parse(bytes);
        Violations violations = new Violations();
        String description = body.string("Description");
        violations.length("description", description, 0, 256);
        violations.throwIfAny();
        FunctionReference reference = lookup.unqualified(tenant, functionName, "PublishVersion");
        Function function = lookup.function(tenant, reference);
        String revisionId = body.string("RevisionId");
        if (revisionId != null && !revisionId.equals(function.getStatus().revisionId())) {
            throw StoreErrors.staleRevision("GetFunction/GetAlias");
        }
        Version version = versions.publish(tenant, function, description == null || description.isEmpty() ? null
                : description, body.string("CodeSha256"));
        return Response.status(201).entity(lookup.configurations().version(function, version, tenant.accountId(), Detail.FULL))
                .build();
    }

    @GET
    public ObjectNode listVersionsByFunction(@PathParam("FunctionName") String functionName,
            @QueryParam("Marker") String marker, @QueryParam("MaxItems") String maxItems) {
        Tenant tenant = lookup.tenant();
        FunctionReference reference = lookup.unqualified(tenant, functionName, "ListVersionsByFunction");
        Function function = lookup.function(tenant, reference);
        // $LATEST first, then the published versions by number; null stands for $LATEST.
        List<Version> rows = new ArrayList<>();
        rows.add(null);
        lookup.store().versions(tenant.namespace(), function.functionName()).stream()
                .filter(v -> v.getSpec().version() != null && v.getSpec().snapshot() != null)
                .forEach(rows::add);
        return Pages.page(rows, v -> String.format("%010d", v == null ? 0 : v.getSpec().version()),
                v -> v == null ? lookup.configurations().latest(function, tenant.accountId(), Detail.LIST)
                        : lookup.configurations().version(function, v, tenant.accountId(), Detail.LIST),
                "Versions", marker, maxItems, PAGE_LIMIT);
    }
}
