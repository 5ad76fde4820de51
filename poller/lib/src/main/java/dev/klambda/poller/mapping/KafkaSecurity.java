package dev.klambda.poller.mapping;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

import dev.klambda.crds.v1alpha1.eventsourcemapping.SourceAccessConfiguration;

/**
 * The Kafka client settings a mapping's source access configurations ask for, with the credentials
 * read from Secrets in the mapping's namespace: {@code BASIC_AUTH} is SASL/PLAIN,
 * {@code SASL_SCRAM_256_AUTH} and {@code SASL_SCRAM_512_AUTH} are SASL/SCRAM (keys {@code username}
 * and {@code password}); {@code SERVER_ROOT_CA_CERTIFICATE} ({@code ca.crt}) and
 * {@code CLIENT_CERTIFICATE_TLS_AUTH} ({@code tls.crt}, {@code tls.key}, PEM) turn TLS on. Without
 * either of those the connection is not encrypted.
 */
public final class KafkaSecurity {

    private KafkaSecurity() {
    }

    /**
     * Checks what needs no Secret: the types Kafka sources take, and one of each.
     *
     * @throws InvalidMappingException for VIRTUAL_HOST, two SASL mechanisms, or a type given twice
     */
    static void check(List<SourceAccessConfiguration> access) {
        if (access == null) {
            return;
        }
        int sasl = 0;
        for (SourceAccessConfiguration configuration : access) {
            switch (configuration.type()) {
                case VIRTUAL_HOST -> throw new InvalidMappingException("VIRTUAL_HOST is for RabbitMQ sources, not Kafka");
                case BASIC_AUTH, SASL_SCRAM_256_AUTH, SASL_SCRAM_512_AUTH -> sasl++;
                default -> {
                    // TLS material
                }
            }
            if (access.stream().filter(a -> a.type() == configuration.type()).count() > 1) {
                throw new InvalidMappingException("source access configuration " + configuration.type() + " is given twice");
            }
        }
        if (sasl > 1) {
            throw new InvalidMappingException(
                    "only one of BASIC_AUTH, SASL_SCRAM_256_AUTH and SASL_SCRAM_512_AUTH may be given");
        }
    }

    /**
     * The client settings for {@code access}, reading its Secrets now.
     *
     * @throws MissingSecretException when a Secret or one of its keys is missing
     */
    public static Map<String, Object> config(String namespace, List<SourceAccessConfiguration> access,
            MappingSecrets secrets) {
        Map<String, Object> config = new HashMap<>();
        if (access == null || access.isEmpty()) {
            return config;
        }
        boolean tls = false;
        boolean sasl = false;
        for (SourceAccessConfiguration configuration : access) {
            Map<String, byte[]> secret = secrets.secret(namespace, configuration.uri()).orElseThrow(
                    () -> new MissingSecretException("Secret " + namespace + "/" + configuration.uri() + " (for "
                            + configuration.type() + ") does not exist"));
            switch (configuration.type()) {
                case BASIC_AUTH -> {
                    sasl = true;
                    sasl(config, "PLAIN", "org.apache.kafka.common.security.plain.PlainLoginModule", configuration,
                            secret);
                }
                case SASL_SCRAM_256_AUTH, SASL_SCRAM_512_AUTH -> {
                    sasl = true;
                    sasl(config, configuration.type() == SourceAccessConfiguration.Type.SASL_SCRAM_256_AUTH
                            ? "SCRAM-SHA-256"
                            : "SCRAM-SHA-512", "org.apache.kafka.common.security.scram.ScramLoginModule", configuration,
                            secret);
                }
                case SERVER_ROOT_CA_CERTIFICATE -> {
                    tls = true;
                    config.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
                    config.put(SslConfigs.SSL_TRUSTSTORE_CERTIFICATES_CONFIG, text(configuration, secret, "ca.crt"));
                }
                case CLIENT_CERTIFICATE_TLS_AUTH -> {
                    tls = true;
                    config.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PEM");
                    config.put(SslConfigs.SSL_KEYSTORE_CERTIFICATE_CHAIN_CONFIG, text(configuration, secret, "tls.crt"));
                    config.put(SslConfigs.SSL_KEYSTORE_KEY_CONFIG, text(configuration, secret, "tls.key"));
                }
                case VIRTUAL_HOST -> throw new InvalidMappingException("VIRTUAL_HOST is for RabbitMQ sources, not Kafka");
            }
        }
        config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, (sasl ? "SASL_" : "") + (tls ? "SSL" : "PLAINTEXT"));
        return config;
    }

    private static void sasl(Map<String, Object> config, String mechanism, String module,
            SourceAccessConfiguration configuration, Map<String, byte[]> secret) {
        config.put(SaslConfigs.SASL_MECHANISM, mechanism);
        config.put(SaslConfigs.SASL_JAAS_CONFIG, module + " required username=\""
                + jaas(text(configuration, secret, "username")) + "\" password=\""
                + jaas(text(configuration, secret, "password")) + "\";");
    }

    private static String text(SourceAccessConfiguration configuration, Map<String, byte[]> secret, String key) {
        byte[] value = secret.get(key);
        if (value == null) {
            throw new MissingSecretException(
                    "Secret " + configuration.uri() + " (for " + configuration.type() + ") has no key " + key);
        }
        return new String(value, StandardCharsets.UTF_8);
    }

    /** A value inside a JAAS double-quoted string. */
    private static String jaas(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
