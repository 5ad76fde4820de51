package dev.klambda.invoker.routing;

import static dev.klambda.invoker.Fixtures.DEFAULT;
import static dev.klambda.invoker.Fixtures.OTHER;
import static dev.klambda.invoker.Fixtures.alias;
import static dev.klambda.invoker.Fixtures.function;
import static dev.klambda.invoker.Fixtures.resource;
import static dev.klambda.invoker.Fixtures.version;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.name.FunctionReference;
import dev.klambda.core.tenant.TenantTable;
import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.invoker.Fixtures;

class ResolverTest {

    static final String ARN = "arn:aws:lambda:us-east-1:000000000000:function:";

    final AtomicReference<Double> random = new AtomicReference<>(0.5);
    final Alias live = alias("default", "hello", "live", "1", "{\"2\": 0.3, \"3\": 0.2}");
    final Fixtures.Store store = new Fixtures.Store().with(function("default", "hello"), version("default", "hello", 1, 128),
            version("default", "hello", 2, 256), version("default", "hello", 3, 512), live,
            alias("default", "hello", "edge", "$LATEST", null), function("other", "theirs"));
    final Resolver resolver = new Resolver(store, new TenantTable(List.of(DEFAULT, OTHER)), "us-east-1", random::get);

    Resolution resolve(String name, String qualifier) {
        return resolver.resolve(DEFAULT, FunctionReference.parse(name, qualifier, FunctionReference.Shape.NAMESPACED),
                "lambda:InvokeFunction");
    }

    @ParameterizedTest(name = "{0} (qualifier {1}) runs version {2}")
    @CsvSource(nullValues = "-", value = {
            "hello, -, $LATEST, " + ARN + "hello",
            "hello:$LATEST, -, $LATEST, " + ARN + "hello:$LATEST",
            "hello, 2, 2, " + ARN + "hello:2",
            ARN + "hello:3, -, 3, " + ARN + "hello:3",
            "000000000000:function:hello, 1, 1, " + ARN + "hello:1",
            "hello:edge, -, $LATEST, " + ARN + "hello:edge" })
    void resolvesEveryNameFormToAVersion(String name, String qualifier, String version, String invokedArn) {
        Resolution resolution = resolve(name, qualifier);

        assertThat(resolution.target().version()).isEqualTo(version);
        assertThat(resolution.invokedArn()).isEqualTo(invokedArn);
        assertThat(resolution.target().tenant()).isEqualTo(DEFAULT);
    }

    @Test
    void takesAPublishedVersionsConfigurationFromItsSnapshot() {
        assertThat(resolve("hello", "2").target().configuration().getMemorySize()).isEqualTo(256);
        assertThat(resolve("hello", "2").target().revision()).isNotEqualTo(resolve("hello", "3").target().revision());
    }

    @Test
    void aVersionNotPublishedYetDoesNotStandForItsNumber() {
        store.without(store.version("default", "hello", 2).orElseThrow())
                .with(resource(Version.class, """
                        apiVersion: klambda.dev/v1alpha1
                        kind: Version
                        metadata: {name: hello-two-again, namespace: default}
                        spec: {functionName: hello, version: 2}
                        """), version("default", "hello", 2, 256));

        assertThat(resolve("hello", "2").target().configuration().getMemorySize()).isEqualTo(256);
    }

    @ParameterizedTest(name = "random {0} -> version {1}")
    @CsvSource({ "0.0, 2", "0.29, 2", "0.3, 3", "0.49, 3", "0.5, 1", "0.99, 1" })
    void picksAnAliasVersionByWeight(double draw, String version) {
        random.set(draw);
        Resolution resolution = resolve("hello:live", null);

        assertThat(resolution.target().version()).isEqualTo(version);
        assertThat(resolution.invokedArn()).as("the runtime sees the alias ARN").isEqualTo(ARN + "hello:live");
    }

    @Test
    void followsAnAliasThatMovesWithoutARestart() {
        random.set(0.9);
        assertThat(resolve("hello:live", null).target().version()).isEqualTo("1");

        store.without(live).with(alias("default", "hello", "live", "3", null));

        assertThat(resolve("hello:live", null).target().version()).isEqualTo("3");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "nope, Function not found: " + ARN + "nope",
            "nope:$LATEST, Function not found: " + ARN + "nope:$LATEST",
            "hello:9, Function not found: " + ARN + "hello:9",
            "hello:missing, Function not found: " + ARN + "hello:missing",
            "arn:aws:lambda:eu-west-1:000000000000:function:hello, Functions from 'eu-west-1' are not reachable in this region ('us-east-1')" })
    void answersWhatDoesNotExistWith404(String name, String message) {
        assertThatThrownBy(() -> resolve(name, null)).isInstanceOfSatisfying(LambdaException.class, e -> {
            assertThat(e.type()).isEqualTo(ErrorType.ResourceNotFoundException);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    @Test
    void resolvesAnotherAccountsFunctionInItsNamespace() {
        Resolution resolution = resolve("arn:aws:lambda:us-east-1:111111111111:function:theirs", null);

        assertThat(resolution.target().tenant()).isEqualTo(OTHER);
        assertThat(resolution.invokedArn()).isEqualTo("arn:aws:lambda:us-east-1:111111111111:function:theirs");
    }

    @Test
    void deniesRatherThanRevealsAnotherAccountsMissingFunction() {
        for (String arn : List.of("arn:aws:lambda:us-east-1:111111111111:function:nope",
                "arn:aws:lambda:us-east-1:222222222222:function:hello")) {
            assertThatThrownBy(() -> resolve(arn, null)).isInstanceOfSatisfying(LambdaException.class,
                    e -> assertThat(e.type()).isEqualTo(ErrorType.AccessDeniedException));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "Pending, ResourceConflictException, The operation cannot be performed at this time. The function is currently in the following state: Pending",
            "Inactive, ResourceNotReadyException, Functions may take a few seconds to become ready. The function is currently in the following state: Inactive",
            "Failed, ResourceConflictException, The operation cannot be performed at this time. The function is currently in the following state: Failed (no code here)" })
    void refusesAFunctionThatIsNotActive(String state, ErrorType type, String message) {
        Function function = resource(Function.class, """
                apiVersion: klambda.dev/v1alpha1
                kind: Function
                metadata: {name: stuck, namespace: default}
                spec: {runtime: python3.12, handler: h.h, code: {path: src}}
                status: {state: %s, stateReason: no code here, stateReasonCode: InvalidConfiguration}
                """.formatted(state));
        store.with(function);

        assertThatThrownBy(() -> resolve("stuck", null)).isInstanceOfSatisfying(LambdaException.class, e -> {
            assertThat(e.type()).isEqualTo(type);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }
}
