package dev.klambda.invoker.manage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

import dev.klambda.core.api.FunctionConfigurations;
import dev.klambda.core.api.FunctionConfigurations.Detail;
import dev.klambda.core.code.CodeDigest;
import dev.klambda.core.code.CodeLocations;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.layer.LayerVersionArn;
import dev.klambda.core.name.Arns;
import dev.klambda.core.name.FunctionReference;
import dev.klambda.core.name.FunctionReference.Shape;
import dev.klambda.core.name.Qualifiers;
import dev.klambda.core.store.ResourceStore;
import dev.klambda.core.store.ResourceWriteException;
import dev.klambda.core.store.ResourceWriter;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.function.Code;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionSpec;
import dev.klambda.crds.v1alpha1.version.Version;

/** Lambda's function operations (create, read, update, delete, list) over the resource store. */
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
    ResourceWriter writer;
    @Inject
    Versions versions;
    @Inject
    FunctionLookup lookup;
    @Inject
    FunctionPackages packages;
    @Inject
    dev.klambda.core.layer.LayerStore layers;
    @Inject
    CodeLocations locations;
    @Context
    UriInfo uri;

    @Inject
    CodeUploads uploads;

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
        Tenant tenant = lookup.tenant();
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
        return Pages.page(rows, Row::position, row -> row.version() == null
                ? configurations.latest(row.function(), tenant.accountId(), Detail.LIST)
                : configurations.version(row.function(), row.version(), tenant.accountId(), Detail.LIST),
                "Functions", marker, maxItems, PAGE_LIMIT);
    }

    @GET
    @Path("/{FunctionName}")
    public ObjectNode getFunction(@PathParam("FunctionName") String functionName, @QueryParam("Qualifier") String qualifier) {
        Tenant tenant = lookup.tenant();
        FunctionReference reference = lookup.reference(tenant, functionName, qualifier, Shape.NAMESPACED, "GetFunction");
        String notFoundArn = lookup.arn(tenant, reference);
        Function function = lookup.function(tenant, reference);

        ObjectNode configuration = configuration(tenant, function, reference, notFoundArn);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.set("Configuration", configuration);
        out.set("Code", code(function, configuration));
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

    /**
     * GetFunction's Code: the image of an image function's $LATEST, else a location (valid ten
     * minutes) that downloads the zip of the version the configuration describes.
     */
    private ObjectNode code(Function function, ObjectNode configuration) {
        ObjectNode code = JsonNodeFactory.instance.objectNode();
        String version = configuration.path("Version").asText();
        if (function.getSpec().getCode().isImage() && Qualifiers.isLatest(version)) {
            code.put("RepositoryType", "ECR");
            code.put("ImageUri", function.getSpec().getCode().imageUri());
            code.put("ResolvedImageUri", function.getSpec().getCode().imageUri());
            return code;
        }
        code.put("RepositoryType", "S3");
        String sha256 = Qualifiers.isLatest(version)
                ? packages.latest(function).map(stored -> stored.digest().hex()).orElse(null)
                : configuration.hasNonNull("CodeSha256") ? CodeDigest.toHex(configuration.get("CodeSha256").asText()) : null;
        if (sha256 != null) {
            code.put("Location", locations.location(uri.getBaseUri().toString(), sha256));
        }
        return code;
    }

    @GET
    @Path("/{FunctionName}/configuration")
    public ObjectNode getFunctionConfiguration(@PathParam("FunctionName") String functionName,
            @QueryParam("Qualifier") String qualifier) {
        Tenant tenant = lookup.tenant();
        FunctionReference reference = lookup.reference(tenant, functionName, qualifier, Shape.NAMESPACED,
                "GetFunctionConfiguration");
        String notFoundArn = lookup.arn(tenant, reference);
        Function function = lookup.function(tenant, reference);
        return configuration(tenant, function, reference, notFoundArn);
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response createFunction(byte[] bytes) {
        Tenant tenant = lookup.tenant();
        RequestBody body = RequestBody.parse(bytes);
        Violations violations = new Violations();
        String functionName = body.string("FunctionName");
        violations.required("functionName", functionName);
        violations.required("role", body.string("Role"));
        violations.required("code", body.object("Code"));
        violations.throwIfAny();
        FunctionReference reference = lookup.reference(tenant, functionName, null, Shape.FUNCTION_NAME, "CreateFunction");
        if (reference.qualifier() != null) {
            throw LambdaException.invalidParameter("A function is created without a qualifier: " + functionName);
        }

        FunctionSpec spec = new FunctionSpec();
        String packageType = body.string("PackageType");
        if (packageType != null && !packageType.equals("Zip") && !packageType.equals("Image")) {
            throw LambdaException.validation("packageType", packageType, "Member must satisfy enum value set: [Image, Zip]");
        }
        FunctionRequests.apply(body, spec, configurations.architecture());
        checkLayers(tenant, body, spec);
        RequestBody code = body.object("Code");
        spec.setCode(code(code, "Image".equals(packageType), false));
        if (!spec.getCode().isImage() && (spec.getRuntime() == null || spec.getHandler() == null)) {
            throw LambdaException.invalidParameter(
                    "Runtime and Handler are mandatory parameters for functions created with Zip Package Type");
        }
        Map<String, String> tags = body.stringMap("Tags");
        if (tags != null && !tags.isEmpty()) {
            spec.setTags(tags);
        }
        Function function = new Function();
        String resourceName = ResourceNames.of(reference.name());
        function.setMetadata(new ObjectMetaBuilder().withName(resourceName).withNamespace(tenant.namespace()).build());
        if (!resourceName.equals(reference.name())) {
            spec.setFunctionName(reference.name());
        }
        function.setSpec(spec);
        Function created;
        try {
            created = writer.create(function);
        } catch (ResourceWriteException e) {
            throw e.reason() == ResourceWriteException.Reason.EXISTS
                    ? new LambdaException(ErrorType.ResourceConflictException, "Function already exist: " + reference.name())
                    : StoreErrors.of(e);
        }
        if (Boolean.TRUE.equals(body.bool("Publish"))) {
            versions.publish(tenant, created, null, null);
        }
        return Response.status(201).entity(configurations.latest(created, tenant.accountId(), Detail.FULL)).build();
    }

    @PUT
    @Path("/{FunctionName}/configuration")
    @Consumes(MediaType.WILDCARD)
    public ObjectNode updateFunctionConfiguration(@PathParam("FunctionName") String functionName, byte[] bytes) {
        Tenant tenant = lookup.tenant();
        RequestBody body = RequestBody.parse(bytes);
        FunctionReference reference = lookup.unqualified(tenant, functionName, "UpdateFunctionConfiguration");
        Function updated = lookup.updateFunction(tenant, reference, body.string("RevisionId"), function -> {
            FunctionRequests.apply(body, function.getSpec(), configurations.architecture());
            checkLayers(tenant, body, function.getSpec());
            if (function.getSpec().getCode().isImage() && (body.has("Runtime") || body.has("Handler"))) {
                throw LambdaException.invalidParameter("Please don't provide Handler or Runtime or Layer when the "
                        + "intended function PackageType is Image.");
            }
        });
        return configurations.latest(updated, tenant.accountId(), Detail.FULL);
    }

    @PUT
    @Path("/{FunctionName}/code")
    @Consumes(MediaType.WILDCARD)
    public ObjectNode updateFunctionCode(@PathParam("FunctionName") String functionName, byte[] bytes) {
        Tenant tenant = lookup.tenant();
        RequestBody body = RequestBody.parse(bytes);
        FunctionReference reference = lookup.unqualified(tenant, functionName, "UpdateFunctionCode");
        refuseS3(body);
        boolean dryRun = Boolean.TRUE.equals(body.bool("DryRun"));
        Function current = lookup.function(tenant, reference);
        boolean image = current.getSpec().getCode().isImage();
        if (image && !body.has("ImageUri")) {
            throw LambdaException.invalidParameter("Please provide ImageUri when updating a function with packageType Image.");
        }
        if (!image && body.has("ImageUri")) {
            throw LambdaException
                    .invalidParameter("Please don't provide ImageUri when updating a function with packageType Zip.");
        }
        if (!image && !body.has("ZipFile")) {
            throw LambdaException.invalidParameter("Please provide a source for function code: ZipFile "
                    + "(klambda has no S3 to read code from).");
        }
        Code code = code(body, image, dryRun);
        if (dryRun) {
            FunctionLookup.checkRevision(current, body.string("RevisionId"));
            return configurations.latest(current, tenant.accountId(), Detail.FULL);
        }
        Function updated = lookup.updateFunction(tenant, reference, body.string("RevisionId"),
                function -> function.getSpec().setCode(code));
        if (Boolean.TRUE.equals(body.bool("Publish"))) {
            versions.publish(tenant, updated, null, null);
        }
        return configurations.latest(updated, tenant.accountId(), Detail.FULL);
    }

    @DELETE
    @Path("/{FunctionName}")
    public Response deleteFunction(@PathParam("FunctionName") String functionName, @QueryParam("Qualifier") String qualifier) {
        Tenant tenant = lookup.tenant();
        FunctionReference reference = lookup.reference(tenant, functionName, qualifier, Shape.FUNCTION_NAME, "DeleteFunction");
        String functionArn = Arns.function(configurations.region(), tenant.accountId(), reference.name());
        Function function = store.function(tenant.namespace(), reference.name())
                .orElseThrow(() -> LambdaException.functionNotFound(functionArn));
        String qualified = reference.qualifier();
        if (qualified == null) {
            // The function goes with everything that only exists through it; event source mappings stay, as on AWS.
            store.aliases(tenant.namespace(), reference.name()).forEach(this::deleteQuietly);
            store.versions(tenant.namespace(), reference.name()).forEach(this::deleteQuietly);
            deleteQuietly(function);
            return Response.noContent().build();
        }
        if (Qualifiers.isLatest(qualified)) {
            throw LambdaException.invalidParameter("$LATEST version cannot be deleted without deleting the function.");
        }
        if (!Qualifiers.isVersionNumber(qualified)) {
            throw LambdaException.invalidParameter("Deletion of aliases is not supported by DeleteFunction: use DeleteAlias.");
        }
        Version version = store.publishedVersion(tenant.namespace(), reference.name(), qualified)
                .orElseThrow(() -> LambdaException.functionNotFound(functionArn));
        List<String> users = store.aliases(tenant.namespace(), reference.name()).stream()
                .filter(alias -> qualified.equals(alias.getSpec().functionVersion())
                        || (alias.getSpec().routingConfig() != null
                                && alias.getSpec().routingConfig().additionalVersionWeights() != null
                                && alias.getSpec().routingConfig().additionalVersionWeights().containsKey(qualified)))
                .map(Alias::aliasName).toList();
        if (!users.isEmpty()) {
            throw new LambdaException(ErrorType.ResourceConflictException,
                    "Unable to delete version because the following aliases reference it: " + users);
        }
        deleteQuietly(version);
        return Response.noContent().build();
    }

    private void deleteQuietly(io.fabric8.kubernetes.api.model.HasMetadata resource) {
        try {
            writer.delete(resource);
        } catch (ResourceWriteException e) {
            if (e.reason() != ResourceWriteException.Reason.GONE) {
                throw StoreErrors.of(e);
            }
        }
    }

    /** The layer versions a request names must be published ones of the caller's account. */
    private void checkLayers(Tenant tenant, RequestBody body, FunctionSpec spec) {
        if (!body.has("Layers") || spec.getLayers() == null) {
            return;
        }
        for (var layer : spec.getLayers()) {
            boolean exists = LayerVersionArn.parse(layer.arn())
                    .filter(named -> named.accountId().equals(tenant.accountId()))
                    .flatMap(named -> layers.get(tenant.namespace(), named.layerName(), named.version())).isPresent();
            if (!exists) {
                throw LambdaException.invalidParameter("Layer version " + layer.arn() + " does not exist.");
            }
        }
    }

    /** The Code of CreateFunction (the member) or UpdateFunctionCode (the body): a zip upload or an image. */
    private Code code(RequestBody code, boolean image, boolean dryRun) {
        refuseS3(code);
        String imageUri = code.string("ImageUri");
        String zipFile = code.string("ZipFile");
        if (image) {
            if (imageUri == null || zipFile != null) {
                throw LambdaException
                        .invalidParameter("Please provide ImageUri when creating a function with packageType Image.");
            }
            Violations violations = new Violations();
            violations.length("imageUri", imageUri, 1, 1024);
            violations.throwIfAny();
            return new Code(imageUri, null, null, null, null);
        }
        if (imageUri != null) {
            throw LambdaException
                    .invalidParameter("Please don't provide ImageUri when creating a function with packageType Zip.");
        }
        if (zipFile == null) {
            throw LambdaException.invalidParameter("Please provide a source for function code: ZipFile "
                    + "(klambda has no S3 to read code from).");
        }
        return new Code(null, uploads.upload(zipFile, dryRun).hex(), null, null, null);
    }

    private static void refuseS3(RequestBody code) {
        if (code.has("S3Bucket") || code.has("S3Key") || code.has("S3ObjectVersion")) {
            throw LambdaException.invalidParameter("klambda has no S3: upload the package as ZipFile (up to 50 MB), "
                    + "or give larger code as an image.");
        }
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
}
