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
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.HasMetadata;

import dev.klambda.core.api.LambdaTimestamps;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.Arns;
import dev.klambda.core.name.FunctionReference;
import dev.klambda.core.name.FunctionReference.Shape;
import dev.klambda.core.store.ResourceWriter;
import dev.klambda.core.store.Resources;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.common.Cors;
import dev.klambda.crds.v1alpha1.common.FunctionUrlConfig;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.invoker.url.FunctionUrlRoute;

/**
 * Create/Get/Update/Delete/ListFunctionUrlConfig(s): the {@code functionUrlConfig} of the Function
 * (no qualifier) or of one of its aliases. Requests reach it through {@link FunctionUrlRoute}.
 */
@Path("/2021-10-31/functions/{FunctionName}")
@Produces(MediaType.APPLICATION_JSON)
public class FunctionUrlsResource {

    static final String CREATED = "klambda.dev/function-url-created";
    static final String MODIFIED = "klambda.dev/function-url-modified";
    private static final String ALIAS_QUALIFIER = "((?!^\\d+$)^[0-9a-zA-Z-_]+$)";

    @Inject
    FunctionLookup lookup;
    @Inject
    ResourceWriter writer;
    @Inject
    FunctionUrlRoute urls;
    @Context
    UriInfo uri;

    @POST
    @Path("/url")
    @Consumes(MediaType.WILDCARD)
    public Response createFunctionUrlConfig(@PathParam("FunctionName") String functionName,
            @QueryParam("Qualifier") String qualifier, byte[] bytes) {
        Tenant tenant = lookup.tenant();
        RequestBody body = RequestBody.parse(bytes);
        Holder holder = holder(tenant, functionName, qualifier, "CreateFunctionUrlConfig");
        if (holder.config() != null) {
            throw new LambdaException(ErrorType.ResourceConflictException, "Failed to create function url config for "
                    + "[functionArn = " + holder.arn()
                    + "]. Error message:  FunctionUrlConfig exists for this Lambda function");
        }
        Violations violations = new Violations();
        violations.required("authType", body.string("AuthType"));
        violations.throwIfAny();
        FunctionUrlConfig config = config(body, null);
        HasMetadata written = write(holder, config, true);
        ObjectNode out = render(tenant, holder.withConfig(config, written), false);
        return Response.status(201).entity(out).build();
    }

    @GET
    @Path("/url")
    public ObjectNode getFunctionUrlConfig(@PathParam("FunctionName") String functionName,
            @QueryParam("Qualifier") String qualifier) {
        Tenant tenant = lookup.tenant();
        return render(tenant, existing(holder(tenant, functionName, qualifier, "GetFunctionUrlConfig")), true);
    }

    @PUT
    @Path("/url")
    @Consumes(MediaType.WILDCARD)
    public ObjectNode updateFunctionUrlConfig(@PathParam("FunctionName") String functionName,
            @QueryParam("Qualifier") String qualifier, byte[] bytes) {
        Tenant tenant = lookup.tenant();
        RequestBody body = RequestBody.parse(bytes);
        Holder holder = existing(holder(tenant, functionName, qualifier, "UpdateFunctionUrlConfig"));
        FunctionUrlConfig config = config(body, holder.config());
        HasMetadata written = write(holder, config, false);
        return render(tenant, holder.withConfig(config, written), true);
    }

    @DELETE
    @Path("/url")
    public Response deleteFunctionUrlConfig(@PathParam("FunctionName") String functionName,
            @QueryParam("Qualifier") String qualifier) {
        Tenant tenant = lookup.tenant();
        write(existing(holder(tenant, functionName, qualifier, "DeleteFunctionUrlConfig")), null, false);
        return Response.noContent().build();
    }

    @GET
    @Path("/urls")
    public ObjectNode listFunctionUrlConfigs(@PathParam("FunctionName") String functionName,
            @QueryParam("Marker") String marker, @QueryParam("MaxItems") String maxItems) {
        Tenant tenant = lookup.tenant();
        FunctionReference reference = lookup.unqualified(tenant, functionName, "ListFunctionUrlConfigs");
        Function function = lookup.function(tenant, reference);
        List<Holder> holders = new ArrayList<>();
        if (function.getSpec().getFunctionUrlConfig() != null) {
            holders.add(of(tenant, function, null));
        }
        for (Alias alias : lookup.store().aliases(tenant.namespace(), function.functionName())) {
            if (alias.getSpec().functionUrlConfig() != null) {
                holders.add(of(tenant, function, alias));
            }
        }
        return Pages.page(holders, Holder::arn, h -> render(tenant, h, true), "FunctionUrlConfigs", marker, maxItems, 50);
    }

    /** The Function or Alias that has (or would have) the URL config, with its config and ARN. */
    private record Holder(Function function, Alias alias, FunctionUrlConfig config, String arn, HasMetadata resource) {

        Holder withConfig(FunctionUrlConfig config, HasMetadata written) {
            return new Holder(function, alias, config, arn, written);
        }
    }

