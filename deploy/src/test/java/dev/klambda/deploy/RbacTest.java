package dev.klambda.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;

import dev.klambda.deploy.Grants.Grant;

/**
 * Least privilege: each component's ServiceAccount gets exactly what the table below says, across
 * tenant namespaces (cluster) or only in the release namespace, and nothing anyone could use to
 * read Secrets, exec into pods or do everything.
 */
class RbacTest {

    /** component | API group ("" = core) | resources | verbs | where. One line, many grants. */
    private static final String TABLE = """
            controller | klambda.dev       | functions,versions,aliases,eventsourcemappings | get,list,watch,update,patch | cluster
            controller | klambda.dev       | functions/status,versions/status,aliases/status,eventsourcemappings/status | get,update,patch | cluster
            controller | klambda.dev       | functions/finalizers,versions/finalizers,aliases/finalizers,eventsourcemappings/finalizers | update | cluster
            controller | apps              | deployments      | get,list,watch,create,update,patch,delete | cluster
            controller | networking.k8s.io | networkpolicies  | get,list,watch,create,update,patch,delete | cluster
            controller |                   | pods,configmaps  | get,list,watch | cluster
            controller |                   | events           | create,patch | cluster
            controller | events.k8s.io     | events           | create,patch | cluster
            controller | coordination.k8s.io | leases         | get,list,watch,create,update,patch | release
            invoker    | klambda.dev       | functions,versions,aliases,eventsourcemappings | get,list,watch,create,update,patch,delete | cluster
            invoker    |                   | pods             | get,list,watch | cluster
            invoker    |                   | configmaps       | get,list,watch,create,update,patch,delete | release
            invoker    | coordination.k8s.io | leases         | get,list,watch,create,update,patch,delete | release
            poller     | klambda.dev       | eventsourcemappings | get,list,watch | cluster
            poller     | klambda.dev       | eventsourcemappings/status | get,update,patch | cluster
            poller     | coordination.k8s.io | leases         | get,list,watch,create,update,patch,delete | release
            """;

    private static Manifests rendered;

    @BeforeAll
    static void render() {
        rendered = Chart.withDefaults().render();
    }

    static Stream<Arguments> needed() {
        return table().map(row -> Arguments.argumentSet(row.component() + ": " + row.grant(), row.component(), row.grant()));
    }

    @ParameterizedTest
    @MethodSource("needed")
    void theComponentIsGrantedWhatItNeeds(String component, Grant grant) {
        assertThat(grantsOf(component)).contains(grant);
    }

    @ParameterizedTest
    @ValueSource(strings = { "controller", "invoker", "poller" })
    void theComponentIsGrantedNothingElse(String component) {
        Set<Grant> needed = table().filter(row -> row.component().equals(component)).map(Row::grant)
                .collect(Collectors.toSet());

        assertThat(grantsOf(component)).as("grants beyond the table").isSubsetOf(needed);
    }

    @Test
    void noRuleGrantsSecretsWildcardsExecOrEscalation() {
        for (PolicyRule rule : Grants.allRules(Chart.withValues("everything-on.yaml").render())) {
            assertThat(rule.getApiGroups()).as("%s", rule).doesNotContain("*");
            assertThat(rule.getResources()).as("%s", rule).doesNotContain("*", "secrets", "pods/exec", "pods/attach",
                    "pods/portforward", "serviceaccounts/token");
            assertThat(rule.getVerbs()).as("%s", rule).doesNotContain("*", "escalate", "bind", "impersonate");
            assertThat(rule.getNonResourceURLs()).as("%s", rule).isNullOrEmpty();
        }
    }

    private static Set<Grant> grantsOf(String component) {
        return Grants.of(rendered, Chart.NAMESPACE, Chart.RELEASE + "-" + component);
    }

    private record Row(String component, Grant grant) {
    }

    private static Stream<Row> table() {
        return TABLE.lines().map(line -> Arrays.stream(line.split("\\|")).map(String::strip).toArray(String[]::new))
                .flatMap(cells -> {
                    String scope = cells[4].equals("release") ? Grants.namespace(Chart.NAMESPACE) : Grants.CLUSTER;
                    return Arrays.stream(cells[2].split(",")).flatMap(resource -> Arrays.stream(cells[3].split(","))
                            .map(verb -> new Row(cells[0], new Grant(cells[1], resource, verb, scope))));
                });
    }
}
