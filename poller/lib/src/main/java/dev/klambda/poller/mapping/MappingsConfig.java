package dev.klambda.poller.mapping;

import java.time.Duration;

import io.smallrye.config.WithDefault;

/** How event source mappings run ({@code klambda.mappings.*}), the same in standalone and in a cluster's pollers. */
public interface MappingsConfig {

    /** The wait before a failed batch goes again the first time; each further failure doubles it. */
    @WithDefault("500ms")
    Duration firstBackoff();

    /** The longest wait between attempts of a failing batch. */
    @WithDefault("30s")
    Duration maxBackoff();

    /** How long a stopping or rebalancing consumer waits for batches under way before it lets them go. */
    @WithDefault("30s")
    Duration drain();

    /**
     * How long a Kafka mapping's consumer that stopped answering (a poller that crashed) keeps its
     * partitions before its group hands them on; at least the broker's group.min.session.timeout.ms (6 s).
     */
    @WithDefault("10s")
    Duration sessionTimeout();

    /** How often the mappings are compared with what runs. */
    @WithDefault("1s")
    Duration rescan();

    /** The options these settings give. */
    default MappingRunner.Options options() {
        return new MappingRunner.Options(rescan(), MappingRunner.Options.DEFAULT.lagReport(),
                new ConsumerOptions(firstBackoff(), maxBackoff(), drain(), ConsumerOptions.DEFAULT.maxPayload(),
                        sessionTimeout()));
    }
}
