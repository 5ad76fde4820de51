package dev.klambda.poller.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.core.exception.SdkClientException;

class SecretCredentialsTest {

    @Test
    void theSecretsUsernameAndPasswordAreTheKeysAndAMissingSecretIsSaidByName() {
        AtomicReference<Map<String, byte[]>> stored = new AtomicReference<>();
        SecretCredentials credentials = new SecretCredentials(
                (namespace, name) -> namespace.equals("team") && name.equals("keys") ? Optional.ofNullable(stored.get())
                        : Optional.empty(),
                "team", "keys", Clock.systemUTC());

        assertThatThrownBy(credentials::resolveCredentials).isInstanceOf(SdkClientException.class)
                .hasMessageContaining("team/keys").hasRootCauseInstanceOf(MissingSecretException.class);

        stored.set(Map.of("username", "AKID".getBytes(StandardCharsets.UTF_8), "password",
                "s3cret".getBytes(StandardCharsets.UTF_8)));
        AwsCredentials resolved = credentials.resolveCredentials();
        assertThat(resolved.accessKeyId()).isEqualTo("AKID");
        assertThat(resolved.secretAccessKey()).isEqualTo("s3cret");
    }
}
