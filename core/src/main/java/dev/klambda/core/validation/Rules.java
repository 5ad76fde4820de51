package dev.klambda.core.validation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.HasMetadata;

import dev.klambda.crds.v1alpha1.Messages;
import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.alias.AliasSpec;
import dev.klambda.crds.v1alpha1.alias.RoutingConfig;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMapping;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMappingSpec;
import dev.klambda.crds.v1alpha1.eventsourcemapping.KafkaSource;
import dev.klambda.crds.v1alpha1.function.Code;
import dev.klambda.crds.v1alpha1.function.Environment;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;
import dev.klambda.crds.v1alpha1.function.FunctionSpec;
import dev.klambda.crds.v1alpha1.function.Layer;
import dev.klambda.crds.v1alpha1.function.NetworkConfig;
import dev.klambda.crds.v1alpha1.function.Permission;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.crds.v1alpha1.version.VersionSpec;

/**
 * The CEL rules ({@code x-kubernetes-validations}) of the four custom resources, in Java, for
 * standalone mode where no API server evaluates them. Each check names the CEL rule it mirrors
 * by its message; {@code CelRulesAgreeTest} evaluates the real CEL on the same manifests and
 * requires the same verdicts. The objects are already defaulted and schema-valid.
 */
final class Rules {

    private static final Pattern LAMBDA_NAME = Pattern.compile("^[a-zA-Z0-9_-]+$");
    private static final Pattern DIGITS = Pattern.compile("^[0-9]+$");
    private static final Pattern VARIABLE_NAME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9_]+$");
    private static final Set<String> RESERVED = new HashSet<>(Arrays.asList(Environment.RESERVED));

    private final List<FieldError> errors = new ArrayList<>();

    private Rules() {
    }

    /** The rules that apply to {@code resource} on its own (create, or any write). */
    static List<FieldError> check(HasMetadata resource) {
        Rules rules = new Rules();
        switch (resource) {
            case Function function -> rules.function(function);
            case Version version -> rules.version(version);
            case Alias alias -> rules.alias(alias);
            case EventSourceMapping mapping -> rules.eventSourceMapping(mapping.getSpec());
            default -> throw new IllegalArgumentException("not a klambda resource: " + resource.getKind());
        }
        return rules.errors;
    }

    /** The transition rules ({@code oldSelf}) that apply when {@code old} is replaced by {@code updated}. */
    static List<FieldError> checkUpdate(HasMetadata old, HasMetadata updated) {
        Rules rules = new Rules();
        switch (updated) {
            case Function function -> rules.functionUpdate(((Function) old).getSpec(), function.getSpec());
            case Version version -> rules.versionUpdate(((Version) old).getSpec(), version.getSpec());
            case Alias alias -> rules.aliasUpdate(((Alias) old).getSpec(), alias.getSpec());
            case EventSourceMapping mapping -> rules.mappingUpdate(((EventSourceMapping) old).getSpec(), mapping.getSpec());
            default -> throw new IllegalArgumentException("not a klambda resource: " + updated.getKind());
        }
        return rules.errors;
    }

    private void rule(boolean holds, String path, String message) {
        if (!holds) {
            errors.add(FieldError.rule(path, "object", message));
        }
    }

    // Function

    private void function(Function function) {
        String name = function.getMetadata().getName();
        FunctionSpec spec = function.getSpec();
        rule(spec == null || spec.getFunctionName() != null
                || (name != null && LAMBDA_NAME.matcher(name).matches() && size(name) <= 64), "",
                Messages.FUNCTION_NAME_FROM_METADATA);
        if (spec == null) {
            return;
        }
        List<Permission> permissions = spec.getPermissions();
        rule(permissions == null || permissions.stream().allMatch(p -> permissions.stream()
                .filter(q -> Objects.equals(q.statementId(), p.statementId())).count() == 1), "spec",
                Messages.STATEMENT_IDS_UNIQUE);
        Map<String, String> tags = spec.getTags();
        rule(tags == null || tags.entrySet().stream().allMatch(
                t -> size(t.getKey()) >= 1 && size(t.getKey()) <= 128 && size(t.getValue()) <= 256), "spec",
                Messages.TAGS_SIZE);
        configuration(spec, "spec");
    }

    private void functionUpdate(FunctionSpec old, FunctionSpec updated) {
        if (old == null || updated == null) {
            return;
        }
        rule(Objects.equals(old.getFunctionName(), updated.getFunctionName()), "spec",
                Messages.FUNCTION_NAME_IMMUTABLE);
    }

    private void configuration(FunctionConfiguration configuration, String path) {
        Code code = configuration.getCode();
        rule(code == null || code.imageUri() != null
                || (configuration.getRuntime() != null && configuration.getHandler() != null), path,
                Messages.ZIP_NEEDS_RUNTIME_AND_HANDLER);
        rule(code == null || code.imageUri() == null || (configuration.getRuntime() == null
                && configuration.getHandler() == null && configuration.getLayers() == null), path,
                Messages.IMAGE_TAKES_NO_RUNTIME);
        if (code != null) {
            code(code, path + ".code");
        }
        List<Layer> layers = configuration.getLayers();
        if (layers != null) {
            for (int i = 0; i < layers.size(); i++) {
                Layer layer = layers.get(i);
                rule((layer.arn() != null) != (layer.path() != null || layer.sha256() != null), path + ".layers[" + i + "]",
                        Messages.LAYER_ONE_SOURCE);
            }
        }
        if (configuration.getEnvironment() != null) {
            environment(configuration.getEnvironment(), path + ".environment");
        }
        NetworkConfig network = configuration.getNetwork();
        if (network != null) {
            rule(network.mode() == NetworkConfig.Mode.Isolated || network.allowedEgress() == null, path + ".network",
                    Messages.EGRESS_NEEDS_ISOLATED);
        }
    }

    private void code(Code code, String path) {
        int sources = count(code.imageUri(), code.url(), code.configMap(), code.path());
        rule(sources <= 1, path, Messages.CODE_AT_MOST_ONE_SOURCE);
        rule(sources >= 1 || code.sha256() != null, path, Messages.CODE_NEEDS_SOURCE);
        rule(code.imageUri() == null || code.sha256() == null, path, Messages.CODE_IMAGE_NOT_HASHED);
    }

    private void environment(Environment environment, String path) {
        Map<String, String> variables = environment.variables();
        Map<String, ?> secrets = environment.secrets();
        rule(variables == null || variables.keySet().stream().allMatch(k -> VARIABLE_NAME.matcher(k).matches()), path,
                Messages.ENVIRONMENT_NAMES);
        rule(secrets == null || secrets.keySet().stream().allMatch(k -> VARIABLE_NAME.matcher(k).matches()), path,
                Messages.ENVIRONMENT_NAMES);
        rule(variables == null || variables.keySet().stream().noneMatch(RESERVED::contains), path,
                Messages.ENVIRONMENT_RESERVED);
        rule(secrets == null || secrets.keySet().stream().noneMatch(RESERVED::contains), path,
                Messages.ENVIRONMENT_RESERVED);
        // Lambda measures the compact JSON of the map; the CEL rule can only count characters,
        // which is the same for ASCII. Both sides count characters so that they agree.
        rule(variables == null || variables.entrySet().stream()
                .mapToLong(e -> size(e.getKey()) + size(e.getValue()) + 6).sum() <= 4095, path,
                Messages.ENVIRONMENT_TOO_LARGE);
        rule(variables == null || secrets == null || secrets.keySet().stream().noneMatch(variables::containsKey), path,
                Messages.ENVIRONMENT_DUPLICATE);
    }

    // Version

    private void version(Version version) {
        VersionSpec spec = version.getSpec();
        if (spec != null && spec.snapshot() != null && spec.snapshot().configuration() != null) {
            configuration(spec.snapshot().configuration(), "spec.snapshot.configuration");
        }
    }

    private void versionUpdate(VersionSpec old, VersionSpec updated) {
        if (old == null || updated == null) {
            return;
        }
        rule(Objects.equals(old.functionName(), updated.functionName()), "spec", Messages.FUNCTION_NAME_IMMUTABLE);
        rule(old.version() == null || Objects.equals(old.version(), updated.version()), "spec",
                Messages.VERSION_NUMBER_SET_ONCE);
        rule(old.snapshot() == null || Objects.equals(old.snapshot(), updated.snapshot()), "spec",
                Messages.VERSION_SNAPSHOT_FROZEN);
    }

    // Alias

    private void alias(Alias alias) {
        String name = alias.getMetadata().getName();
        AliasSpec spec = alias.getSpec();
        rule(spec == null || spec.name() != null || (name != null && LAMBDA_NAME.matcher(name).matches()
                && !DIGITS.matcher(name).matches() && size(name) <= 128), "", Messages.ALIAS_NAME_FROM_METADATA);
        if (spec == null) {
            return;
        }
        rule(spec.name() == null || !DIGITS.matcher(spec.name()).matches(), "spec", Messages.ALIAS_NAME_NOT_NUMBER);
        Map<String, Double> weights = spec.routingConfig() == null ? null
                : spec.routingConfig().additionalVersionWeights();
        rule(weights == null || !weights.containsKey(spec.functionVersion()), "spec",
                Messages.ALIAS_WEIGHTS_OWN_VERSION);
        rule(!"$LATEST".equals(spec.functionVersion()) || weights == null || weights.isEmpty(), "spec",
                Messages.ALIAS_LATEST_NOT_WEIGHTED);
        if (spec.routingConfig() != null) {
            routing(spec.routingConfig(), "spec.routingConfig");
        }
    }

    private void routing(RoutingConfig routing, String path) {
        Map<String, Double> weights = routing.additionalVersionWeights();
        rule(weights == null || weights.keySet().stream().allMatch(k -> DIGITS.matcher(k).matches()), path,
                Messages.WEIGHT_KEYS);
        rule(weights == null || weights.values().stream().allMatch(w -> w >= 0.0 && w <= 1.0), path,
                Messages.WEIGHT_RANGE);
        rule(weights == null || weights.values().stream().mapToDouble(Double::doubleValue).sum() <= 1.000000001, path,
                Messages.WEIGHT_SUM);
    }

    private void aliasUpdate(AliasSpec old, AliasSpec updated) {
        if (old == null || updated == null) {
            return;
        }
        rule(Objects.equals(old.functionName(), updated.functionName()), "spec", Messages.FUNCTION_NAME_IMMUTABLE);
        rule(Objects.equals(old.name(), updated.name()), "spec", Messages.ALIAS_NAME_IMMUTABLE);
    }

    // EventSourceMapping

    private void eventSourceMapping(EventSourceMappingSpec spec) {
        if (spec == null) {
            return;
        }
        rule(count(spec.kafka(), spec.sqs(), spec.rabbitmq()) == 1, "spec", Messages.ESM_ONE_SOURCE);
        rule(spec.kafka() == null || spec.startingPosition() != null, "spec", Messages.ESM_KAFKA_STARTING_POSITION);
        rule(spec.startingPosition() != EventSourceMappingSpec.StartingPosition.AT_TIMESTAMP
                || spec.startingPositionTimestamp() != null, "spec", Messages.ESM_AT_TIMESTAMP);
        rule(spec.sqs() == null || (spec.startingPosition() == null && spec.maximumRetryAttempts() == null
                && spec.maximumRecordAgeInSeconds() == null && spec.bisectBatchOnFunctionError() == null), "spec",
                Messages.ESM_SQS_STREAM_SETTINGS);
        rule(spec.sqs() == null || spec.destinationConfig() == null, "spec", Messages.ESM_SQS_DESTINATION);
        rule(spec.sqs() == null || spec.batchSize() == null || spec.batchSize() <= 10
                || (spec.maximumBatchingWindowInSeconds() != null && spec.maximumBatchingWindowInSeconds() > 0), "spec",
                Messages.ESM_SQS_BATCH_WINDOW);
        rule(spec.scalingConfig() == null || spec.sqs() != null, "spec", Messages.ESM_SCALING_SQS_ONLY);
        Integer age = spec.maximumRecordAgeInSeconds();
        rule(age == null || age == -1 || (age >= 60 && age <= 604800), "spec", Messages.ESM_RECORD_AGE);
        if (spec.sqs() != null) {
            rule((spec.sqs().queueUrl() != null) != (spec.sqs().eventSourceArn() != null), "spec.sqs",
                    Messages.ESM_SQS_ONE_QUEUE);
        }
    }

    private void mappingUpdate(EventSourceMappingSpec old, EventSourceMappingSpec updated) {
        if (old == null || updated == null) {
            return;
        }
        rule((old.kafka() == null) == (updated.kafka() == null) && (old.sqs() == null) == (updated.sqs() == null)
                && (old.rabbitmq() == null) == (updated.rabbitmq() == null), "spec",
                Messages.ESM_SOURCE_TYPE_IMMUTABLE);
        rule(old.startingPosition() == updated.startingPosition(), "spec", Messages.ESM_STARTING_POSITION_IMMUTABLE);
        KafkaSource before = old.kafka();
        KafkaSource after = updated.kafka();
        if (before != null && after != null) {
            rule(Objects.equals(before.bootstrapServers(), after.bootstrapServers())
                    && Objects.equals(before.topics(), after.topics())
                    && Objects.equals(before.consumerGroupId(), after.consumerGroupId()), "spec.kafka",
                    Messages.ESM_KAFKA_IMMUTABLE);
        }
    }

    private static int count(Object... present) {
        int count = 0;
        for (Object o : present) {
            if (o != null) {
                count++;
            }
        }
        return count;
    }

    /** CEL's size() of a string: code points. */
    private static long size(String s) {
        return s.codePointCount(0, s.length());
    }
}
