package dev.klambda.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;

/** The key that signs code download URLs: made once, kept across upgrades, or brought by the user. */
class CodeSigningKeyTest {

    private static final String SECRET = "klambda-code-signing";

    @Test
    void aFirstInstallMakesA32ByteRandomKey() {
        String first = key(Chart.withDefaults().render());
        String second = key(Chart.withDefaults().render());

        assertThat(Base64.getDecoder().decode(first)).hasSize(32);
        assertThat(second).isNotEqualTo(first);
    }

    @Test
    void anUpgradeKeepsTheKeyTheClusterHas() {
        String existing = Base64.getEncoder().encodeToString("an existing key, base64 encoded.".getBytes());
        Secret installed = new SecretBuilder().withNewMetadata().withName(SECRET).withNamespace(Chart.NAMESPACE).endMetadata()
                .withData(Map.of("signing-key", Base64.getEncoder().encodeToString(existing.getBytes()))).build();
        FakeApiServer.get().put(installed);
        try {
            assertThat(key(Chart.withDefaults().render())).isEqualTo(existing);
        } finally {
            FakeApiServer.get().remove(installed);
        }
    }

    @Test
    void theControllerAndInvokerReadTheKeyAndThePollerDoesNot() {
        Manifests rendered = Chart.withDefaults().render();

        assertThat(signingKeyReference(rendered.container("controller"))).isEqualTo(SECRET + "/signing-key");
        assertThat(signingKeyReference(rendered.container("invoker"))).isEqualTo(SECRET + "/signing-key");
        assertThat(signingKeyReference(rendered.container("poller"))).isNull();
    }

    @Test
    void anExistingSecretCanHoldTheKeyInstead() {
        Manifests rendered = Chart.withDefaults().set("codeStore.signingKeySecret", "my-signing-key").render();

        assertThat(rendered.find(Secret.class, SECRET)).isEmpty();
        assertThat(signingKeyReference(rendered.container("controller"))).isEqualTo("my-signing-key/signing-key");
        assertThat(signingKeyReference(rendered.container("invoker"))).isEqualTo("my-signing-key/signing-key");
    }

    /** The key as the pods see it in KLAMBDA_CODE_SIGNING_KEY. */
    private static String key(Manifests rendered) {
        return new String(Base64.getDecoder().decode(rendered.get(Secret.class, SECRET).getData().get("signing-key")));
    }

    private static String signingKeyReference(Container container) {
        return container.getEnv().stream().filter(env -> env.getName().equals("KLAMBDA_CODE_SIGNING_KEY")).findFirst()
                .map(EnvVar::getValueFrom).map(from -> from.getSecretKeyRef().getName() + "/" + from.getSecretKeyRef().getKey())
                .orElse(null);
    }
}
