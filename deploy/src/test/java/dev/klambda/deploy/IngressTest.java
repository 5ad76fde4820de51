package dev.klambda.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;

/** The way in from outside: the Lambda API on one host, function URLs on a wildcard one, both to the invoker. */
class IngressTest {

    @Test
    void thereIsNoIngressUnlessAskedFor() {
        assertThat(Chart.withDefaults().render().all(Ingress.class)).isEmpty();
    }

    @Test
    void theApiHostAndEveryFunctionUrlHostLeadToTheInvoker() {
        Ingress ingress = Chart.withValues("everything-on.yaml").render().get(Ingress.class, "klambda");

        assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("nginx");
        assertThat(ingress.getMetadata().getAnnotations())
                .isEqualTo(Map.of("nginx.ingress.kubernetes.io/proxy-body-size", "100m"));
        assertThat(ingress.getSpec().getTls()).singleElement().satisfies(tls -> {
            assertThat(tls.getSecretName()).isEqualTo("klambda-tls");
            assertThat(tls.getHosts()).containsExactly("lambda.example.com", "*.lambda-url.example.com");
        });
        assertThat(ingress.getSpec().getRules()).map(IngressRule::getHost)
                .containsExactly("lambda.example.com", "*.lambda-url.example.com");
        ingress.getSpec().getRules().forEach(IngressTest::assertRoutesEverythingToTheInvoker);
    }

    @Test
    void withoutAHostTheApiAnswersOnAnyHost() {
        Ingress ingress = Chart.withDefaults().set("ingress.enabled", true).render().get(Ingress.class, "klambda");

        assertThat(ingress.getSpec().getRules()).singleElement().satisfies(rule -> {
            assertThat(rule.getHost()).isNull();
            assertRoutesEverythingToTheInvoker(rule);
        });
    }

    @Test
    void anIngressWithoutAnInvokerIsRefused() {
        assertThat(Chart.withDefaults().set("ingress.enabled", true).set("invoker.enabled", false).renderFailure())
                .contains("ingress.enabled needs invoker.enabled");
    }

    private static void assertRoutesEverythingToTheInvoker(IngressRule rule) {
        assertThat(rule.getHttp().getPaths()).singleElement().satisfies((HTTPIngressPath path) -> {
            assertThat(path.getPath()).isEqualTo("/");
            assertThat(path.getPathType()).isEqualTo("Prefix");
            assertThat(path.getBackend().getService().getName()).isEqualTo("klambda-invoker");
            assertThat(path.getBackend().getService().getPort().getName()).isEqualTo("http");
        });
    }
}
