package dev.klambda.bench;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import dev.klambda.core.pool.PoolNames;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionStatus;
import dev.klambda.it.cluster.FakeNode;

/**
 * When things happened in a namespace, as watches from the API server report them ({@link System#nanoTime()}):
 * each Function turning Active, each pool Deployment's replica count, and each pool pod's creation
 * and first Ready.
 */
final class ClusterTimeline implements AutoCloseable {

    private final Map<String, Long> active = new ConcurrentHashMap<>();
    private final Map<String, List<long[]>> replicas = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Long>> podsCreated = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Long>> podsReady = new ConcurrentHashMap<>();
    private final List<SharedIndexInformer<?>> informers = new CopyOnWriteArrayList<>();

    ClusterTimeline(KubernetesClient client, String namespace) {
        informers.add(client.resources(Function.class).inNamespace(namespace).inform(handler(function -> {
            FunctionStatus status = function.getStatus();
            if (status != null && status.state() == FunctionStatus.State.Active
                    && Objects.equals(status.observedGeneration(), function.getMetadata().getGeneration())) {
                active.putIfAbsent(function.getMetadata().getName(), System.nanoTime());
            }
        }), 0));
        informers.add(client.apps().deployments().inNamespace(namespace).inform(handler((Deployment deployment) -> {
            Integer wanted = deployment.getSpec().getReplicas();
            List<long[]> seen = replicas.computeIfAbsent(deployment.getMetadata().getName(),
                    n -> new CopyOnWriteArrayList<>());
            if (wanted != null && (seen.isEmpty() || seen.getLast()[1] != wanted)) {
                seen.add(new long[] { System.nanoTime(), wanted });
            }
        }), 0));
        informers.add(client.pods().inNamespace(namespace).inform(handler((Pod pod) -> {
            String pool = pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(PoolNames.POOL);
            if (pool == null) {
                return;
            }
            long now = System.nanoTime();
            podsCreated.computeIfAbsent(pool, p -> new ConcurrentHashMap<>()).putIfAbsent(pod.getMetadata().getName(), now);
            if (FakeNode.ready(pod)) {
                podsReady.computeIfAbsent(pool, p -> new ConcurrentHashMap<>()).putIfAbsent(pod.getMetadata().getName(), now);
            }
        }), 0));
    }

    /** When Function {@code name} was first seen Active for its current generation. */
    OptionalLong active(String name) {
        Long at = active.get(name);
        return at == null ? OptionalLong.empty() : OptionalLong.of(at);
    }

    /** When Deployment {@code pool} was first seen asking for at least {@code count} replicas. */
    OptionalLong replicasAtLeast(String pool, int count) {
        return replicas.getOrDefault(pool, List.of()).stream().filter(seen -> seen[1] >= count).mapToLong(seen -> seen[0])
                .min();
    }

    /** When the {@code k}th pod of {@code pool} (1 for the first) was created. */
    OptionalLong podCreated(String pool, int k) {
        return kth(podsCreated.getOrDefault(pool, Map.of()), k);
    }

    /** When the {@code k}th pod of {@code pool} first turned Ready. */
    OptionalLong podReady(String pool, int k) {
        return kth(podsReady.getOrDefault(pool, Map.of()), k);
    }

    /** How many of {@code pool}'s pods ever turned Ready. */
    int readyPods(String pool) {
        return podsReady.getOrDefault(pool, Map.of()).size();
    }

    private static OptionalLong kth(Map<String, Long> times, int k) {
        List<Long> sorted = times.values().stream().sorted().toList();
        return sorted.size() < k ? OptionalLong.empty() : OptionalLong.of(sorted.get(k - 1));
    }

    private static <T> ResourceEventHandler<T> handler(Consumer<T> seen) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T object) {
                seen.accept(object);
            }

            @Override
            public void onUpdate(T before, T after) {
                seen.accept(after);
            }

            @Override
            public void onDelete(T object, boolean unknownFinalState) {
                // deletions are not part of the timeline
            }
        };
    }

    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::stop);
    }
}
