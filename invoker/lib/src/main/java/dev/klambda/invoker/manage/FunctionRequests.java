package dev.klambda.invoker.manage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.klambda.core.error.LambdaException;
import dev.klambda.crds.v1alpha1.function.DeadLetterConfig;
import dev.klambda.crds.v1alpha1.function.Environment;
import dev.klambda.crds.v1alpha1.function.EphemeralStorage;
import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;
import dev.klambda.crds.v1alpha1.function.ImageConfig;
import dev.klambda.crds.v1alpha1.function.Layer;
import dev.klambda.crds.v1alpha1.function.Runtime;
import dev.klambda.crds.v1alpha1.function.TracingConfig;

/**
 * The configuration members of CreateFunction and UpdateFunctionConfiguration, checked against
 * the service model's constraints (ValidationException) and Lambda's own rules
 * (InvalidParameterValueException), and applied to a Function's spec. Members a request leaves
 * out keep their value; the resource's own rules then run when the store writes it.
 */
final class FunctionRequests {

    static final String ROLE_PATTERN = "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+";
    private static final String HANDLER_PATTERN = "[^\\s]+";
    private static final int MAX_ENVIRONMENT_BYTES = 4096;
    private static final ObjectMapper JSON = new ObjectMapper();

    private FunctionRequests() {
    }

    /** Checks the configuration members of {@code body} and applies the given ones to {@code spec}. */
    static void apply(RequestBody body, FunctionConfiguration spec, String architecture) {
        Violations violations = new Violations();
        String role = body.string("Role");
        violations.pattern("role", role, ROLE_PATTERN);
        String handler = body.string("Handler");
        violations.length("handler", handler, 0, 128);
        violations.pattern("handler", handler, HANDLER_PATTERN);
        String description = body.string("Description");
        violations.length("description", description, 0, 256);
        Integer timeout = body.integer("Timeout");
        violations.range("timeout", timeout, 1, 900);
        Integer memory = body.integer("MemorySize");
        violations.range("memorySize", memory, 128, 10_240);
        RequestBody ephemeral = body.object("EphemeralStorage");
        Integer ephemeralSize = ephemeral == null ? null : ephemeral.integer("Size");
        if (ephemeral != null) {
            violations.required("ephemeralStorage.size", ephemeralSize);
            violations.range("ephemeralStorage.size", ephemeralSize, 512, 10_240);
        }
        RequestBody tracing = body.object("TracingConfig");
        String tracingMode = tracing == null ? null : tracing.string("Mode");
        if (tracingMode != null && !tracingMode.equals("Active") && !tracingMode.equals("PassThrough")) {
            violations.add("tracingConfig.mode", tracingMode, "Member must satisfy enum value set: [Active, PassThrough]");
        }
        violations.throwIfAny();

        String runtimeId = body.string("Runtime");
        Runtime runtime = runtimeId == null ? null : Runtime.fromId(runtimeId);
        if (runtimeId != null && runtime == null) {
            throw LambdaException.invalidParameter("Value " + runtimeId
                    + " at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: "
                    + Arrays.stream(Runtime.values()).map(Runtime::id).toList() + " or be a valid ARN");
        }
        refuseUnsupported(body, architecture);
        Environment environment = environment(body.object("Environment"), spec.getEnvironment());
        List<Layer> layers = layers(body.strings("Layers"));

        if (role != null) {
            spec.setRole(role);
        }
        if (handler != null) {
            spec.setHandler(handler);
        }
        if (description != null) {
            spec.setDescription(description.isEmpty() ? null : description);
        }
        if (timeout != null) {
            spec.setTimeout(timeout);
        }
        if (memory != null) {
            spec.setMemorySize(memory);
        }
        if (ephemeralSize != null) {
            spec.setEphemeralStorage(new EphemeralStorage(ephemeralSize));
        }
        if (tracingMode != null) {
            spec.setTracingConfig(new TracingConfig(TracingConfig.Mode.valueOf(tracingMode)));
        }
        if (runtime != null) {
            spec.setRuntime(runtime);
        }
        if (body.has("Environment")) {
            spec.setEnvironment(environment);
        }
        if (layers != null) {
            spec.setLayers(layers.isEmpty() ? null : layers);
        }
        RequestBody deadLetter = body.object("DeadLetterConfig");
        if (deadLetter != null) {
            String target = deadLetter.string("TargetArn");
            spec.setDeadLetterConfig(target == null || target.isEmpty() ? null : new DeadLetterConfig(target));
        }
        RequestBody image = body.object("ImageConfig");
        if (image != null) {
            ImageConfig config = new ImageConfig(image.strings("EntryPoint"), image.strings("Command"),
                    image.string("WorkingDirectory"));
            spec.setImageConfig(config.entryPoint() == null && config.command() == null && config.workingDirectory() == null
                    ? null
                    : config);
        }
    }

