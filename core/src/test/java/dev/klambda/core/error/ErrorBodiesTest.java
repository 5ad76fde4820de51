package dev.klambda.core.error;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Error bodies as recorded against AWS (shared/reference/lambda-recorded-errors.txt). */
class ErrorBodiesTest {

    @Test
    void resourceNotFoundUsesCapitalMessageAndUserType() {
        LambdaException error = LambdaException.functionNotFound("arn:aws:lambda:us-east-1:111111111111:function:doesnotexist");
        assertThat(error.type().status()).isEqualTo(404);
        assertThat(ErrorBodies.body(error).toString())
                .isEqualTo(
                        "{\"Type\":\"User\",\"Message\":\"Function not found: arn:aws:lambda:us-east-1:111111111111:function:doesnotexist\"}");
    }

    @Test
    void throttlingCarriesItsReason() {
        LambdaException error = LambdaException.throttled("ReservedFunctionConcurrentInvocationLimitExceeded");
        assertThat(error.type().status()).isEqualTo(429);
        assertThat(ErrorBodies.body(error).toString())
                .isEqualTo(
                        "{\"Type\":\"User\",\"message\":\"Rate Exceeded.\",\"Reason\":\"ReservedFunctionConcurrentInvocationLimitExceeded\"}");
    }

    @Test
    void validationExceptionHasNoType() {
        LambdaException error = LambdaException.validation("functionVersion", "invalid",
                "Member must satisfy enum value set: [ALL]");
        assertThat(ErrorBodies.body(error).toString()).isEqualTo(
                "{\"message\":\"1 validation error detected: Value 'invalid' at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: [ALL]\"}");
        assertThat(error.type().status()).isEqualTo(400);
    }

    @Test
    void serverFaultsAreTypedService() {
        assertThat(ErrorBodies.body(new LambdaException(ErrorType.ServiceException, "boom")).toString())
                .isEqualTo("{\"Type\":\"Service\",\"Message\":\"boom\"}");
    }

    @Test
    void oversizedRequestsUseTheWireName() {
        assertThat(ErrorType.RequestEntityTooLargeException.status()).isEqualTo(413);
        assertThat(ErrorType.RequestEntityTooLargeException.code()).isEqualTo("RequestEntityTooLargeException");
    }
}
