package dev.klambda.cluster;

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
 * Which replica owns which piece of work (a function pod an invoker sends to, an SQS mapping a
 * poller runs), so that no piece has two owners. Every replica computes the same answer from the
 * same inputs (the pieces' ids and the live replicas' names), without talking to the others.
 * <p>
 * Rendezvous hashing with capacities: a piece goes to the replica that scores highest for it among
 * those that still have room, and every replica ends up with {@code floor(pieces / replicas)} or
 * one more. The capacities keep the pieces evenly spread (plain rendezvous hashing can leave a
 * replica without any pod of a small pool while its requests for it wait); the hashing keeps most
 * pieces where they were when a piece or a replica comes or goes.
 */
public final class Rendezvous {

    private Rendezvous() {
    }

    /** The owner of each piece: piece id to replica name. Empty when there are no replicas. */
    public static Map<String, String> assign(Collection<String> pieceIds, Collection<String> replicas) {
        Map<String, String> owners = new HashMap<>();
        if (replicas.isEmpty() || pieceIds.isEmpty()) {
            return owners;
        }
        List<String> sortedReplicas = replicas.stream().sorted().toList();
        List<String> pieces = pieceIds.stream().sorted().toList();
        // First every replica is filled to floor(pieces / replicas): with that little room in total, no
        // replica is left short. Then the remaining pieces take one more place each, on distinct replicas.
        int floor = pieces.size() / sortedReplicas.size();
        Map<String, Integer> load = new HashMap<>();
        for (int capacity : new int[] { floor, floor + 1 }) {
            for (String piece : pieces) {
                if (owners.containsKey(piece)) {
                    continue;
                }
                sortedReplicas.stream()
                        .filter(replica -> load.getOrDefault(replica, 0) < capacity)
                        .max(Comparator.<String, byte[]> comparing(replica -> score(piece, replica), Arrays::compareUnsigned))
                        .ifPresent(owner -> {
                            load.merge(owner, 1, Integer::sum);
                            owners.put(piece, owner);
                        });
            }
        }
        return owners;
    }

    private static byte[] score(String piece, String replica) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(piece.getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            digest.update(replica.getBytes(StandardCharsets.UTF_8));
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
