package dev.klambda.invoker.manage;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.klambda.core.api.LambdaTimestamps;
import dev.klambda.core.code.CodeDigest;
import dev.klambda.core.code.CodeLocations;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.layer.LayerStore;
import dev.klambda.core.layer.LayerVersion;
import dev.klambda.core.layer.LayerVersionArn;
import dev.klambda.core.name.Arns;
import dev.klambda.core.tenant.Tenant;

/**
 * PublishLayerVersion, GetLayerVersion(ByArn), ListLayers, ListLayerVersions and
 * DeleteLayerVersion. A layer version is a zip in the code store and a record in the
 * {@link LayerStore}; functions name it by its version ARN.
 */
@Path("/2018-10-31/layers")
@Produces(MediaType.APPLICATION_JSON)
public class LayersResource {

    static final String LAYER_NAME = "(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+";
    static final int PAGE_LIMIT = 50;

    @Inject
    FunctionLookup lookup;
    @Inject
    LayerStore layers;
    @Inject
    CodeLocations locations;
    @Context
    UriInfo uri;

    @Inject
    CodeUploads uploads;

    @POST
    @Path("/{LayerName}/versions")
    @Consumes(MediaType.WILDCARD)
    public Response publishLayerVersion(@PathParam("LayerName") String layerName, byte[] bytes) {
        Tenant tenant = lookup.tenant();
        RequestBody body = RequestBody.parse(bytes);
        Violations violations = new Violations();
        String name = name(tenant, layerName, violations);
        RequestBody content = body.object("Content");
        violations.required("content", content);
        String description = body.string("Description");
        violations.length("description", description, 0, 256);
        String license = body.string("LicenseInfo");
        violations.length("licenseInfo", license, 0, 512);
        List<String> runtimes = body.strings("CompatibleRuntimes");
        if (runtimes != null && runtimes.size() > 15) {
            violations.add("compatibleRuntimes", runtimes, "Member must have length less than or equal to 15");
        }
        List<String> architectures = body.strings("CompatibleArchitectures");
        if (architectures != null && (architectures.size() > 2
                || architectures.stream().anyMatch(a -> !a.equals("x86_64") && !a.equals("arm64")))) {
            violations.add("compatibleArchitectures", architectures,
                    "Member must have length less than or equal to 2 and satisfy enum value set: [x86_64, arm64]");
        }
        violations.throwIfAny();
        if (content.has("S3Bucket") || content.has("S3Key") || !content.has("ZipFile")) {
            throw LambdaException.invalidParameter("klambda has no S3: upload the layer as Content.ZipFile (up to 50 MB).");
        }
        CodeDigest digest = uploads.upload(content.string("ZipFile"), false);
        LayerVersion published = layers.publish(tenant.namespace(), new LayerVersion(name, 0,
                description == null || description.isEmpty() ? null : description, digest.hex(), digest.size(),
                runtimes == null || runtimes.isEmpty() ? null : runtimes,
                architectures == null || architectures.isEmpty() ? null : architectures, license,
                LambdaTimestamps.iso(Instant.now())));
        return Response.status(201).entity(render(tenant, published, true)).build();
    }

    @GET
    @Path("/{LayerName}/versions/{VersionNumber}")
    public ObjectNode getLayerVersion(@PathParam("LayerName") String layerName,
            @PathParam("VersionNumber") long version) {
        Tenant tenant = lookup.tenant();
        String name = name(tenant, layerName);
        return render(tenant, existing(tenant, name, version), true);
    }

    @GET
    public ObjectNode listLayersOrGetByArn(@QueryParam("find") String find, @QueryParam("Arn") String arn,
            @QueryParam("CompatibleRuntime") String runtime, @QueryParam("CompatibleArchitecture") String architecture,
            @QueryParam("Marker") String marker, @QueryParam("MaxItems") String maxItems) {
        Tenant tenant = lookup.tenant();
        if ("LayerVersion".equals(find)) {
            LayerVersionArn named = LayerVersionArn.parse(arn).orElseThrow(() -> LambdaException.validation("arn", arn,
                    "Member must satisfy regular expression pattern: " + LayerVersionArn.pattern()));
            if (!named.accountId().equals(tenant.accountId())) {
                throw notFound(arn);
            }
            return render(tenant, existing(tenant, named.layerName(), named.version()), true);
        }
        List<LayerVersion> latest = layers.layers(tenant.namespace()).stream()
                .map(name -> layers.versions(tenant.namespace(), name).stream()
                        .filter(v -> matches(v, runtime, architecture))
                        .max(Comparator.comparingLong(LayerVersion::version)).orElse(null))
                .filter(java.util.Objects::nonNull).toList();
        return Pages.page(latest, LayerVersion::layerName, v -> {
            ObjectNode item = JsonNodeFactory.instance.objectNode();
            item.put("LayerName", v.layerName());
            item.put("LayerArn", Arns.layer(lookup.configurations().region(), tenant.accountId(), v.layerName(), 0));
            item.set("LatestMatchingVersion", render(tenant, v, false));
            return item;
        }, "Layers", marker, maxItems, PAGE_LIMIT);
    }

