package dev.klambda.invoker.manage;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

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

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.Arns;
import dev.klambda.core.name.FunctionReference;
import dev.klambda.core.name.FunctionReference.Shape;
import dev.klambda.core.name.Qualifiers;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.crds.v1alpha1.common.FunctionUrlConfig;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.Permission;

/**
 * The function's resource policy: AddPermission, GetPolicy and RemovePermission. Statements live
 * in the Function's {@code permissions}, where the invoker reads them to authorise calls.
 */
@Path("/2015-03-31/functions/{FunctionName}/policy")
@Produces(MediaType.APPLICATION_JSON)
public class PermissionsResource {

    /** Lambda's limit on a function's policy document. */
    static final int MAX_POLICY_BYTES = 20_480;
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    @Inject
    FunctionLookup lookup;

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response addPermission(@PathParam("FunctionName") String functionName,
            @QueryParam("Qualifier") String qualifier, byte[] bytes) {
        Tenant tenant = lookup.tenant();
        RequestBody body = RequestBody.parse(bytes);
        Violations violations = new Violations();
        String sid = body.string("StatementId");
        violations.required("statementId", sid);
        violations.length("statementId", sid, 1, 100);
        violations.pattern("statementId", sid, "([a-zA-Z0-9-_]+)");
        String action = body.string("Action");
        violations.required("action", action);
        violations.pattern("action", action, "(lambda:[*]|lambda:[a-zA-Z]+|[*])");
        String principal = body.string("Principal");
        violations.required("principal", principal);
        violations.pattern("principal", principal, "[^\\s]+");
        String sourceAccount = body.string("SourceAccount");
        violations.pattern("sourceAccount", sourceAccount, "\\d{12}");
        String orgId = body.string("PrincipalOrgID");
        violations.pattern("principalOrgID", orgId, "^o-[a-z0-9]{10,32}$");
        String urlAuthType = body.string("FunctionUrlAuthType");
        if (urlAuthType != null && !urlAuthType.equals("NONE") && !urlAuthType.equals("AWS_IAM")) {
            violations.add("functionUrlAuthType", urlAuthType, "Member must satisfy enum value set: [NONE, AWS_IAM]");
        }
        violations.throwIfAny();
        if (!validPrincipal(principal)) {
            throw LambdaException
                    .invalidParameter("The provided principal was invalid. Please check the principal and try again.");
        }
        FunctionReference reference = lookup.reference(tenant, functionName, qualifier, Shape.FUNCTION_NAME, "AddPermission");
        if (reference.qualifier() != null && Qualifiers.isLatest(reference.qualifier())) {
            throw LambdaException.invalidParameter("We currently do not support adding policies for $LATEST.");
        }
        Function current = lookup.function(tenant, reference);
        requireQualifier(tenant, current, reference);
        Permission permission = new Permission(sid, action, principal, body.string("SourceArn"), sourceAccount, orgId,
                body.string("EventSourceToken"),
                urlAuthType == null ? null : FunctionUrlConfig.AuthType.valueOf(urlAuthType), reference.qualifier());
        String revisionId = body.string("RevisionId");
        if (revisionId != null && !revisionId.equals(current.getStatus().revisionId())) {
            throw StoreErrors.staleRevision("GetPolicy");
        }
        Function updated = lookup.updateFunction(tenant, unqualified(current), null, function -> {
            List<Permission> statements = new ArrayList<>(function.getSpec().getPermissions() == null ? List.of()
                    : function.getSpec().getPermissions());
            if (statements.stream().anyMatch(p -> p.statementId().equals(sid))) {
                throw new LambdaException(ErrorType.ResourceConflictException, "The statement id (" + sid
                        + ") provided already exists. Please provide a new statement id, or remove the existing statement.");
            }
            statements.add(permission);
            if (policy(tenant, function, reference.qualifier(), statements).toString().length() > MAX_POLICY_BYTES) {
                throw new LambdaException(ErrorType.PolicyLengthExceededException,
                        "The final policy size is bigger than the limit.");
            }
            function.getSpec().setPermissions(statements);
        });
        ObjectNode out = JSON.objectNode();
        out.put("Statement", statement(tenant, updated, permission).toString());
        return Response.status(201).entity(out).build();
    }

    @GET
    public ObjectNode getPolicy(@PathParam("FunctionName") String functionName, @QueryParam("Qualifier") String qualifier) {
        Tenant tenant = lookup.tenant();
        FunctionReference reference = lookup.reference(tenant, functionName, qualifier, Shape.FUNCTION_NAME, "GetPolicy");
        Function function = lookup.function(tenant, reference);
        requireQualifier(tenant, function, reference);
        List<Permission> statements = statements(function, reference.qualifier());
        if (statements.isEmpty()) {
            throw new LambdaException(ErrorType.ResourceNotFoundException, "No policy is associated with the given resource.");
        }
        ObjectNode out = JSON.objectNode();
        out.put("Policy", policy(tenant, function, reference.qualifier(), statements).toString());
        out.put("RevisionId", function.getStatus().revisionId());
        return out;
    }

