package dev.klambda.core.tenant;

/**
 * An access key pair a caller signs requests with (SigV4).
 *
 * @param id the access key id, e.g. {@code test} or {@code AKIA...}
 * @param secret the secret access key
 */
public record AccessKey(String id, String secret) {

    public AccessKey {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("an access key needs an id");
        }
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("access key " + id + " needs a secret");
        }
    }

    @Override
    public String toString() {
        return "AccessKey[id=" + id + "]";
    }
}
