package dev.klambda.core.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

import dev.klambda.crds.v1alpha1.common.Condition;
import dev.klambda.crds.v1alpha1.common.Condition.ConditionStatus;
import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.crds.v1alpha1.version.VersionSnapshot;
import dev.klambda.crds.v1alpha1.version.VersionSpec;
import dev.klambda.crds.v1alpha1.version.VersionStatus;

class VersionPublicationTest {

    static Version version(boolean frozen, Condition published) {
        Version version = new Version();
        version.setMetadata(new ObjectMetaBuilder().withNamespace("default").withName("hello-1").build());
        version.setSpec(new VersionSpec("hello", frozen ? 1 : null, null, null,
                frozen ? new VersionSnapshot(null, null, new FunctionConfiguration(), null) : null, null, null));
        if (published != null) {
            version.setStatus(new VersionStatus(1L, List.of(published), null, null));
        }
        return version;
    }

    static Condition refused(String reason) {
        return new Condition(VersionPublication.CONDITION, ConditionStatus.False, reason, "why", null, 1L);
    }

    static Stream<Arguments> versions() {
        return Stream.of(
                Arguments.of(Named.of("frozen and numbered", version(true, null)), true, null, true),
                Arguments.of(Named.of("not looked at yet", version(false, null)), false, null, false),
                Arguments.of(Named.of("waiting for its function to be Active",
                        version(false, refused(VersionPublication.FUNCTION_NOT_ACTIVE))), false,
                        VersionPublication.FUNCTION_NOT_ACTIVE, false),
                Arguments.of(Named.of("waiting for its function to exist",
                        version(false, refused(VersionPublication.FUNCTION_NOT_FOUND))), false,
                        VersionPublication.FUNCTION_NOT_FOUND, false),
                Arguments.of(Named.of("refused for another CodeSha256",
                        version(false, refused(VersionPublication.CODE_SHA256_MISMATCH))), false,
                        VersionPublication.CODE_SHA256_MISMATCH, true),
                Arguments.of(Named.of("refused a number used before",
                        version(false, refused(VersionPublication.VERSION_NUMBER_TAKEN))), false,
                        VersionPublication.VERSION_NUMBER_TAKEN, true),
                Arguments.of(Named.of("published, with a True condition",
                        version(true, new Condition(VersionPublication.CONDITION, ConditionStatus.True, "Published",
                                null, null, 1L))),
                        true, null, true));
    }

    @ParameterizedTest
    @MethodSource("versions")
    void tellsPublishedRefusedAndStillWaitingVersionsApart(Version version, boolean published, String refusal,
            boolean settled) {
        assertThat(VersionPublication.published(version)).isEqualTo(published);
        assertThat(VersionPublication.refusal(version).map(Condition::reason).orElse(null)).isEqualTo(refusal);
        assertThat(VersionPublication.settled(version)).isEqualTo(settled);
    }
}
