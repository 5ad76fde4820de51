package dev.klambda.it.cluster;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * The Deployment controller of a fake node, without ReplicaSets: keeps {@code spec.replicas}
 * pods of each Deployment it is given, bound to the node, and writes the Deployment's status.
 * <ul>
 * <li>Pods are made from the pod template ({@code <deployment>-<5 characters>}, the template's
 * labels plus {@value #POD_TEMPLATE_HASH}, its annotations, owned by the Deployment).
 * <li>Scaling down deletes not-ready pods first, then the newest.
 * <li>A changed template: pods of the new template are made first, and the old ones deleted
 * once the new ones are all ready (the controller's Deployments allow no unavailable pod).
 * <li>Failed pods stay for a backoff (1 s, doubling per failure, at most 30 s) so that they can
 * be seen, then are replaced.
 * <li>Pods of a Deployment that is gone are deleted: the mock server collects no garbage.
 * </ul>
 * Events only say which Deployment to look at; each look reads the API server, one at a time on
 * one thread, so that what it just created or deleted is always counted.
 */
final class DeploymentController {

    /** Label of every pod: a hash of the template it was made from, as the real controller's. */
    static final String POD_TEMPLATE_HASH = "pod-template-hash";

    private static final System.Logger LOG = System.getLogger(DeploymentController.class.getName());
    /** The characters Kubernetes' generated names use: no vowels, no confusable digits. */
    private static final String NAME_CHARACTERS = "bcdfghjklmnpqrstvwxz2456789";
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final KubernetesClient client;
    private final String nodeName;
    private final Duration failureBackoff;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("fake-node-deployments").factory());
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    /** Per Deployment: the failed pods already counted, and when the next pod may be made. Only on the thread. */
    private final Map<String, Backoff> backoffs = new HashMap<>();

    private record Backoff(Set<String> counted, int failures, Instant notBefore) {
    }

    DeploymentController(KubernetesClient client, String nodeName, Duration failureBackoff) {
        this.client = client;
        this.nodeName = nodeName;
        this.failureBackoff = failureBackoff;
    }

    /** Deployment events: look at that Deployment. */
    ResourceEventHandler<Deployment> deploymentEvents() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(Deployment deployment) {
                enqueue(deployment.getMetadata().getNamespace(), deployment.getMetadata().getName());
            }

            @Override
            public void onUpdate(Deployment before, Deployment after) {
                onAdd(after);
            }

            @Override
            public void onDelete(Deployment deployment, boolean finalStateUnknown) {
                onAdd(deployment);
            }
        };
    }

    /** Pod events: look at the Deployment that owns the pod. */
    ResourceEventHandler<Pod> podEvents() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                OwnerReference owner = owner(pod);
                if (owner != null) {
                    enqueue(pod.getMetadata().getNamespace(), owner.getName());
                }
            }

            @Override
            public void onUpdate(Pod before, Pod after) {
                onAdd(after);
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                onAdd(pod);
            }
        };
    }

    void close() {
        thread.shutdownNow();
    }

    private void enqueue(String namespace, String name) {
        String key = namespace + "/" + name;
        if (queued.add(key) && !thread.isShutdown()) {
            thread.execute(() -> {
                queued.remove(key);
                try {
                    reconcile(namespace, name);
                } catch (KubernetesClientException e) {
                    LOG.log(System.Logger.Level.WARNING, "Deployment(" + key + "): " + e.getMessage() + "; trying again", e);
                    thread.schedule(() -> enqueue(namespace, name), 1, TimeUnit.SECONDS);
                }
            });
        }
    }

    private void reconcile(String namespace, String name) {
        String key = namespace + "/" + name;
        Deployment deployment = client.apps().deployments().inNamespace(namespace).withName(name).get();
        String uid = deployment == null ? null : deployment.getMetadata().getUid();
        List<Pod> owned = client.pods().inNamespace(namespace).list().getItems().stream()
                .filter(pod -> owner(pod) != null && owner(pod).getName().equals(name)).toList();
        List<Pod> pods = new ArrayList<>();
        for (Pod pod : owned) {
            if (Objects.equals(owner(pod).getUid(), uid)) {
                pods.add(pod);
            } else {
                delete(pod, "its Deployment is gone");
            }
        }
        if (deployment == null) {
            backoffs.remove(key);
            return;
        }
        Map<String, String> deploymentLabels = deployment.getMetadata().getLabels();
        if (deploymentLabels == null || !FakeNode.MANAGER.equals(deploymentLabels.get(FakeNode.MANAGED_BY))) {
            return;
        }
        int replicas = deployment.getSpec().getReplicas() == null ? 1 : deployment.getSpec().getReplicas();
        String hash = templateHash(deployment.getSpec().getTemplate());
        List<Pod> failed = new ArrayList<>();
        List<Pod> current = new ArrayList<>();
        List<Pod> old = new ArrayList<>();
        for (Pod pod : pods) {
            if (pod.getStatus() != null && "Failed".equals(pod.getStatus().getPhase())) {
                failed.add(pod);
            } else if (hash.equals(pod.getMetadata().getLabels().get(POD_TEMPLATE_HASH))) {
                current.add(pod);
            } else {
                old.add(pod);
            }
        }
        Backoff backoff = backoff(key, failed, current);

        if (current.size() > replicas) {
            // not ready first, then the newest
            current.sort(Comparator.comparing(FakeNode::ready)
                    .thenComparing((Pod pod) -> pod.getMetadata().getCreationTimestamp(), Comparator.reverseOrder()));
            for (Pod pod : current.subList(0, current.size() - replicas)) {
                delete(pod, "scaled down to " + replicas);
            }
            current = new ArrayList<>(current.subList(current.size() - replicas, current.size()));
        }
        if (current.size() < replicas) {
            Instant now = Instant.now();
            if (now.isBefore(backoff.notBefore())) {
                long wait = Duration.between(now, backoff.notBefore()).toMillis() + 1;
                thread.schedule(() -> enqueue(namespace, name), wait, TimeUnit.MILLISECONDS);
            } else {
                failed.forEach(pod -> delete(pod, "it failed; replacing it"));
                failed.clear();
                while (current.size() < replicas) {
                    current.add(create(deployment, hash));
                }
            }
        }
        long ready = current.stream().filter(FakeNode::ready).count();
        if (!old.isEmpty() && (replicas == 0 || ready >= replicas)) {
            old.forEach(pod -> delete(pod, "its template changed"));
            old.clear();
        }
        writeStatus(deployment, replicas, current, old);
    }

    /** Counts newly failed pods; once a pod of the current template is ready, failures are forgiven. */
    private Backoff backoff(String key, List<Pod> failed, List<Pod> current) {
        Backoff backoff = backoffs.getOrDefault(key, new Backoff(Set.of(), 0, Instant.MIN));
        Set<String> counted = new HashSet<>(backoff.counted());
        int failures = backoff.failures();
        Instant notBefore = backoff.notBefore();
        for (Pod pod : failed) {
            if (counted.add(pod.getMetadata().getUid())) {
                failures++;
                long millis = Math.min(MAX_BACKOFF.toMillis(), failureBackoff.toMillis() << Math.min(20, failures - 1));
                notBefore = Instant.now().plusMillis(millis);
            }
        }
        if (current.stream().anyMatch(FakeNode::ready)) {
            failures = 0;
        }
        backoff = new Backoff(Set.copyOf(counted), failures, notBefore);
        backoffs.put(key, backoff);
        return backoff;
    }

    private Pod create(Deployment deployment, String hash) {
        PodTemplateSpec template = deployment.getSpec().getTemplate();
        String name = deployment.getMetadata().getName();
        Map<String, String> labels = new LinkedHashMap<>();
        if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
            labels.putAll(template.getMetadata().getLabels());
        }
        labels.put(POD_TEMPLATE_HASH, hash);
        Map<String, String> annotations = template.getMetadata() == null ? null : template.getMetadata().getAnnotations();
        OwnerReference owner = new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("Deployment")
                .withName(name).withUid(deployment.getMetadata().getUid()).withController(true)
                .withBlockOwnerDeletion(true).build();
        while (true) {
            Pod pod = new PodBuilder().withNewMetadata().withName(name + "-" + suffix())
                    .withNamespace(deployment.getMetadata().getNamespace()).withLabels(labels).withAnnotations(annotations)
                    .withOwnerReferences(owner).endMetadata()
                    .withSpec(new PodSpecBuilder(template.getSpec()).withNodeName(nodeName).build())
                    .build();
            try {
                Pod created = client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).create();
                LOG.log(System.Logger.Level.DEBUG, "Deployment({0}/{1}): created pod {2}",
                        deployment.getMetadata().getNamespace(), name, created.getMetadata().getName());
                return created;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // the name is taken: draw another
            }
        }
    }

    private void delete(Pod pod, String why) {
        LOG.log(System.Logger.Level.DEBUG, "deleting Pod({0}/{1}): {2}", pod.getMetadata().getNamespace(),
                pod.getMetadata().getName(), why);
        client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
    }

    private void writeStatus(Deployment deployment, int replicas, List<Pod> current, List<Pod> old) {
        int ready = (int) (current.stream().filter(FakeNode::ready).count() + old.stream().filter(FakeNode::ready).count());
        DeploymentStatus before = deployment.getStatus();
        DeploymentStatus status = new DeploymentStatusBuilder()
                .withObservedGeneration(deployment.getMetadata().getGeneration())
                .withReplicas(current.size() + old.size())
                .withUpdatedReplicas(current.size())
                .withReadyReplicas(ready)
                .withAvailableReplicas(ready)
                .withUnavailableReplicas(Math.max(0, replicas - ready))
                .withConditions(available(before, ready >= replicas))
                .build();
        if (status.equals(before)) {
            return;
        }
        client.apps().deployments().inNamespace(deployment.getMetadata().getNamespace())
                .withName(deployment.getMetadata().getName())
                .editStatus(latest -> new DeploymentBuilder(latest).withStatus(status).build());
    }

    /** The Available condition, keeping its times while its status stays. */
    private static DeploymentCondition available(DeploymentStatus before, boolean available) {
        String value = available ? "True" : "False";
        if (before != null && before.getConditions() != null) {
            for (DeploymentCondition condition : before.getConditions()) {
                if ("Available".equals(condition.getType()) && value.equals(condition.getStatus())) {
                    return condition;
                }
            }
        }
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        return new DeploymentConditionBuilder().withType("Available").withStatus(value)
                .withReason(available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable")
                .withLastTransitionTime(now).withLastUpdateTime(now).build();
    }

    /** The Deployment that controls {@code pod}, or null. */
    static OwnerReference owner(Pod pod) {
        if (pod.getMetadata().getOwnerReferences() == null) {
            return null;
        }
        return pod.getMetadata().getOwnerReferences().stream()
                .filter(o -> "Deployment".equals(o.getKind()) && Boolean.TRUE.equals(o.getController())).findFirst()
                .orElse(null);
    }

    static String templateHash(PodTemplateSpec template) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(Serialization.asJson(template).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 5);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static String suffix() {
        StringBuilder suffix = new StringBuilder(5);
        for (int i = 0; i < 5; i++) {
            suffix.append(NAME_CHARACTERS.charAt(ThreadLocalRandom.current().nextInt(NAME_CHARACTERS.length())));
        }
        return suffix.toString();
    }
}
