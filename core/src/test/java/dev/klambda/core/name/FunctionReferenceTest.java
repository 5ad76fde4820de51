package dev.klambda.core.name;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.FunctionReference.Shape;

class FunctionReferenceTest {

    static Stream<Arguments> acceptedForms() {
        return Stream.of(
                Arguments.of("name", "my-function", null, "my-function", null, null, null),
                Arguments.of("name with underscore", "My_Function", null, "My_Function", null, null, null),
                Arguments.of("name:version", "my-function:3", null, "my-function", "3", null, null),
                Arguments.of("name:alias", "my-function:live", null, "my-function", "live", null, null),
                Arguments.of("name:$LATEST", "my-function:$LATEST", null, "my-function", "$LATEST", null, null),
                Arguments.of("Qualifier parameter", "my-function", "prod", "my-function", "prod", null, null),
                Arguments.of("same qualifier twice", "my-function:prod", "prod", "my-function", "prod", null, null),
                Arguments.of("partial ARN", "123456789012:function:my-function", null, "my-function", null, "123456789012",
                        null),
                Arguments.of("partial ARN with qualifier", "123456789012:function:my-function:2", null, "my-function", "2",
                        "123456789012", null),
                Arguments.of("full ARN", "arn:aws:lambda:us-west-2:123456789012:function:my-function", null, "my-function",
                        null, "123456789012", "us-west-2"),
                Arguments.of("full ARN with alias", "arn:aws:lambda:us-west-2:123456789012:function:my-function:live", null,
                        "my-function", "live", "123456789012", "us-west-2"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("acceptedForms")
    void parsesEveryFormLambdaAccepts(String form, String functionName, String qualifierParameter, String name,
            String qualifier, String account, String region) {
        FunctionReference reference = FunctionReference.parse(functionName, qualifierParameter, Shape.NAMESPACED);
        assertThat(reference).isEqualTo(new FunctionReference(name, qualifier, account, region));
    }

    @Test
    void refusesAMalformedNameWithAwsValidationMessage() {
        assertThatThrownBy(
                () -> FunctionReference.parse("arn:aws:lambda:us-east-1:123400000000@function:myfn", null, Shape.NAMESPACED))
                .isInstanceOfSatisfying(LambdaException.class, e -> {
                    assertThat(e.type()).isEqualTo(ErrorType.ValidationException);
                    assertThat(e.getMessage()).isEqualTo(
                            "1 validation error detected: Value 'arn:aws:lambda:us-east-1:123400000000@function:myfn' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?");
                });
        assertThatThrownBy(() -> FunctionReference.parse("invalid:function:name", null, Shape.FUNCTION_NAME))
                .hasMessage(
                        "1 validation error detected: Value 'invalid:function:name' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
    }

    @Test
    void refusesABareNameLongerThan64AsAnInvalidParameter() {
        String name = "a".repeat(65);
        assertThatThrownBy(() -> FunctionReference.parse(name, null, Shape.FUNCTION_NAME))
                .isInstanceOfSatisfying(LambdaException.class,
                        e -> assertThat(e.type()).isEqualTo(ErrorType.InvalidParameterValueException))
                .hasMessage("1 validation error detected: Value '" + name
                        + "' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64");
        assertThat(FunctionReference.parse("a".repeat(64), null, Shape.FUNCTION_NAME).name()).hasSize(64);
    }

    @Test
    void refusesAnArnLongerThanTheShapeAllows() {
        String arn = "arn:aws:lambda:us-east-1:123456789012:function:" + "a".repeat(100);
        assertThatThrownBy(() -> FunctionReference.parse(arn, null, Shape.FUNCTION_NAME))
                .isInstanceOfSatisfying(LambdaException.class,
                        e -> assertThat(e.type()).isEqualTo(ErrorType.ValidationException))
                .hasMessageEndingWith("Member must have length less than or equal to 140");
    }

    @Test
    void refusesAQualifierParameterThatContradictsTheName() {
        assertThatThrownBy(() -> FunctionReference.parse("my-function:1", "2", Shape.NAMESPACED))
                .isInstanceOfSatisfying(LambdaException.class,
                        e -> assertThat(e.type()).isEqualTo(ErrorType.InvalidParameterValueException))
                .hasMessage("The derived qualifier from the function name does not match the specified qualifier.");
    }

    @Test
    void aNameParsedBeforeIsCheckedAgainstEachShapeAndQualifierParameter() {
        String arn = "arn:aws:lambda:us-west-2:123456789012:function:my.function:live";
        FunctionReference first = FunctionReference.parse(arn, null, Shape.NAMESPACED);
        assertThat(FunctionReference.parse(arn, null, Shape.NAMESPACED)).isEqualTo(first)
                .isEqualTo(new FunctionReference("my.function", "live", "123456789012", "us-west-2"));
        assertThatThrownBy(() -> FunctionReference.parse(arn, null, Shape.FUNCTION_NAME))
                .as("a dot is allowed in NamespacedFunctionName only")
                .isInstanceOfSatisfying(LambdaException.class,
                        e -> assertThat(e.type()).isEqualTo(ErrorType.ValidationException));
        assertThatThrownBy(() -> FunctionReference.parse(arn, "prod", Shape.NAMESPACED))
                .hasMessage("The derived qualifier from the function name does not match the specified qualifier.");
        assertThat(FunctionReference.parse(arn, "live", Shape.NAMESPACED)).isEqualTo(first);
    }

    @Test
    void refusesAMalformedQualifierParameter() {
        assertThatThrownBy(() -> FunctionReference.parse("my-function", "bad?qualifier", Shape.NAMESPACED))
                .isInstanceOfSatisfying(LambdaException.class,
                        e -> assertThat(e.type()).isEqualTo(ErrorType.ValidationException))
                .hasMessageStartingWith("1 validation error detected: Value 'bad?qualifier' at 'qualifier'");
    }

    @Test
    void refusesArnsOfAnotherRegionAsAwsDoes() {
        FunctionReference reference = FunctionReference.parse("arn:aws:lambda:ap-southeast-1:123456789012:function:f", null,
                Shape.NAMESPACED);
        assertThatThrownBy(() -> reference.requireRegion("us-east-1"))
                .isInstanceOfSatisfying(LambdaException.class,
                        e -> assertThat(e.type()).isEqualTo(ErrorType.ResourceNotFoundException))
                .hasMessage("Functions from 'ap-southeast-1' are not reachable in this region ('us-east-1')");
        assertThat(FunctionReference.parse("f", null, Shape.NAMESPACED).requireRegion("us-east-1").name()).isEqualTo("f");
    }

    @Test
    void buildsArnsAsAwsClientsExpectThem() {
        FunctionReference reference = FunctionReference.parse("hello:live", null, Shape.NAMESPACED);
        assertThat(reference.arn("us-east-1", "000000000000"))
                .isEqualTo("arn:aws:lambda:us-east-1:000000000000:function:hello:live");
        assertThat(Arns.function("eu-west-1", "123456789012", "hello"))
                .isEqualTo("arn:aws:lambda:eu-west-1:123456789012:function:hello");
        assertThat(FunctionReference.parse("hello", null, Shape.NAMESPACED).qualifierOrLatest()).isEqualTo("$LATEST");
    }

    @Test
    void tellsQualifierKindsApart() {
        assertThat(Qualifiers.isLatest(null)).isTrue();
        assertThat(Qualifiers.isLatest("$LATEST")).isTrue();
        assertThat(Qualifiers.isVersionNumber("12")).isTrue();
        assertThat(Qualifiers.isVersionNumber("v12")).isFalse();
        assertThat(Qualifiers.isAliasName("live")).isTrue();
        assertThat(Qualifiers.isAliasName("2024")).as("all digits reads as a version").isFalse();
        assertThat(Qualifiers.isAliasName("a".repeat(129))).isFalse();
        assertThat(Qualifiers.isAliasName("has.dot")).isFalse();
    }
}
