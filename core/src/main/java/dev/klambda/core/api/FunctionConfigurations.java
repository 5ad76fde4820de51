package dev.klambda.core.api;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.klambda.core.name.Arns;
import dev.klambda.core.name.Qualifiers;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;
import dev.klambda.crds.v1alpha1.function.FunctionStatus;
import dev.klambda.crds.v1alpha1.function.Layer;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.crds.v1alpha1.version.VersionSnapshot;

/**
 * Renders Functions and Versions as Lambda's {@code FunctionConfiguration}, the shape
 * CreateFunction, GetFunction, ListFunctions and PublishVersion return. Members appear in the
 * service model's order and only when they have a value, as on AWS.
 */
public final class FunctionConfigurations {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final String region;
    private final String architecture;

    /**
     * @param region the region in ARNs
     * @param architecture {@code x86_64} or {@code arm64}: what this platform runs functions on
     */
    public FunctionConfigurations(String region, String architecture) {
        this.region = region;
        this.architecture = architecture;
    }

    /** The architecture functions run on: {@code x86_64} or {@code arm64}. */
    public String architecture() {
        return architecture;
    }

    /** The region in ARNs. */
    public String region() {
        return region;
    }

    /** The architecture Lambda would name for the JVM's {@code os.arch}. */
    public static String hostArchitecture() {
        String arch = System.getProperty("os.arch", "");
        return arch.equals("aarch64") || arch.equals("arm64") ? "arm64" : "x86_64";
    }

    /** How much of the configuration to render. */
    public enum Detail {
        /** GetFunction, CreateFunction, ...: everything, including State and LastUpdateStatus. */
        FULL,
        /** ListFunctions and ListVersionsByFunction: without the state members, as AWS lists them. */
        LIST
    }

    /** {@code $LATEST} of {@code function}, in account {@code accountId}. */
    public ObjectNode latest(Function function, String accountId, Detail detail) {
        FunctionStatus status = function.getStatus();
        String arn = Arns.function(region, accountId, function.functionName());
        ObjectNode out = common(function.functionName(), arn, function.getSpec(), accountId,
                status == null ? null : status.codeSha256(), status == null ? null : status.codeSize(),
                status != null && status.lastModified() != null ? status.lastModified()
                        : created(function.getMetadata().getCreationTimestamp()),
                Qualifiers.LATEST, status == null ? null : status.revisionId());
        if (detail == Detail.FULL) {
            state(out, status);
        }
        tail(out, function.functionName(), function.getSpec());
        return out;
    }

    /** Published {@code version} of {@code function}; the version must carry its snapshot and number. */
    public ObjectNode version(Function function, Version version, String accountId, Detail detail) {
        VersionSnapshot snapshot = version.getSpec().snapshot();
        String number = String.valueOf(version.getSpec().version());
        String arn = Arns.function(region, accountId, function.functionName(), number);
        ObjectNode out = common(function.functionName(), arn, snapshot.configuration(), accountId, snapshot.codeSha256(),
                snapshot.codeSize(),
                snapshot.publishedAt() != null ? snapshot.publishedAt() : created(version.getMetadata().getCreationTimestamp()),
                number, revisionOf(version));
        if (version.getSpec().description() != null) {
            out.put("Description", version.getSpec().description());
        }
        if (detail == Detail.FULL) {
            state(out, function.getStatus());
        }
        tail(out, function.functionName(), snapshot.configuration());
        return out;
    }

    private ObjectNode common(String name, String arn, FunctionConfiguration configuration, String accountId,
            String codeSha256, Long codeSize, String lastModified, String version, String revisionId) {
        ObjectNode out = JSON.objectNode();
        boolean image = configuration.getCode() != null && configuration.getCode().isImage();
        out.put("FunctionName", name);
        out.put("FunctionArn", arn);
        if (!image && configuration.getRuntime() != null) {
            out.put("Runtime", configuration.getRuntime().id());
        }
        out.put("Role", role(configuration.getRole(), accountId));
        if (!image && configuration.getHandler() != null) {
            out.put("Handler", configuration.getHandler());
        }
        out.put("CodeSize", codeSize == null ? 0 : codeSize);
        out.put("Description", configuration.getDescription() == null ? "" : configuration.getDescription());
        out.put("Timeout", configuration.getTimeout() == null ? 3 : configuration.getTimeout());
        out.put("MemorySize", configuration.getMemorySize() == null ? 128 : configuration.getMemorySize());
        out.put("LastModified", lastModified);
        out.put("CodeSha256", codeSha256 == null ? "" : codeSha256);
        out.put("Version", version);
        if (configuration.getEnvironment() != null && configuration.getEnvironment().variables() != null) {
            // Values from Secrets stay out of the API, as they stay out of the manifest.
            ObjectNode variables = out.putObject("Environment").putObject("Variables");
            new TreeMap<>(configuration.getEnvironment().variables()).forEach(variables::put);
        }
        out.putObject("TracingConfig").put("Mode",
                configuration.getTracingConfig() == null || configuration.getTracingConfig().mode() == null ? "PassThrough"
                        : configuration.getTracingConfig().mode().name());
        if (configuration.getDeadLetterConfig() != null && configuration.getDeadLetterConfig().targetArn() != null) {
            out.putObject("DeadLetterConfig").put("TargetArn", configuration.getDeadLetterConfig().targetArn());
        }
        if (revisionId != null) {
            out.put("RevisionId", revisionId);
        }
        if (configuration.getLayers() != null && configuration.getLayers().stream().anyMatch(l -> l.arn() != null)) {
            ArrayNode layers = out.putArray("Layers");
            for (Layer layer : configuration.getLayers()) {
                if (layer.arn() != null) {
                    layers.addObject().put("Arn", layer.arn());
                }
            }
        }
        return out;
    }

