package dev.klambda.invoker.auth;

import static dev.klambda.invoker.Fixtures.DEFAULT;
import static dev.klambda.invoker.Fixtures.OTHER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.crds.v1alpha1.common.FunctionUrlConfig;
import dev.klambda.crds.v1alpha1.function.Permission;
import dev.klambda.invoker.Fixtures;
import dev.klambda.invoker.invoke.Target;
import dev.klambda.invoker.routing.Resolution;

class ResourcePolicyTest {

    static final String CALLER = "111111111111";

    static Permission statement(String action, String principal, String qualifier, String sourceArn) {
        return new Permission("s1", action, principal, sourceArn, null, null, null, null, qualifier);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(nullValues = "-", value = {
            "the caller's account id, lambda:InvokeFunction, 111111111111, -, -, -, true",
            "the caller's root ARN, lambda:InvokeFunction, arn:aws:iam::111111111111:root, -, -, -, true",
            "everyone, lambda:InvokeFunction, *, -, -, -, true",
            "every action, lambda:*, 111111111111, -, -, -, true",
            "another account, lambda:InvokeFunction, 222222222222, -, -, -, false",
            "another action, lambda:GetFunction, 111111111111, -, -, -, false",
            "a service principal, lambda:InvokeFunction, s3.amazonaws.com, -, -, -, false",
            "the invoked alias, lambda:InvokeFunction, 111111111111, prod, prod, -, true",
            "another alias, lambda:InvokeFunction, 111111111111, prod, beta, -, false",
            "an unqualified statement and $LATEST, lambda:InvokeFunction, 111111111111, -, $LATEST, -, true",
            "an unqualified statement and a version, lambda:InvokeFunction, 111111111111, -, 1, -, false",
            "a source condition, lambda:InvokeFunction, *, -, -, arn:aws:s3:::bucket, false" })
    void allowsOnlyWhatAStatementGrants(String name, String action, String principal, String statementQualifier,
            String invokedQualifier, String sourceArn, boolean allowed) {
        assertThat(ResourcePolicy.allows(statement(action, principal, statementQualifier, sourceArn), CALLER,
                ResourcePolicy.INVOKE_FUNCTION, invokedQualifier, null)).isEqualTo(allowed);
    }

    @ParameterizedTest(name = "statement for {0}, call through {1}: {2}")
    @CsvSource(nullValues = "-", value = { "AWS_IAM, AWS_IAM, true", "AWS_IAM, NONE, false", "-, NONE, true" })
    void limitsUrlStatementsToTheirAuthType(FunctionUrlConfig.AuthType statementType, FunctionUrlConfig.AuthType callType,
            boolean allowed) {
        Permission statement = new Permission("s1", ResourcePolicy.INVOKE_FUNCTION_URL, "*", null, null, null, null,
                statementType, null);
        assertThat(ResourcePolicy.allows(statement, CALLER, ResourcePolicy.INVOKE_FUNCTION_URL, null, callType))
                .isEqualTo(allowed);
    }

    @org.junit.jupiter.api.Test
    void allowsTheOwnAccountAndDeniesOthersWithoutAStatement() {
        var function = Fixtures.function("default", "hello");
        Resolution own = new Resolution(new Target(DEFAULT, function, "$LATEST", function.getSpec(), "r1"), null,
                "arn:aws:lambda:us-east-1:000000000000:function:hello");

        assertThatCode(() -> ResourcePolicy.authorize(DEFAULT, own, ResourcePolicy.INVOKE_FUNCTION, null))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> ResourcePolicy.authorize(OTHER, own, ResourcePolicy.INVOKE_FUNCTION, null))
                .isInstanceOfSatisfying(LambdaException.class, e -> {
                    assertThat(e.type()).isEqualTo(ErrorType.AccessDeniedException);
                    assertThat(e.getMessage()).isEqualTo("User: arn:aws:iam::111111111111:root is not authorized to perform:"
                            + " lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:000000000000:function:hello"
                            + " because no resource-based policy allows the lambda:InvokeFunction action");
                });
    }
}
