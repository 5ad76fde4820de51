package dev.klambda.invoker.manage;

import static dev.klambda.invoker.Fixtures.DEFAULT;
import static dev.klambda.invoker.Fixtures.function;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.HasMetadata;

import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.status.VersionPublication;
import dev.klambda.core.store.ResourceWriteException;
import dev.klambda.core.store.ResourceWriter;
import dev.klambda.core.store.Resources;
import dev.klambda.crds.v1alpha1.common.Condition;
import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.crds.v1alpha1.version.VersionSnapshot;
import dev.klambda.crds.v1alpha1.version.VersionSpec;
import dev.klambda.crds.v1alpha1.version.VersionStatus;
import dev.klambda.invoker.Fixtures;

/** PublishVersion's answers when the platform publishes the new Version, refuses it, or does not answer in time. */
class VersionsTest {

    final Fixtures.Store store = new Fixtures.Store();
    final List<String> deleted = new ArrayList<>();

    /** A writer whose create answers with {@code created} applied to what it was given. */
    Versions versions(UnaryOperator<Version> created, ResourceWriteException onDelete) {
        Versions versions = new Versions();
        versions.store = store;
        versions.writer = new ResourceWriter() {
            @Override
            @SuppressWarnings("unchecked")
            public <T extends HasMetadata> T create(T resource) {
                return (T) created.apply(Resources.copy((Version) resource));
            }

            @Override
            public <T extends HasMetadata> T replace(T resource) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void delete(HasMetadata resource) {
                if (onDelete != null && resource.getMetadata().getResourceVersion() != null) {
                    throw onDelete;
                }
                deleted.add(resource.getMetadata().getName());
            }
        };
        return versions;
    }

    static Version frozen(Version version) {
        VersionSpec spec = version.getSpec();
        version.setSpec(new VersionSpec(spec.functionName(), 1, spec.description(), spec.codeSha256(),
                new VersionSnapshot(null, null, new FunctionConfiguration(), null), null, null));
        return version;
    }

    static UnaryOperator<Version> refusedFor(String reason, String message) {
        return version -> {
            version.getMetadata().setResourceVersion("7");
            version.setStatus(new VersionStatus(1L, List.of(new Condition(VersionPublication.CONDITION,
                    Condition.ConditionStatus.False, reason, message, null, 1L)), null, null));
            return version;
        };
    }

    @Test
    void answersWithTheVersionThePlatformPublished() {
        Version published = versions(VersionsTest::frozen, null).publish(DEFAULT, function("default", "hello"), null,
                null);
        assertThat(published.getSpec().version()).isEqualTo(1);
        assertThat(deleted).isEmpty();
    }

    @Test
    void turnsACodeSha256RefusalIntoAwsInvalidParameterValue() {
        String aws = "CodeSHA256 (AAAA) is different from current CodeSHA256 in $LATEST (BBBB). "
                + "Please try again with the CodeSHA256 in $LATEST.";
        Versions versions = versions(refusedFor(VersionPublication.CODE_SHA256_MISMATCH, aws), null);
        assertThatThrownBy(() -> versions.publish(DEFAULT, function("default", "hello"), null, null))
                .isInstanceOfSatisfying(LambdaException.class, e -> {
                    assertThat(e.type()).isEqualTo(ErrorType.InvalidParameterValueException);
                    assertThat(e.getMessage()).isEqualTo(aws);
                });
        assertThat(deleted).as("the refused Version does not stay behind").hasSize(1);
    }

    @Test
    void saysTheFunctionIsNotActiveYetAsAConflict() {
        Versions versions = versions(refusedFor(VersionPublication.FUNCTION_NOT_ACTIVE, "function hello is not Active"),
                null);
        assertThatThrownBy(() -> versions.publish(DEFAULT, function("default", "hello"), null, null))
                .isInstanceOfSatisfying(LambdaException.class, e -> {
                    assertThat(e.type()).isEqualTo(ErrorType.ResourceConflictException);
                    assertThat(e.getMessage()).startsWith("The operation cannot be performed at this time.")
                            .contains("not Active");
                });
    }

    @Test
    void refusesWhenNoVersionWasFrozenInTime() {
        Versions versions = versions(UnaryOperator.identity(), null);
        assertThatThrownBy(() -> versions.publish(DEFAULT, function("default", "hello"), null, null))
                .isInstanceOfSatisfying(LambdaException.class, e -> {
                    assertThat(e.type()).isEqualTo(ErrorType.InvalidParameterValueException);
                    assertThat(e.getMessage()).contains("cannot be published now");
                });
        assertThat(deleted).hasSize(1);
    }

    @Test
    void keepsAVersionPublishedWhileItWasBeingWithdrawn() {
        UnaryOperator<Version> unanswered = version -> {
            version.getMetadata().setResourceVersion("7");
            // Published just after create gave up waiting: the store holds it frozen.
            store.with(frozen(Resources.copy(version)));
            return version;
        };
        Versions versions = versions(unanswered,
                new ResourceWriteException(ResourceWriteException.Reason.CHANGED, "changed since it was read"));
        Version published = versions.publish(DEFAULT, function("default", "hello"), null, null);
        assertThat(published.getSpec().version()).isEqualTo(1);
        assertThat(deleted).isEmpty();
    }
}
