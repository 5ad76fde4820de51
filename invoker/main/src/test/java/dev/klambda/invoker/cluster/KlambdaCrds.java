package dev.klambda.invoker.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.kubernetes.client.KubernetesServer;

import dev.klambda.crds.v1alpha1.CustomResources;

/**
 * Installs the four CRDs in the mock API server before the application starts, as the Helm chart
 * does in a cluster: the mock server then keeps status apart from spec (the status subresource),
 * as the real one does.
 */
public class KlambdaCrds implements Consumer<KubernetesServer> {

    @Override
    public void accept(KubernetesServer server) {
        install(server.getClient());
    }

    static void install(KubernetesClient client) {
        for (var kind : CustomResources.KINDS) {
            try (InputStream yaml = KlambdaCrds.class.getClassLoader()
                    .getResourceAsStream(CustomResources.crdResource(kind))) {
                CustomResourceDefinition crd = client.getKubernetesSerialization().unmarshal(yaml,
                        CustomResourceDefinition.class);
                client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
