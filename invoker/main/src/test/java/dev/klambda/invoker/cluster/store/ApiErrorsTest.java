package dev.klambda.invoker.cluster.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.StatusCauseBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import dev.klambda.core.store.ResourceWriteException;
import dev.klambda.core.store.ResourceWriteException.Reason;
import dev.klambda.invoker.cluster.store.ApiErrors.Write;

class ApiErrorsTest {

    static final String KEY = "Function(default/hello)";

    static KubernetesClientException failure(int code, String reason) {
        Status status = new StatusBuilder().withCode(code).withReason(reason).withMessage("refused").build();
        return new KubernetesClientException(status);
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("create of an existing name", failure(409, "AlreadyExists"), Write.CREATE, Reason.EXISTS),
                Arguments.of("stale resourceVersion", failure(409, "Conflict"), Write.REPLACE, Reason.CHANGED),
                Arguments.of("failed delete precondition", failure(409, "Conflict"), Write.DELETE, Reason.CHANGED),
                Arguments.of("mock server's create conflict", failure(409, "Invalid"), Write.CREATE, Reason.EXISTS),
                Arguments.of("mock server's update conflict", failure(409, "Invalid"), Write.REPLACE, Reason.CHANGED),
                Arguments.of("replace of what is gone", failure(404, "NotFound"), Write.REPLACE, Reason.GONE),
                Arguments.of("delete of what is gone", failure(404, "NotFound"), Write.DELETE, Reason.GONE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void mapsTheApiServersRefusalsToTheStoresReasons(String name, KubernetesClientException failure, Write write,
            Reason reason) {
        assertThat(ApiErrors.of(failure, KEY, write)).isInstanceOfSatisfying(ResourceWriteException.class,
                e -> assertThat(e.reason()).isEqualTo(reason));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("others")
    void leavesOtherFailuresAsTheyAre(String name, KubernetesClientException failure, Write write) {
        assertThat(ApiErrors.of(failure, KEY, write)).isSameAs(failure);
    }

    static Stream<Arguments> others() {
        return Stream.of(
                Arguments.of("create in a namespace that does not exist", failure(404, "NotFound"), Write.CREATE),
                Arguments.of("forbidden", failure(403, "Forbidden"), Write.REPLACE),
                Arguments.of("server error", failure(500, "InternalError"), Write.DELETE));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void givesTheApiServersCausesOfAnInvalidObject(String name, Status status, List<String> problems) {
        assertThat(ApiErrors.of(new KubernetesClientException(status), KEY, Write.CREATE))
                .isInstanceOfSatisfying(ResourceWriteException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.INVALID);
                    assertThat(e.problems()).isEqualTo(problems);
                    assertThat(e.getMessage()).isEqualTo(KEY + " is invalid: " + String.join("; ", problems));
                });
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                Arguments.of("field causes", new StatusBuilder().withCode(422).withReason("Invalid")
                        .withMessage("Function.klambda.dev \"hello\" is invalid: ...").withNewDetails()
                        .withCauses(new StatusCauseBuilder().withField("spec.memorySize").withReason("FieldValueInvalid")
                                .withMessage(
                                        "Invalid value: 64: spec.memorySize in body should be greater than or equal to 128")
                                .build(),
                                new StatusCauseBuilder().withField("spec").withReason("FieldValueInvalid")
                                        .withMessage("Invalid value: \"object\": functionName is immutable").build())
                        .endDetails().build(),
                        List.of("spec.memorySize: Invalid value: 64: spec.memorySize in body should be greater than or equal to 128",
                                "spec: Invalid value: \"object\": functionName is immutable")),
                Arguments.of("no causes", new StatusBuilder().withCode(422).withReason("Invalid")
                        .withMessage("Function.klambda.dev \"hello\" is invalid").build(),
                        List.of("Function.klambda.dev \"hello\" is invalid")));
    }
}
