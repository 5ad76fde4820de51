package dev.klambda.invoker.cluster;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;

import dev.klambda.core.status.VersionPublication;
import dev.klambda.crds.v1alpha1.common.Condition;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.crds.v1alpha1.version.VersionStatus;

/**
 * Plays klambda's controller for one function's Versions: it freezes each new one as the next
 * number, or refuses it with a reason, as {@code VersionReconciler} does. Close it to stop.
 */
public final class StandInController implements AutoCloseable {

    private final KubernetesClient client;
    private final String function;
    private final String refusal;
    private final String message;
    private final ExecutorService worker = Executors.newSingleThreadExecutor();
    private final Watch watch;

    private StandInController(KubernetesClient client, String namespace, String function, String refusal,
            String message) {
        this.client = client;
        this.function = function;
        this.refusal = refusal;
        this.message = message;
        this.watch = client.resources(Version.class).inNamespace(namespace).watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Version version) {
                if (action != Action.DELETED) {
                    // Watch callbacks must not block on the client: answer on a thread of our own.
                    worker.execute(() -> answer(version));
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
    }

    /** Freezes every new Version of {@code function} in {@code namespace}. */
    public static StandInController publishing(KubernetesClient client, String namespace, String function) {
        return new StandInController(client, namespace, function, null, null);
    }

    /** Refuses every new Version of {@code function} in {@code namespace} with {@code reason}. */
    public static StandInController refusing(KubernetesClient client, String namespace, String function,
            String reason, String message) {
        return new StandInController(client, namespace, function, reason, message);
    }

    private void answer(Version version) {
        if (!function.equals(version.getSpec().functionName()) || version.getSpec().snapshot() != null
                || version.getStatus() != null) {
            return;
        }
        Long generation = version.getMetadata().getGeneration();
        if (refusal != null) {
            version.setStatus(new VersionStatus(generation, List.of(new Condition(VersionPublication.CONDITION,
                    Condition.ConditionStatus.False, refusal, message, Instant.now().toString(), generation)), null,
                    null));
            client.resource(version).updateStatus();
            return;
        }
        int next = 1 + client.resources(Version.class).inNamespace(version.getMetadata().getNamespace()).list()
                .getItems().stream()
                .filter(v -> function.equals(v.getSpec().functionName()))
                .map(v -> v.getSpec().version()).filter(Objects::nonNull).mapToInt(Integer::intValue).max().orElse(0);
        version.setSpec(Fixtures.frozen(version.getSpec(), next));
        client.resource(version).update();
    }

    @Override
    public void close() {
        watch.close();
        worker.shutdownNow();
    }
}
