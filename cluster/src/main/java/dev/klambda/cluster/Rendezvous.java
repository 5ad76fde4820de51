package dev.klambda.invoker.cluster.pods;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which invoker replica may send to which pod of a pool, so that two replicas never send to the
 * same pod. Every replica computes the same answer from the same inputs (the pool's pod uids and
 * the live replicas' names), without talking to the others.
 * <p>
 * Rendezvous hashing with capacities: a pod goes to the replica that scores highest for it among
 * those that still have room, and every replica ends up with {@code floor(pods / replicas)} or one
 * more. The capacities keep a pool's pods evenly spread (plain rendezvous hashing can leave a
 * replica without any pod of a small pool while its requests for it wait); the hashing keeps most
 * pods where they were when a pod or a replica comes or goes.
 */
public final class PodAssignment {

    private PodAssignment() {
    }

    /** The owner of each pod: pod uid to replica name. Empty when there are no replicas. */
    public static Map<String, String> assign(Collection<String> podUids, Collection<String> replicas) {
        Map<String, String> owners = new HashMap<>();
        if (replicas.isEmpty() || podUids.isEmpty()) {
            return owners;
        }
        List<String> sortedReplicas = replicas.stream().sorted().toList();
        List<String> pods = podUids.stream().sorted().toList();
        // First every replica is filled to floor(pods / replicas): with that little room in total, no
        // replica is left short. Then the remaining pods take one more place each, on distinct replicas.
        int floor = pods.size() / sortedReplicas.size();
        Map<String, Integer> load = new HashMap<>();
        for (int capacity : new int[] { floor, floor + 1 }) {
            for (String pod : pods) {
                if (owners.containsKey(pod)) {
                    continue;
                }
                sortedReplicas.stream()
                        .filter(replica -> load.getOrDefault(replica, 0) < capacity)
                        .max(Comparator.<String, byte[]> comparing(replica -> score(pod, replica), Arrays::compareUnsigned))
                        .ifPresent(owner -> {
                            load.merge(owner, 1, Integer::sum);
                            owners.put(pod, owner);
                        });
            }
        }
        return owners;
    }

    private static byte[] score(String pod, String replica) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(pod.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(replica.getBytes(StandardCharsets.UTF_8));
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