    /**
     * Members klambda has nothing to apply to: refused with a reason when they ask for something,
     * accepted when empty (as SDKs and tools often send them).
     */
    private static void refuseUnsupported(RequestBody body, String architecture) {
        RequestBody vpc = body.object("VpcConfig");
        if (vpc != null && ((vpc.strings("SubnetIds") != null && !vpc.strings("SubnetIds").isEmpty())
                || (vpc.strings("SecurityGroupIds") != null && !vpc.strings("SecurityGroupIds").isEmpty()))) {
            throw LambdaException.invalidParameter(
                    "klambda has no VPCs: functions reach networks as their network mode and NetworkPolicies allow.");
        }
        if (body.raw("FileSystemConfigs") != null && !body.raw("FileSystemConfigs").isEmpty()) {
            throw LambdaException.invalidParameter("klambda does not mount file systems into functions.");
        }
        String codeSigning = body.string("CodeSigningConfigArn");
        if (codeSigning != null && !codeSigning.isEmpty()) {
            throw LambdaException.invalidParameter("klambda does not verify code signatures.");
        }
        List<String> architectures = body.strings("Architectures");
        if (architectures != null) {
            if (architectures.size() != 1) {
                Violations size = new Violations();
                size.add("architectures", architectures, "Member must have length less than or equal to 1");
                size.throwIfAny();
            }
            if (!architectures.get(0).equals(architecture)) {
                throw LambdaException.invalidParameter("This platform runs functions on " + architecture
                        + ", not " + architectures.get(0) + ".");
            }
        }
    }

    /** The Environment member: it replaces all variables; secrets set in the resource stay. */
    private static Environment environment(RequestBody member, Environment current) {
        if (member == null) {
            return current;
        }
        Map<String, String> variables = member.stringMap("Variables");
        if (variables != null) {
            Violations violations = new Violations();
            for (String name : variables.keySet()) {
                violations.pattern("environment.variables." + name, name, "[a-zA-Z]([a-zA-Z0-9_])+");
            }
            violations.throwIfAny();
            TreeSet<String> reserved = new TreeSet<>(variables.keySet());
            reserved.retainAll(List.of(Environment.RESERVED));
            if (!reserved.isEmpty()) {
                throw LambdaException.invalidParameter("Lambda was unable to configure your environment variables "
                        + "because the environment variables you have provided contains reserved keys that are "
                        + "currently not supported for modification. Reserved keys used in this request: "
                        + String.join(",", reserved));
            }
            String measured;
            try {
                measured = JSON.writeValueAsString(variables);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a map of strings always serialises", e);
            }
            if (measured.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_ENVIRONMENT_BYTES) {
                throw LambdaException.invalidParameter("Lambda was unable to configure your environment variables "
                        + "because the environment variables you have provided exceeded the 4KB limit. String measured: "
                        + measured);
            }
        }
        Map<String, ?> secrets = current == null ? null : current.secrets();
        if ((variables == null || variables.isEmpty()) && secrets == null) {
            return null;
        }
        return new Environment(variables == null || variables.isEmpty() ? null : variables,
                current == null ? null : current.secrets());
    }

    private static List<Layer> layers(List<String> arns) {
        if (arns == null) {
            return null;
        }
        if (arns.size() > 5) {
            throw LambdaException.invalidParameter("Cannot reference more than 5 layers.");
        }
        List<Layer> layers = new ArrayList<>();
        for (String arn : arns) {
            Violations violations = new Violations();
            violations.pattern("layers", arn,
                    "arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+");
            violations.throwIfAny();
            layers.add(new Layer(arn, null, null));
        }
        return layers;
    }
}
