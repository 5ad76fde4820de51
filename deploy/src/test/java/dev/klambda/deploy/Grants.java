package dev.klambda.deploy;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;

/**
 * What the rendered RBAC lets one ServiceAccount do, the way the API server's authorizer reads
 * it: each rule of each Role or ClusterRole bound to the account, expanded into single grants.
 */
final class Grants {

    /** Everywhere (a ClusterRole bound by a ClusterRoleBinding). */
    static final String CLUSTER = "cluster";

    /** One verb on one resource of one API group ("" is the core group), in a scope. */
    record Grant(String apiGroup, String resource, String verb, String scope) {
        @Override
        public String toString() {
            return verb + " " + (apiGroup.isEmpty() ? "core" : apiGroup) + "/" + resource + " in " + scope;
        }
    }

    private Grants() {
    }

    /** The namespace scope of a grant: only in {@code namespace}. */
    static String namespace(String namespace) {
        return "namespace " + namespace;
    }

    /** Every grant of ServiceAccount {@code namespace/name}. */
    static Set<Grant> of(Manifests rendered, String namespace, String name) {
        Set<Grant> grants = new HashSet<>();
        for (ClusterRoleBinding binding : rendered.all(ClusterRoleBinding.class)) {
            if (binds(binding.getSubjects(), namespace, name)) {
                rules(rendered, binding.getRoleRef(), null).forEach(rule -> expand(rule, CLUSTER, grants));
            }
        }
        for (RoleBinding binding : rendered.all(RoleBinding.class)) {
            if (binds(binding.getSubjects(), namespace, name)) {
                String bindingNamespace = binding.getMetadata().getNamespace();
                rules(rendered, binding.getRoleRef(), bindingNamespace)
                        .forEach(rule -> expand(rule, namespace(bindingNamespace), grants));
            }
        }
        return grants;
    }

    /** Every rule of every Role and ClusterRole the chart renders, whoever it is bound to. */
    static List<PolicyRule> allRules(Manifests rendered) {
        return java.util.stream.Stream.concat(
                rendered.all(ClusterRole.class).stream().flatMap(r -> r.getRules().stream()),
                rendered.all(Role.class).stream().flatMap(r -> r.getRules().stream())).toList();
    }

    private static boolean binds(List<Subject> subjects, String namespace, String name) {
        return subjects != null && subjects.stream().anyMatch(s -> "ServiceAccount".equals(s.getKind())
                && name.equals(s.getName()) && namespace.equals(s.getNamespace()));
    }

    private static List<PolicyRule> rules(Manifests rendered, RoleRef ref, String bindingNamespace) {
        Optional<List<PolicyRule>> rules = switch (ref.getKind()) {
            case "ClusterRole" -> rendered.find(ClusterRole.class, ref.getName()).map(ClusterRole::getRules);
            case "Role" -> rendered.all(Role.class).stream()
                    .filter(r -> r.getMetadata().getName().equals(ref.getName())
                            && r.getMetadata().getNamespace().equals(bindingNamespace))
                    .findFirst().map(Role::getRules);
            default -> throw new AssertionError("a binding refers to a " + ref.getKind());
        };
        return rules.orElseThrow(() -> new AssertionError("a binding refers to " + ref.getKind() + " " + ref.getName()
                + ", which the chart does not render"));
    }

    private static void expand(PolicyRule rule, String scope, Set<Grant> grants) {
        for (String group : rule.getApiGroups()) {
            for (String resource : rule.getResources()) {
                for (String verb : rule.getVerbs()) {
                    grants.add(new Grant(group, resource, verb, scope));
                }
            }
        }
    }
}
