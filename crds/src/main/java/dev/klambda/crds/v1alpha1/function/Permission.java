package dev.klambda.crds.v1alpha1.function;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

import dev.klambda.crds.v1alpha1.Patterns;
import dev.klambda.crds.v1alpha1.common.FunctionUrlConfig;

/** One statement of the function's resource policy, shaped like Lambda's {@code AddPermission}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Permission(
        @JsonPropertyDescription("Statement id, unique within the function.") @Required @Pattern(Patterns.STATEMENT_ID) @Size(min = 1, max = 100) String statementId,
        @JsonPropertyDescription("The action allowed, e.g. lambda:InvokeFunction, lambda:InvokeFunctionUrl or lambda:*.") @Required @Pattern(Patterns.POLICY_ACTION) @Size(max = 256) String action,
        @JsonPropertyDescription("Who is allowed: an account id, an IAM ARN, a service principal, or * for everyone.") @Required @Pattern(Patterns.PRINCIPAL) @Size(max = 256) String principal,
        @JsonPropertyDescription("Only when the call comes on behalf of this resource ARN.") @Size(max = 1024) String sourceArn,
        @JsonPropertyDescription("Only when the source resource belongs to this account.") @Pattern(Patterns.ACCOUNT_ID) String sourceAccount,
        @JsonPropertyDescription("Only for principals in this AWS Organizations organization.") @Pattern(Patterns.PRINCIPAL_ORG_ID) String principalOrgID,
        @JsonPropertyDescription("Only for calls carrying this event source token.") @Pattern("^[a-zA-Z0-9._-]+$") @Size(max = 256) String eventSourceToken,
        @JsonPropertyDescription("Only for function URL calls with this auth type.") FunctionUrlConfig.AuthType functionUrlAuthType,
        @JsonPropertyDescription("Limits the statement to one version or alias of the function (not $LATEST).") @Pattern(Patterns.PERMISSION_QUALIFIER) @Size(max = 128) String qualifier) {
}
