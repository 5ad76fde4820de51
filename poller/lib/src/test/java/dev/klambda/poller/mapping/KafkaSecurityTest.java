package dev.klambda.poller.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.klambda.crds.v1alpha1.eventsourcemapping.SourceAccessConfiguration;
import dev.klambda.crds.v1alpha1.eventsourcemapping.SourceAccessConfiguration.Type;

class KafkaSecurityTest {

    static final MappingSecrets SECRETS = (namespace, name) -> switch (namespace + "/" + name) {
        case "team/login" -> Optional.of(Map.of("username", bytes("mapper"), "password", bytes("a \"b\" \\c")));
        case "team/ca" -> Optional.of(Map.of("ca.crt", bytes("-----BEGIN CERTIFICATE-----")));
        case "team/client" -> Optional.of(Map.of("tls.crt", bytes("CERT"), "tls.key", bytes("KEY")));
        case "team/half" -> Optional.of(Map.of("username", bytes("mapper")));
        default -> Optional.empty();
    };

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static Map<String, Object> config(SourceAccessConfiguration... access) {
        return KafkaSecurity.config("team", List.of(access), SECRETS);
    }

    @Test
    void noAccessConfigurationsIsPlaintextWithNothingSet() {
        assertThat(KafkaSecurity.config("team", List.of(), SECRETS)).isEmpty();
    }

    @Test
    void scramAloneIsSaslOverPlaintextWithTheSecretsCredentialsQuotedForJaas() {
        Map<String, Object> config = config(new SourceAccessConfiguration(Type.SASL_SCRAM_512_AUTH, "login"));

        assertThat(config).containsEntry("security.protocol", "SASL_PLAINTEXT").containsEntry("sasl.mechanism",
                "SCRAM-SHA-512");
        assertThat(config.get("sasl.jaas.config")).isEqualTo("org.apache.kafka.common.security.scram.ScramLoginModule "
                + "required username=\"mapper\" password=\"a \\\"b\\\" \\\\c\";");
    }

    @Test
    void basicAuthWithTheServersCaIsPlainOverTls() {
        Map<String, Object> config = config(new SourceAccessConfiguration(Type.BASIC_AUTH, "login"),
                new SourceAccessConfiguration(Type.SERVER_ROOT_CA_CERTIFICATE, "ca"));

        assertThat(config).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("ssl.truststore.type", "PEM")
                .containsEntry("ssl.truststore.certificates", "-----BEGIN CERTIFICATE-----");
    }

    @Test
    void aClientCertificateAloneIsMutualTls() {
        Map<String, Object> config = config(new SourceAccessConfiguration(Type.CLIENT_CERTIFICATE_TLS_AUTH, "client"));

        assertThat(config).containsEntry("security.protocol", "SSL").containsEntry("ssl.keystore.type", "PEM")
                .containsEntry("ssl.keystore.certificate.chain", "CERT").containsEntry("ssl.keystore.key", "KEY");
    }

    @Test
    void aMissingSecretOrKeyIsReportedByName() {
        assertThatThrownBy(() -> config(new SourceAccessConfiguration(Type.BASIC_AUTH, "nowhere")))
                .isInstanceOf(MissingSecretException.class).hasMessageContaining("team/nowhere");
        assertThatThrownBy(() -> config(new SourceAccessConfiguration(Type.BASIC_AUTH, "half")))
                .isInstanceOf(MissingSecretException.class).hasMessageContaining("no key password");
    }

    @Test
    void configurationsThatDoNotFitKafkaAreInvalid() {
        assertThatThrownBy(() -> KafkaSecurity.check(List.of(new SourceAccessConfiguration(Type.VIRTUAL_HOST, "/"))))
                .isInstanceOf(InvalidMappingException.class);
        assertThatThrownBy(() -> KafkaSecurity.check(List.of(new SourceAccessConfiguration(Type.BASIC_AUTH, "a"),
                new SourceAccessConfiguration(Type.SASL_SCRAM_256_AUTH, "b")))).isInstanceOf(InvalidMappingException.class);
    }
}