    @DELETE
    @Path("/{StatementId}")
    public Response removePermission(@PathParam("FunctionName") String functionName,
            @PathParam("StatementId") String sid, @QueryParam("Qualifier") String qualifier,
            @QueryParam("RevisionId") String revisionId) {
        Tenant tenant = lookup.tenant();
        FunctionReference reference = lookup.reference(tenant, functionName, qualifier, Shape.FUNCTION_NAME,
                "RemovePermission");
        Function current = lookup.store().function(tenant.namespace(), reference.name())
                .orElseThrow(() -> new LambdaException(ErrorType.ResourceNotFoundException,
                        "No policy found for: " + lookup.arn(tenant, reference)));
        if (statements(current, reference.qualifier()).stream().noneMatch(p -> p.statementId().equals(sid))) {
            throw new LambdaException(ErrorType.ResourceNotFoundException,
                    "Statement " + sid + " is not found in resource policy.");
        }
        if (revisionId != null && !revisionId.equals(current.getStatus().revisionId())) {
            throw StoreErrors.staleRevision("GetPolicy");
        }
        lookup.updateFunction(tenant, unqualified(current), null,
                function -> {
                    List<Permission> left = function.getSpec().getPermissions() == null ? List.of()
                            : function.getSpec().getPermissions().stream()
                                    .filter(p -> !(p.statementId().equals(sid)
                                            && Objects.equals(p.qualifier(), reference.qualifier())))
                                    .toList();
                    function.getSpec().setPermissions(left.isEmpty() ? null : left);
                });
        return Response.noContent().build();
    }

    /** The whole function {@code current}, as the function updates take it. */
    private static FunctionReference unqualified(Function current) {
        return new FunctionReference(current.functionName(), null, null, null);
    }

    /** A qualifier given must name a published version or an alias of the function. */
    private void requireQualifier(Tenant tenant, Function function, FunctionReference reference) {
        String qualifier = reference.qualifier();
        if (qualifier == null || Qualifiers.isLatest(qualifier)) {
            return;
        }
        boolean exists = Qualifiers.isVersionNumber(qualifier)
                ? lookup.store().publishedVersion(tenant.namespace(), function.functionName(), qualifier).isPresent()
                : lookup.store().alias(tenant.namespace(), function.functionName(), qualifier).isPresent();
        if (!exists) {
            throw LambdaException.functionNotFound(lookup.arn(tenant, reference));
        }
    }

    private static List<Permission> statements(Function function, String qualifier) {
        return function.getSpec().getPermissions() == null ? List.of()
                : function.getSpec().getPermissions().stream().filter(p -> Objects.equals(p.qualifier(), qualifier)).toList();
    }

    private ObjectNode policy(Tenant tenant, Function function, String qualifier, List<Permission> statements) {
        ObjectNode policy = JSON.objectNode();
        policy.put("Version", "2012-10-17");
        policy.put("Id", "default");
        ArrayNode list = policy.putArray("Statement");
        statements.stream().filter(p -> Objects.equals(p.qualifier(), qualifier))
                .forEach(p -> list.add(statement(tenant, function, p)));
        return policy;
    }

    /** One statement as AWS writes it into the policy document. */
    private ObjectNode statement(Tenant tenant, Function function, Permission permission) {
        ObjectNode statement = JSON.objectNode();
        statement.put("Sid", permission.statementId());
        statement.put("Effect", "Allow");
        String principal = permission.principal();
        if (principal.equals("*")) {
            statement.put("Principal", "*");
        } else if (principal.matches("\\d{12}")) {
            statement.putObject("Principal").put("AWS", "arn:" + Arns.PARTITION + ":iam::" + principal + ":root");
        } else if (principal.startsWith("arn:")) {
            statement.putObject("Principal").put("AWS", principal);
        } else {
            statement.putObject("Principal").put("Service", principal);
        }
        statement.put("Action", permission.action());
        statement.put("Resource", Arns.function(lookup.configurations().region(), tenant.accountId(),
                function.functionName(), permission.qualifier()));
        ObjectNode condition = JSON.objectNode();
        if (permission.sourceArn() != null) {
            condition.putObject("ArnLike").put("AWS:SourceArn", permission.sourceArn());
        }
        ObjectNode equals = JSON.objectNode();
        if (permission.sourceAccount() != null) {
            equals.put("AWS:SourceAccount", permission.sourceAccount());
        }
        if (permission.principalOrgID() != null) {
            equals.put("aws:PrincipalOrgID", permission.principalOrgID());
        }
        if (permission.functionUrlAuthType() != null) {
            equals.put("lambda:FunctionUrlAuthType", permission.functionUrlAuthType().name());
        }
        if (permission.eventSourceToken() != null) {
            equals.put("lambda:EventSourceToken", permission.eventSourceToken());
        }
        if (!equals.isEmpty()) {
            condition.set("StringEquals", equals);
        }
        if (!condition.isEmpty()) {
            statement.set("Condition", condition);
        }
        return statement;
    }

    /** An account id, an IAM ARN, a service principal (name.domain) or everyone. */
    private static boolean validPrincipal(String principal) {
        return principal.equals("*") || principal.matches("\\d{12}")
                || principal.matches("arn:aws[a-zA-Z-]*:iam::\\d{12}:.+")
                || principal.matches("[a-z0-9-]+(\\.[a-z0-9-]+)+");
    }
}