    @GET
    @Path("/{LayerName}/versions")
    public ObjectNode listLayerVersions(@PathParam("LayerName") String layerName,
            @QueryParam("CompatibleRuntime") String runtime, @QueryParam("CompatibleArchitecture") String architecture,
            @QueryParam("Marker") String marker, @QueryParam("MaxItems") String maxItems) {
        Tenant tenant = lookup.tenant();
        String name = name(tenant, layerName);
        // Newest first, as Lambda lists them.
        List<LayerVersion> versions = layers.versions(tenant.namespace(), name).stream()
                .filter(v -> matches(v, runtime, architecture))
                .sorted(Comparator.comparingLong(LayerVersion::version).reversed()).toList();
        return Pages.page(versions, v -> String.format("%019d", Long.MAX_VALUE - v.version()),
                v -> render(tenant, v, false), "LayerVersions", marker, maxItems, PAGE_LIMIT);
    }

    @DELETE
    @Path("/{LayerName}/versions/{VersionNumber}")
    public Response deleteLayerVersion(@PathParam("LayerName") String layerName,
            @PathParam("VersionNumber") long version) {
        Tenant tenant = lookup.tenant();
        String name = name(tenant, layerName);
        layers.delete(tenant.namespace(), name, version);
        return Response.noContent().build();
    }

    /** A LayerName (or layer ARN of the caller's account) as the layer's name. */
    private String name(Tenant tenant, String layerName) {
        Violations violations = new Violations();
        String name = name(tenant, layerName, violations);
        violations.throwIfAny();
        return name;
    }

    /** A LayerName (or layer ARN of the caller's account) as the layer's name; its violations go to {@code violations}. */
    private String name(Tenant tenant, String layerName, Violations violations) {
        violations.length("layerName", layerName, 1, 140);
        violations.pattern("layerName", layerName, LAYER_NAME);
        if (layerName.startsWith("arn:")) {
            String[] parts = layerName.split(":");
            if (parts.length == 7 && !parts[4].equals(tenant.accountId())) {
                throw LambdaException.invalidParameter("Layers of another account are not available here: " + layerName);
            }
            return parts[parts.length - 1];
        }
        return layerName;
    }

    private LayerVersion existing(Tenant tenant, String name, long version) {
        if (version < 1) {
            throw LambdaException.invalidParameter("Layer Version Cannot be less than 1");
        }
        return layers.get(tenant.namespace(), name, version).orElseThrow(() -> notFound(
                Arns.layer(lookup.configurations().region(), tenant.accountId(), name, version)));
    }

    private static LambdaException notFound(String arn) {
        return new LambdaException(ErrorType.ResourceNotFoundException, "Layer version " + arn + " does not exist.");
    }

    private static boolean matches(LayerVersion version, String runtime, String architecture) {
        return (runtime == null || (version.compatibleRuntimes() != null && version.compatibleRuntimes().contains(runtime)))
                && (architecture == null || (version.compatibleArchitectures() != null
                        && version.compatibleArchitectures().contains(architecture)));
    }

    /** Lambda's GetLayerVersion shape (with Content and LayerArn), or its list item shape. */
    private ObjectNode render(Tenant tenant, LayerVersion layer, boolean full) {
        String region = lookup.configurations().region();
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        if (full) {
            ObjectNode content = out.putObject("Content");
            content.put("Location", locations.location(uri.getBaseUri().toString(), layer.sha256()));
            content.put("CodeSha256", java.util.Base64.getEncoder().encodeToString(
                    java.util.HexFormat.of().parseHex(layer.sha256())));
            content.put("CodeSize", layer.codeSize());
            out.put("LayerArn", Arns.layer(region, tenant.accountId(), layer.layerName(), 0));
        }
        out.put("LayerVersionArn", Arns.layer(region, tenant.accountId(), layer.layerName(), layer.version()));
        if (layer.description() != null) {
            out.put("Description", layer.description());
        }
        out.put("CreatedDate", layer.createdDate());
        out.put("Version", layer.version());
        strings(out, "CompatibleRuntimes", layer.compatibleRuntimes());
        if (layer.licenseInfo() != null) {
            out.put("LicenseInfo", layer.licenseInfo());
        }
        strings(out, "CompatibleArchitectures", layer.compatibleArchitectures());
        return out;
    }

    private static void strings(ObjectNode out, String member, List<String> values) {
        if (values != null) {
            ArrayNode array = out.putArray(member);
            values.forEach(array::add);
        }
    }
}