    private Holder holder(Tenant tenant, String functionName, String qualifier, String action) {
        if (qualifier != null && !qualifier.matches(ALIAS_QUALIFIER)) {
            throw LambdaException.validation("qualifier", qualifier,
                    "Member must satisfy regular expression pattern: " + ALIAS_QUALIFIER);
        }
        FunctionReference reference = lookup.reference(tenant, functionName, qualifier, Shape.FUNCTION_NAME, action);
        if (reference.qualifier() != null && !reference.qualifier().matches(ALIAS_QUALIFIER)) {
            throw LambdaException.validation("qualifier", reference.qualifier(),
                    "Member must satisfy regular expression pattern: " + ALIAS_QUALIFIER);
        }
        Function function = lookup.function(tenant, reference);
        Alias alias = reference.qualifier() == null ? null
                : lookup.store().alias(tenant.namespace(), function.functionName(), reference.qualifier())
                        .orElseThrow(() -> LambdaException.functionNotFound(lookup.arn(tenant, reference)));
        return of(tenant, function, alias);
    }

    private Holder of(Tenant tenant, Function function, Alias alias) {
        String arn = Arns.function(lookup.configurations().region(), tenant.accountId(), function.functionName(),
                alias == null ? null : alias.aliasName());
        return alias == null ? new Holder(function, null, function.getSpec().getFunctionUrlConfig(), arn, function)
                : new Holder(function, alias, alias.getSpec().functionUrlConfig(), arn, alias);
    }

    private static Holder existing(Holder holder) {
        if (holder.config() == null) {
            throw new LambdaException(ErrorType.ResourceNotFoundException, "The resource you requested does not exist.");
        }
        return holder;
    }

    /** The config a request asks for; on update, members left out keep {@code current}'s values. */
    private static FunctionUrlConfig config(RequestBody body, FunctionUrlConfig current) {
        String authType = body.string("AuthType");
        String invokeMode = body.string("InvokeMode");
        Violations violations = new Violations();
        if (authType != null && !authType.equals("NONE") && !authType.equals("AWS_IAM")) {
            violations.add("authType", authType, "Member must satisfy enum value set: [NONE, AWS_IAM]");
        }
        if (invokeMode != null && !invokeMode.equals("BUFFERED") && !invokeMode.equals("RESPONSE_STREAM")) {
            violations.add("invokeMode", invokeMode, "Member must satisfy enum value set: [BUFFERED, RESPONSE_STREAM]");
        }
        RequestBody cors = body.object("Cors");
        Integer maxAge = cors == null ? null : cors.integer("MaxAge");
        violations.range("cors.maxAge", maxAge, 0, 86_400);
        violations.throwIfAny();
        if ("RESPONSE_STREAM".equals(invokeMode)) {
            throw LambdaException.invalidParameter("klambda's function URLs answer when the function finishes: "
                    + "InvokeMode RESPONSE_STREAM is not supported.");
        }
        return new FunctionUrlConfig(
                authType != null ? FunctionUrlConfig.AuthType.valueOf(authType) : current.authType(),
                cors != null ? new Cors(cors.bool("AllowCredentials"), cors.strings("AllowHeaders"),
                        cors.strings("AllowMethods"), cors.strings("AllowOrigins"), cors.strings("ExposeHeaders"), maxAge)
                        : current == null ? null : current.cors(),
                FunctionUrlConfig.InvokeMode.BUFFERED, current == null ? null : current.eventFormat());
    }

    /** Writes {@code config} (null removes it) onto the holder's resource, stamping when it changed. */
    private HasMetadata write(Holder holder, FunctionUrlConfig config, boolean created) {
        String now = LambdaTimestamps.iso(Instant.now());
        return lookup.update(holder.resource(), changed -> {
            if (changed instanceof Alias alias) {
                alias.setSpec(alias.getSpec().withFunctionUrlConfig(config));
            } else {
                ((Function) changed).getSpec().setFunctionUrlConfig(config);
            }
            Resources.annotate(changed, CREATED, config == null ? null
                    : created || Resources.annotation(changed, CREATED) == null ? now
                            : Resources.annotation(changed, CREATED));
            Resources.annotate(changed, MODIFIED, config == null ? null : now);
        });
    }

    private ObjectNode render(Tenant tenant, Holder holder, boolean withModified) {
        FunctionUrlConfig config = holder.config();
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("FunctionUrl", urls.address(uri.getBaseUri().toString(), tenant.namespace(),
                holder.function().functionName(), holder.alias() == null ? null : holder.alias().aliasName()));
        out.put("FunctionArn", holder.arn());
        out.put("AuthType", config.authType().name());
        if (config.cors() != null) {
            Cors cors = config.cors();
            ObjectNode node = out.putObject("Cors");
            if (cors.allowCredentials() != null) {
                node.put("AllowCredentials", cors.allowCredentials());
            }
            strings(node, "AllowHeaders", cors.allowHeaders());
            strings(node, "AllowMethods", cors.allowMethods());
            strings(node, "AllowOrigins", cors.allowOrigins());
            strings(node, "ExposeHeaders", cors.exposeHeaders());
            if (cors.maxAge() != null) {
                node.put("MaxAge", cors.maxAge());
            }
        }
        String created = Resources.annotation(holder.resource(), CREATED);
        String modified = Resources.annotation(holder.resource(), MODIFIED);
        String epoch = LambdaTimestamps.iso(Instant.EPOCH);
        out.put("CreationTime", created != null ? created : epoch);
        if (withModified) {
            out.put("LastModifiedTime", modified != null ? modified : created != null ? created : epoch);
        }
        out.put("InvokeMode", config.invokeMode() == null ? "BUFFERED" : config.invokeMode().name());
        return out;
    }

    private static void strings(ObjectNode node, String member, List<String> values) {
        if (values != null) {
            ArrayNode array = node.putArray(member);
            values.forEach(array::add);
        }
    }
}
