package dev.klambda.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad values stop the install with a message that names the value: values.schema.json for
 * shapes, the chart's own checks for what a schema cannot say.
 */
class ValuesSchemaTest {

    @TempDir
    Path work;

    static Stream<Arguments> badValues() {
        return Stream.of(
                refused("an SQS endpoint that is not a URL", """
                        sqs:
                          endpoint: elasticmq:9324
                        """, "/sqs/endpoint"),
                refused("an SQS setting the chart does not have", """
                        sqs:
                          region: eu-west-1
                        """, "region"),
                refused("a pull policy Kubernetes does not have", """
                        image:
                          pullPolicy: Sometimes
                        """, "/image/pullPolicy", "IfNotPresent"),
                refused("a tenant without a namespace", """
                        tenants:
                          - accountId: "111111111111"
                        """, "/tenants/0", "namespace"),
                refused("an account id that is not 12 digits", """
                        tenants:
                          - namespace: team-a
                            accountId: "1234"
                        """, "/tenants/0/accountId"),
                refused("an account id YAML reads as a number", """
                        tenants:
                          - namespace: team-a
                            accountId: 111111111111
                        """, "/tenants/0/accountId"),
                refused("an access key without its secret", """
                        tenants:
                          - namespace: team-a
                            accountId: "111111111111"
                            accessKeys:
                              - id: AKIATEAMA
                        """, "/tenants/0/accessKeys/0", "secretRef"),
                refused("a secret reference without its key", """
                        tenants:
                          - namespace: team-a
                            accountId: "111111111111"
                            accessKeys:
                              - id: AKIATEAMA
                                secretRef:
                                  name: team-a-keys
                        """, "/tenants/0/accessKeys/0/secretRef", "key"),
                refused("a secret value written into the values", """
                        tenants:
                          - namespace: team-a
                            accountId: "111111111111"
                            accessKeys:
                              - id: AKIATEAMA
                                secret: wJalrXUtnFEMI
                                secretRef:
                                  name: team-a-keys
                                  key: secret
                        """, "/tenants/0/accessKeys/0", "secret"),
                refused("no tenant at all", """
                        tenants: []
                        """, "/tenants"),
                refused("a misspelt component", """
                        invokr:
                          replicas: 3
                        """, "invokr"),
                refused("replicas that are not a number", """
                        invoker:
                          replicas: two
                        """, "/invoker/replicas"),
                refused("an access mode volumes do not have", """
                        codeStore:
                          persistence:
                            accessModes: [ReadWriteSometimes]
                        """, "/codeStore/persistence/accessModes/0"),
                refused("a region that is not one", """
                        region: Frankfurt
                        """, "/region"),
                refused("two tenants in one namespace", """
                        tenants:
                          - namespace: team-a
                            accountId: "111111111111"
                          - namespace: team-a
                            accountId: "222222222222"
                        """, "tenants[1].namespace"),
                refused("two tenants with one account", """
                        tenants:
                          - namespace: team-a
                            accountId: "111111111111"
                          - namespace: team-b
                            accountId: "111111111111"
                        """, "tenants[1].accountId"),
                refused("one access key in two tenants", """
                        tenants:
                          - namespace: team-a
                            accountId: "111111111111"
                            accessKeys:
                              - {id: AKIASHARED, secretRef: {name: a, key: secret}}
                          - namespace: team-b
                            accountId: "222222222222"
                            accessKeys:
                              - {id: AKIASHARED, secretRef: {name: b, key: secret}}
                        """, "tenants[1].accessKeys[0].id"));
    }

    @ParameterizedTest
    @MethodSource("badValues")
    void theInstallIsRefusedNamingTheValue(String values, String[] named) throws IOException {
        Path file = work.resolve("values.yaml");
        Files.writeString(file, values);

        assertThat(Chart.withDefaults().values(file).renderFailure()).contains(named);
    }

    @Test
    void theEverythingOnValuesAreValid() {
        assertThat(Chart.withValues("everything-on.yaml").render().all()).isNotEmpty();
    }

    private static Arguments refused(String name, String values, String... named) {
        return Arguments.argumentSet(name, values, named);
    }
}
