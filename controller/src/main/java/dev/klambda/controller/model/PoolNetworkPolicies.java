package dev.klambda.controller.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;

import dev.klambda.core.pool.PoolNames;
import dev.klambda.crds.v1alpha1.function.EgressRule;
import dev.klambda.crds.v1alpha1.function.NetworkConfig;

/**
 * A pool's NetworkPolicy. Only klambda's invokers reach function pods, as only Lambda's service
 * reaches an execution environment. Outbound, {@code Public} functions reach anything;
 * {@code Isolated} ones reach DNS, the invokers (where their code is fetched from) and their
 * {@code allowedEgress} only. Desired state only: no client calls.
 */
public final class PoolNetworkPolicies {

    /** The label klambda's own pods carry for their component; the invokers' value is {@code invoker}. */
    public static final String COMPONENT = "app.kubernetes.io/component";

    private PoolNetworkPolicies() {
    }

    public static NetworkPolicy desired(PoolSpec pool, PoolSettings settings) {
        String name = PoolNames.pool(pool.functionName(), pool.version());
        NetworkConfig network = pool.configuration().getNetwork();
        boolean isolated = network != null && network.mode() == NetworkConfig.Mode.Isolated;
        List<NetworkPolicyEgressRule> egress = new ArrayList<>();
        if (isolated) {
            egress.add(new NetworkPolicyEgressRuleBuilder().withPorts(port("UDP", 53), port("TCP", 53)).build());
            egress.add(new NetworkPolicyEgressRuleBuilder().withTo(invokers(settings))
                    .withPorts(port("TCP", PoolDeployments.INVOKE_PORT)).build());
            if (network.allowedEgress() != null) {
                for (EgressRule rule : network.allowedEgress()) {
                    String protocol = rule.protocol() == null ? "TCP" : rule.protocol().name();
                    List<NetworkPolicyPort> ports = rule.ports() == null || rule.ports().isEmpty()
                            ? List.of(new NetworkPolicyPortBuilder().withProtocol(protocol).build())
                            : rule.ports().stream().map(p -> port(protocol, p)).toList();
                    egress.add(new NetworkPolicyEgressRuleBuilder()
                            .addNewTo().withNewIpBlock().withCidr(rule.cidr()).endIpBlock().endTo()
                            .withPorts(ports).build());
                }
            }
        } else {
            egress.add(new NetworkPolicyEgressRuleBuilder().build());
        }
        return new NetworkPolicyBuilder()
                .withNewMetadata().withName(name).withNamespace(pool.namespace())
                .withLabels(PoolNames.labels(pool.functionName(), pool.version())).endMetadata()
                .withNewSpec()
                .withPodSelector(new LabelSelectorBuilder().withMatchLabels(Map.of(PoolNames.POOL, name)).build())
                .withPolicyTypes("Ingress", "Egress")
                .addNewIngress().withFrom(invokers(settings)).withPorts(port("TCP", PoolDeployments.INVOKE_PORT))
                .endIngress()
                .withEgress(egress)
                .endSpec()
                .build();
    }

    private static NetworkPolicyPeer invokers(PoolSettings settings) {
        LabelSelector namespace = new LabelSelectorBuilder()
                .withMatchLabels(Map.of("kubernetes.io/metadata.name", settings.systemNamespace())).build();
        LabelSelector pods = new LabelSelectorBuilder().withMatchLabels(Map.of(COMPONENT, "invoker")).build();
        return new NetworkPolicyPeerBuilder().withNamespaceSelector(namespace).withPodSelector(pods).build();
    }

    private static NetworkPolicyPort port(String protocol, int port) {
        return new NetworkPolicyPortBuilder().withProtocol(protocol).withPort(new IntOrString(port)).build();
    }
}
