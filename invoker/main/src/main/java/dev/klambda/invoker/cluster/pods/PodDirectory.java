package dev.klambda.invoker.cluster.pods;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import dev.klambda.core.pool.DemandReports.PoolKey;
import dev.klambda.core.pool.PoolNames;

/**
 * The function pods of every pool, from an informer on the pods the controller labels
 * ({@link PoolNames}). Lookups read a map kept up to date by the informer's events; each change
 * of a pool is passed on to a listener, which hands newly ready pods to waiting requests.
 */
public final class PodDirectory implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PodDirectory.class);
    /** The agent's invocation port when the pod spec does not name one. */
    static final int DEFAULT_PORT = 8080;

    private final Map<PoolKey, Map<String, PoolPod>> pools = new ConcurrentHashMap<>();
    private final Consumer<PoolKey> changed;
    private SharedIndexInformer<Pod> informer;

    /** @param changed told the pool whose pods changed; called on the informer's thread */
    public PodDirectory(Consumer<PoolKey> changed) {
        this.changed = changed;
    }

    /** Starts watching the pods of every namespace; completes once the first list is in. */
    public void start(KubernetesClient client) {
        informer = client.pods().inAnyNamespace().withLabel(PoolNames.MANAGED_BY, PoolNames.MANAGER)
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Pod pod) {
                        update(pod);
                    }

                    @Override
                    public void onUpdate(Pod old, Pod pod) {
                        update(pod);
                    }

                    @Override
                    public void onDelete(Pod pod, boolean finalStateUnknown) {
                        remove(pod);
                    }
                });
    }

    /** Whether the first list of pods has arrived. */
    public boolean synced() {
        return informer != null && informer.hasSynced();
    }

    /** The pods of a pool, ready or not. */
    public List<PoolPod> pods(PoolKey pool) {
        Map<String, PoolPod> pods = pools.get(pool);
        return pods == null ? List.of() : new ArrayList<>(pods.values());
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
    }

    void update(Pod pod) {
        PoolPod seen = poolPod(pod);
        if (seen == null) {
            remove(pod);
            return;
        }
        PoolPod before = pools.computeIfAbsent(seen.pool(), k -> new ConcurrentHashMap<>()).put(seen.uid(), seen);
        if (!seen.equals(before)) {
            LOG.debugf("pod %s/%s of %s: %s", seen.pool().namespace(), seen.name(), seen.pool().pool(),
                    seen.ready() ? "ready at " + seen.address() : "not ready");
            changed.accept(seen.pool());
        }
    }

    void remove(Pod pod) {
        String pool = pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(PoolNames.POOL);
        if (pool == null) {
            return;
        }
        PoolKey key = new PoolKey(pod.getMetadata().getNamespace(), pool);
        Map<String, PoolPod> pods = pools.get(key);
        if (pods != null && pods.remove(pod.getMetadata().getUid()) != null) {
            pools.computeIfPresent(key, (k, v) -> v.isEmpty() ? null : v);
            changed.accept(key);
        }
    }

    /** The pod as a pool member, or null when it is not one (no pool label). */
    static PoolPod poolPod(Pod pod) {
        Map<String, String> labels = pod.getMetadata().getLabels();
        String pool = labels == null ? null : labels.get(PoolNames.POOL);
        if (pool == null) {
            return null;
        }
        String ip = pod.getStatus() == null ? null : pod.getStatus().getPodIP();
        boolean ready = ip != null && !ip.isEmpty() && pod.getMetadata().getDeletionTimestamp() == null
                && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream()
                        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        return new PoolPod(new PoolKey(pod.getMetadata().getNamespace(), pool), pod.getMetadata().getUid(),
                pod.getMetadata().getName(), ip, port(pod), annotations == null ? null : annotations.get(PoolNames.REVISION),
                ready);
    }

    private static int port(Pod pod) {
        if (pod.getSpec() == null || pod.getSpec().getContainers() == null) {
            return DEFAULT_PORT;
        }
        for (Container container : pod.getSpec().getContainers()) {
            if (container.getPorts() == null) {
                continue;
            }
            for (ContainerPort port : container.getPorts()) {
                if ("invoke".equals(port.getName()) && port.getContainerPort() != null) {
                    return port.getContainerPort();
                }
            }
        }
        return DEFAULT_PORT;
    }
}