    private static void state(ObjectNode out, FunctionStatus status) {
        FunctionStatus.State state = status == null || status.state() == null ? FunctionStatus.State.Pending : status.state();
        out.put("State", state.name());
        putIfPresent(out, "StateReason", status == null ? null : status.stateReason());
        putIfPresent(out, "StateReasonCode", status == null ? null : status.stateReasonCode());
        if (status != null && status.lastUpdateStatus() != null) {
            out.put("LastUpdateStatus", status.lastUpdateStatus().name());
            putIfPresent(out, "LastUpdateStatusReason", status.lastUpdateStatusReason());
            putIfPresent(out, "LastUpdateStatusReasonCode", status.lastUpdateStatusReasonCode());
        }
    }

    private void tail(ObjectNode out, String name, FunctionConfiguration configuration) {
        boolean image = configuration.getCode() != null && configuration.getCode().isImage();
        out.put("PackageType", image ? "Image" : "Zip");
        if (image && configuration.getImageConfig() != null) {
            ObjectNode imageConfig = out.putObject("ImageConfigResponse").putObject("ImageConfig");
            if (configuration.getImageConfig().entryPoint() != null) {
                configuration.getImageConfig().entryPoint().forEach(imageConfig.putArray("EntryPoint")::add);
            }
            if (configuration.getImageConfig().command() != null) {
                configuration.getImageConfig().command().forEach(imageConfig.putArray("Command")::add);
            }
            putIfPresent(imageConfig, "WorkingDirectory", configuration.getImageConfig().workingDirectory());
        }
        out.putArray("Architectures").add(architecture);
        out.putObject("EphemeralStorage").put("Size",
                configuration.getEphemeralStorage() == null || configuration.getEphemeralStorage().size() == null ? 512
                        : configuration.getEphemeralStorage().size());
        ObjectNode snapStart = out.putObject("SnapStart");
        snapStart.put("ApplyOn", "None");
        snapStart.put("OptimizationStatus", "Off");
        ObjectNode logging = out.putObject("LoggingConfig");
        logging.put("LogFormat", "Text");
        logging.put("LogGroup", "/aws/lambda/" + name);
    }

    /** The role as Lambda shows it: an IAM role ARN. A service account name {@code sa} shows as {@code role/sa}. */
    static String role(String role, String accountId) {
        if (role == null) {
            return Arns.role(accountId, "default");
        }
        return role.startsWith("arn:") ? role : Arns.role(accountId, role);
    }

    private static String revisionOf(Version version) {
        String uid = version.getMetadata().getUid();
        return uid != null ? uid : null;
    }

    private static String created(String creationTimestamp) {
        Instant created = creationTimestamp == null ? Instant.EPOCH : Instant.parse(creationTimestamp);
        return LambdaTimestamps.iso(created);
    }

    private static void putIfPresent(ObjectNode out, String member, String value) {
        if (value != null) {
            out.put(member, value);
        }
    }

    /** Lambda's {@code Concurrency} member of GetFunction, or null when no reservation is set. */
    public static ObjectNode concurrency(Function function) {
        Integer reserved = function.getSpec().getReservedConcurrentExecutions();
        if (reserved == null) {
            return null;
        }
        return JSON.objectNode().put("ReservedConcurrentExecutions", reserved);
    }

    /** Lambda's {@code Tags} member of GetFunction, or null when the function has none. */
    public static ObjectNode tags(Function function) {
        Map<String, String> tags = function.getSpec().getTags();
        if (tags == null || tags.isEmpty()) {
            return null;
        }
        ObjectNode out = JSON.objectNode();
        new TreeMap<>(tags).forEach(out::put);
        return out;
    }
}
