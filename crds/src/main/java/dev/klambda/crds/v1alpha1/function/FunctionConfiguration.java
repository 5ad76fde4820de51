package dev.klambda.crds.v1alpha1.function;

import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

import dev.klambda.crds.v1alpha1.Messages;
import dev.klambda.crds.v1alpha1.Patterns;

/**
 * The part of a function that a Version freezes: code and the configuration that shapes its
 * execution environment. {@link FunctionSpec} adds what belongs to the function as a whole.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.code) || has(self.code.imageUri) || (has(self.runtime) && has(self.handler))", message = Messages.ZIP_NEEDS_RUNTIME_AND_HANDLER)
@ValidationRule(value = "!has(self.code) || !has(self.code.imageUri) || (!has(self.runtime) && !has(self.handler) && !has(self.layers))", message = Messages.IMAGE_TAKES_NO_RUNTIME)
public class FunctionConfiguration {

    @JsonPropertyDescription("What the function is for.")
    @Size(max = 256)
    private String description;

    @JsonPropertyDescription("The Lambda runtime the code is written for, e.g. python3.12, nodejs20.x, java21, provided.al2023. Required unless code.imageUri is set.")
    private Runtime runtime;

    @JsonPropertyDescription("The function the runtime calls: module.function for Python, file.export for Node.js, package.Class::method for Java. Required unless code.imageUri is set.")
    @Pattern(Patterns.HANDLER)
    @Size(max = 128)
    private String handler;

    @JsonPropertyDescription("Where the function's code comes from.")
    @Required
    private Code code;

    @JsonPropertyDescription("Overrides of the container image's ENTRYPOINT, CMD and WORKDIR, for code.imageUri.")
    private ImageConfig imageConfig;

    @JsonPropertyDescription("Up to 5 layers, extracted in order into /opt before the code runs.")
    @Size(max = 5)
    private List<Layer> layers;

    @JsonPropertyDescription("Memory in MB (128-10240). CPU follows memory: one vCPU per 1769 MB.")
    @Min(128)
    @Max(10240)
    @Default("128")
    private Integer memorySize;

    @JsonPropertyDescription("Longest an invocation may run, in seconds (1-900).")
    @Min(1)
    @Max(900)
    @Default("3")
    private Integer timeout;

    @JsonPropertyDescription("Size of the writable /tmp.")
    private EphemeralStorage ephemeralStorage;

    @JsonPropertyDescription("Environment variables, literal and from Secrets.")
    private Environment environment;

    @JsonPropertyDescription("The execution role: the Kubernetes service account the function runs as, or an IAM role ARN whose last path segment names it. Default: the namespace's default service account.")
    @Pattern(Patterns.ROLE)
    @Size(max = 2048)
    private String role;

    @JsonPropertyDescription("Which networks the function may reach.")
    private NetworkConfig network;

    @JsonPropertyDescription("Tracing of invocations.")
    private TracingConfig tracingConfig;

    @JsonPropertyDescription("Where asynchronous events go after every attempt failed.")
    private DeadLetterConfig deadLetterConfig;

    public String getDescription() {
        return description;
    }

    public void setDescription(String description) {
        this.description = description;
    }

    public Runtime getRuntime() {
        return runtime;
    }

    public void setRuntime(Runtime runtime) {
        this.runtime = runtime;
    }

    public String getHandler() {
        return handler;
    }

    public void setHandler(String handler) {
        this.handler = handler;
    }

    public Code getCode() {
        return code;
    }

    public void setCode(Code code) {
        this.code = code;
    }

    public ImageConfig getImageConfig() {
        return imageConfig;
    }

    public void setImageConfig(ImageConfig imageConfig) {
        this.imageConfig = imageConfig;
    }

    public List<Layer> getLayers() {
        return layers;
    }

    public void setLayers(List<Layer> layers) {
        this.layers = layers;
    }

    public Integer getMemorySize() {
        return memorySize;
    }

    public void setMemorySize(Integer memorySize) {
        this.memorySize = memorySize;
    }

    public Integer getTimeout() {
        return timeout;
    }

    public void setTimeout(Integer timeout) {
        this.timeout = timeout;
    }

    public EphemeralStorage getEphemeralStorage() {
        return ephemeralStorage;
    }

    public void setEphemeralStorage(EphemeralStorage ephemeralStorage) {
        this.ephemeralStorage = ephemeralStorage;
    }

    public Environment getEnvironment() {
        return environment;
    }

    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    public String getRole() {
        return role;
    }

    public void setRole(String role) {
        this.role = role;
    }

    public NetworkConfig getNetwork() {
        return network;
    }

    public void setNetwork(NetworkConfig network) {
        this.network = network;
    }

    public TracingConfig getTracingConfig() {
        return tracingConfig;
    }

    public void setTracingConfig(TracingConfig tracingConfig) {
        this.tracingConfig = tracingConfig;
    }

    public DeadLetterConfig getDeadLetterConfig() {
        return deadLetterConfig;
    }

    public void setDeadLetterConfig(DeadLetterConfig deadLetterConfig) {
        this.deadLetterConfig = deadLetterConfig;
    }

    /** Copies the versioned configuration fields of {@code other} into this object. */
    protected void copyConfigurationFrom(FunctionConfiguration other) {
        description = other.description;
        runtime = other.runtime;
        handler = other.handler;
        code = other.code;
        imageConfig = other.imageConfig;
        layers = other.layers == null ? null : List.copyOf(other.layers);
        memorySize = other.memorySize;
        timeout = other.timeout;
        ephemeralStorage = other.ephemeralStorage;
        environment = other.environment;
        role = other.role;
        network = other.network;
        tracingConfig = other.tracingConfig;
        deadLetterConfig = other.deadLetterConfig;
    }

    /** The versioned configuration of {@code spec}, as a Version freezes it. */
    public static FunctionConfiguration of(FunctionConfiguration spec) {
        FunctionConfiguration configuration = new FunctionConfiguration();
        configuration.copyConfigurationFrom(spec);
        return configuration;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (o == null || getClass() != o.getClass()) {
            return false;
        }
        return configurationEquals((FunctionConfiguration) o);
    }

    protected boolean configurationEquals(FunctionConfiguration that) {
        return Objects.equals(description, that.description) && runtime == that.runtime
                && Objects.equals(handler, that.handler) && Objects.equals(code, that.code)
                && Objects.equals(imageConfig, that.imageConfig) && Objects.equals(layers, that.layers)
                && Objects.equals(memorySize, that.memorySize) && Objects.equals(timeout, that.timeout)
                && Objects.equals(ephemeralStorage, that.ephemeralStorage)
                && Objects.equals(environment, that.environment) && Objects.equals(role, that.role)
                && Objects.equals(network, that.network) && Objects.equals(tracingConfig, that.tracingConfig)
                && Objects.equals(deadLetterConfig, that.deadLetterConfig);
    }

    @Override
    public int hashCode() {
        return Objects.hash(description, runtime, handler, code, imageConfig, layers, memorySize, timeout,
                ephemeralStorage, environment, role, network, tracingConfig, deadLetterConfig);
    }
}
