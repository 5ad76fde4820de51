package dev.klambda.invoker.manage;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.FunctionReference;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.crds.v1alpha1.function.Function;

/** TagResource, UntagResource and ListTags on functions (the tags live on the Function resource). */
@Path("/2017-03-31/tags/{Resource}")
@Produces(MediaType.APPLICATION_JSON)
public class TagsResource {

    /** Lambda's limit on tags per resource. */
    static final int MAX_TAGS = 50;
    private static final Pattern FUNCTION_ARN = Pattern
            .compile(
                    "arn:(aws[a-zA-Z-]*):lambda:([a-z0-9-]+):(\\d{12}):function:([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");

    @Inject
    FunctionLookup lookup;

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response tagResource(@PathParam("Resource") String resource, byte[] bytes) {
        Tenant tenant = lookup.tenant();
        Map<String, String> tags = RequestBody.parse(bytes).stringMap("Tags");
        Violations violations = new Violations();
        violations.required("tags", tags);
        violations.throwIfAny();
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            violations.length("tags.key", tag.getKey(), 1, 128);
            violations.length("tags.value", tag.getValue(), 0, 256);
        }
        violations.throwIfAny();
        FunctionReference reference = function(tenant, resource, "TagResource");
        lookup.updateFunction(tenant, reference, null, function -> {
            Map<String, String> merged = new TreeMap<>(function.getSpec().getTags() == null ? Map.of()
                    : function.getSpec().getTags());
            merged.putAll(tags);
            if (merged.size() > MAX_TAGS) {
                throw LambdaException.invalidParameter("Number of tags exceeds resource tag limit.");
            }
            function.getSpec().setTags(merged);
        });
        return Response.noContent().build();
    }

    @DELETE
    public Response untagResource(@PathParam("Resource") String resource, @QueryParam("tagKeys") List<String> keys) {
        Tenant tenant = lookup.tenant();
        Violations violations = new Violations();
        violations.required("tagKeys", keys == null || keys.isEmpty() ? null : keys);
        violations.throwIfAny();
        FunctionReference reference = function(tenant, resource, "UntagResource");
        lookup.updateFunction(tenant, reference, null, function -> {
            Map<String, String> left = new TreeMap<>(function.getSpec().getTags() == null ? Map.of()
                    : function.getSpec().getTags());
            keys.forEach(left::remove);
            function.getSpec().setTags(left.isEmpty() ? null : left);
        });
        return Response.noContent().build();
    }

    @GET
    public ObjectNode listTags(@PathParam("Resource") String resource) {
        Tenant tenant = lookup.tenant();
        Function function = lookup.function(tenant, function(tenant, resource, "ListTags"));
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        ObjectNode tags = out.putObject("Tags");
        if (function.getSpec().getTags() != null) {
            function.getSpec().getTags().forEach(tags::put);
        }
        return out;
    }

    /** The function a tagging ARN names: a function ARN, unqualified, as Lambda requires for tags. */
    private FunctionReference function(Tenant tenant, String arn, String action) {
        Matcher matcher = FUNCTION_ARN.matcher(arn);
        if (!matcher.matches()) {
            throw LambdaException.validation("resource", arn, "Member must satisfy regular expression pattern: "
                    + FUNCTION_ARN.pattern());
        }
        if (matcher.group(5) != null) {
            throw LambdaException.invalidParameter("Tags are not supported for resource " + arn
                    + ": tag the unqualified function ARN");
        }
        return lookup.reference(tenant, arn, null, FunctionReference.Shape.FUNCTION_NAME, action);
    }
}
