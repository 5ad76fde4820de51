package dev.klambda.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RendezvousTest {

    static List<String> pods(int count) {
        return IntStream.range(0, count).mapToObj(i -> "pod-uid-" + i).toList();
    }

    static List<String> replicas(int count) {
        return IntStream.range(0, count).mapToObj(i -> "invoker-" + i).toList();
    }

    static Map<String, Integer> loads(Map<String, String> owners, Collection<String> replicas) {
        Map<String, Integer> loads = new HashMap<>();
        replicas.forEach(r -> loads.put(r, 0));
        owners.values().forEach(r -> loads.merge(r, 1, Integer::sum));
        return loads;
    }

    @ParameterizedTest(name = "{0} pods over {1} replicas")
    @CsvSource({ "1,1", "1,3", "2,3", "3,3", "4,3", "7,2", "20,3", "100,7" })
    void everyPodHasOneOwnerAndReplicasShareEvenly(int podCount, int replicaCount) {
        Map<String, String> owners = Rendezvous.assign(pods(podCount), replicas(replicaCount));
        assertThat(owners).hasSize(podCount);
        assertThat(owners.values()).allMatch(replicas(replicaCount)::contains);
        Map<String, Integer> loads = loads(owners, replicas(replicaCount));
        int min = loads.values().stream().mapToInt(i -> i).min().orElseThrow();
        int max = loads.values().stream().mapToInt(i -> i).max().orElseThrow();
        assertThat(max - min).as("loads %s", loads).isLessThanOrEqualTo(1);
    }

    @Test
    void everyReplicaComputesTheSameDivision() {
        List<String> replicas = replicas(3);
        Map<String, String> one = Rendezvous.assign(pods(10), replicas);
        Map<String, String> other = Rendezvous.assign(pods(10).reversed(), replicas.reversed());
        assertThat(other).isEqualTo(one);
    }

    @Test
    void aReplicaLeavingMovesOnlyWhatItMust() {
        List<String> pods = pods(60);
        Map<String, String> before = Rendezvous.assign(pods, replicas(3));
        Map<String, String> after = Rendezvous.assign(pods, replicas(2));
        long moved = pods.stream().filter(p -> !before.get(p).equals(after.get(p))).count();
        // the 20 pods of the replica that left must move; a modulo division would move about 40
        assertThat(moved).isLessThanOrEqualTo(30);
        assertThat(after.values()).doesNotContain("invoker-2");
    }

    @Test
    void nobodyOwnsPodsWithoutReplicas() {
        assertThat(Rendezvous.assign(pods(3), List.of())).isEmpty();
        assertThat(Rendezvous.assign(List.of(), replicas(2))).isEmpty();
    }
}
