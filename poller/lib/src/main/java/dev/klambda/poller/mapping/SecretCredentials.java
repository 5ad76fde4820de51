package dev.klambda.poller.mapping;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * An SQS source's keys from a {@code BASIC_AUTH} Secret: {@code username} is the access key id and
 * {@code password} the secret access key. The Secret is read again after {@link #REREAD}, so a
 * changed or newly created Secret takes effect without touching the mapping.
 */
final class SecretCredentials implements AwsCredentialsProvider {

    static final Duration REREAD = Duration.ofSeconds(30);

    private final MappingSecrets secrets;
    private final String namespace;
    private final String name;
    private final Clock clock;
    private AwsCredentials credentials;
    private Instant readAt = Instant.EPOCH;

    SecretCredentials(MappingSecrets secrets, String namespace, String name, Clock clock) {
        this.secrets = secrets;
        this.namespace = namespace;
        this.name = name;
        this.clock = clock;
    }

    /** @throws SdkClientException caused by a {@link MissingSecretException} when the Secret or a key is missing */
    @Override
    public synchronized AwsCredentials resolveCredentials() {
        Instant now = clock.instant();
        if (credentials == null || Duration.between(readAt, now).compareTo(REREAD) >= 0) {
            try {
                Map<String, byte[]> secret = secrets.secret(namespace, name).orElseThrow(() -> new MissingSecretException(
                        "Secret " + namespace + "/" + name + " (for BASIC_AUTH) does not exist"));
                credentials = AwsBasicCredentials.create(key(secret, "username"), key(secret, "password"));
                readAt = now;
            } catch (MissingSecretException e) {
                credentials = null;
                throw SdkClientException.builder().message(e.getMessage()).cause(e).build();
            }
        }
        return credentials;
    }

    private String key(Map<String, byte[]> secret, String key) {
        byte[] value = secret.get(key);
        if (value == null) {
            throw new MissingSecretException("Secret " + namespace + "/" + name + " (for BASIC_AUTH) has no key " + key);
        }
        return new String(value, StandardCharsets.UTF_8);
    }
}
