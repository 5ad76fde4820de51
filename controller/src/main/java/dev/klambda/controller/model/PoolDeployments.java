package dev.klambda.controller.model;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.CapabilitiesBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SeccompProfileBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;

import dev.klambda.core.code.CodeDigest;
import dev.klambda.core.pool.PoolNames;
import dev.klambda.crds.v1alpha1.function.Code;
import dev.klambda.crds.v1alpha1.function.ConfigMapCodeRef;
import dev.klambda.crds.v1alpha1.function.Environment;
import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;
import dev.klambda.crds.v1alpha1.function.ImageConfig;
import dev.klambda.crds.v1alpha1.function.SecretKeyRef;

/**
 * A pool as a Deployment of function pods: the runtime image (or the function's own image with
 * the agent copied in), an init container that fetches and verifies code and layers, the
 * function's environment, CPU and memory from its memory size, {@code /tmp} of its ephemeral
 * storage size, its service account, a restricted security context and a readiness probe on the
 * agent. Desired state only: no client calls.
 */
public final class PoolDeployments {

    /** Annotation with a hash of everything the controller sets, so that drift is seen without comparing defaults. */
    public static final String TEMPLATE_HASH = "klambda.dev/template-hash";
    /** Annotation with the most the pool was asked for within the idle time, and until when, for the next leader. */
    public static final String DEMAND = "klambda.dev/demand";
    /** Where the agent takes invocations, and answers readiness. */
    public static final int INVOKE_PORT = 8080;
    public static final String READY_PATH = "/klambda/ready";
    /** Lambda's ratio: one vCPU per 1,769 MB of memory. */
    static final int MB_PER_VCPU = 1769;
    static final int UID = 1000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TASK = "/var/task";
    private static final String OPT = "/opt";
    private static final String CONFIG_MAP_CODE = "/klambda/code";
    private static final String AGENT_BIN = "/klambda/bin";
    /** The ENTRYPOINT of AWS's Lambda base images, which start the runtime client with the handler as argument. */
    static final List<String> LAMBDA_BASE_IMAGE_ENTRY_POINT = List.of("/lambda-entrypoint.sh");

    private PoolDeployments() {
    }

    public static Deployment desired(PoolSpec pool, PoolSettings settings) {
        String name = PoolNames.pool(pool.functionName(), pool.version());
        Map<String, String> labels = PoolNames.labels(pool.functionName(), pool.version());
        PodTemplateSpec template = template(pool, settings, labels);
        return new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(pool.namespace()).withLabels(labels)
                .withAnnotations(annotations(template, pool)).endMetadata()
                .withNewSpec().withReplicas(pool.replicas()).withRevisionHistoryLimit(2)
                .withNewSelector().withMatchLabels(Map.of(PoolNames.POOL, name)).endSelector()
                // New environments come up before old ones go: a pool never drops below its size.
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxSurge(new IntOrString("25%")).withMaxUnavailable(new IntOrString(0)).endRollingUpdate()
                .endStrategy()
                .withTemplate(template).endSpec()
                .build();
    }

    /** The Deployment's annotations: the remembered demand, if any, and the hash of everything the controller sets. */
    private static Map<String, String> annotations(PodTemplateSpec template, PoolSpec pool) {
        String hash = hash(template, pool.replicas() + (pool.demand() == null ? "" : "\n" + pool.demand()));
        return pool.demand() == null ? Map.of(TEMPLATE_HASH, hash)
                : Map.of(TEMPLATE_HASH, hash, DEMAND, pool.demand());
    }

    /** The hash {@link #TEMPLATE_HASH} carries: of the pod template and the rest the controller sets. */
    static String hash(PodTemplateSpec template, String rest) {
        try {
            return CodeDigest.sha256Hex(JSON.writeValueAsString(template) + "\n" + rest).substring(0, 16);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a pod template is always JSON", e);
        }
    }

    private static PodTemplateSpec template(PoolSpec pool, PoolSettings settings, Map<String, String> labels) {
        FunctionConfiguration configuration = pool.configuration();
        Code code = configuration.getCode();
        boolean image = code != null && code.isImage();
        List<Volume> volumes = new ArrayList<>();
        volumes.add(emptyDir("task", null));
        volumes.add(emptyDir("opt", null));
        volumes.add(emptyDir("tmp", ephemeralMb(configuration) + "Mi"));
        List<Container> init = new ArrayList<>();
        Map<String, String> fetch = fetchEnvironment(pool, settings);
        if (code != null && code.configMap() != null) {
            ConfigMapCodeRef ref = code.configMap();
            volumes.add(new VolumeBuilder().withName("code").withNewConfigMap().withName(ref.name())
                    .addNewItem().withKey(key(ref)).withPath("code.zip").endItem().endConfigMap().build());
        }
        if (!fetch.isEmpty()) {
            List<VolumeMount> mounts = new ArrayList<>(List.of(mount("task", TASK, false), mount("opt", OPT, false)));
            if (code != null && code.configMap() != null) {
                mounts.add(mount("code", CONFIG_MAP_CODE, true));
            }
            init.add(new ContainerBuilder().withName("fetch").withImage(settings.agentImage())
                    .withImagePullPolicy(settings.imagePullPolicy()).withCommand("/klambda-agent", "fetch")
                    .withEnv(fetch.entrySet().stream().map(e -> env(e.getKey(), e.getValue())).toList())
                    .withVolumeMounts(mounts).withSecurityContext(restricted())
                    .withResources(new ResourceRequirementsBuilder()
                            .withRequests(Map.of("cpu", new Quantity("100m"), "memory", new Quantity("64Mi")))
                            .withLimits(Map.of("memory", new Quantity("256Mi"))).build())
                    .build());
        }
        if (image) {
            volumes.add(emptyDir("agent", null));
            init.add(new ContainerBuilder().withName("install-agent").withImage(settings.agentImage())
                    .withImagePullPolicy(settings.imagePullPolicy())
                    .withCommand("/klambda-agent", "install", AGENT_BIN)
                    .withVolumeMounts(mount("agent", AGENT_BIN, false)).withSecurityContext(restricted()).build());
        }
        return new PodTemplateSpecBuilder()
                // $LATEST's pods say which revision they run, so invokers send only to the current one
                .withNewMetadata().withLabels(labels)
                .withAnnotations(pool.revision() == null ? Map.of() : Map.of(PoolNames.REVISION, pool.revision()))
                .endMetadata()
                .withNewSpec()
                .withServiceAccountName(serviceAccount(configuration.getRole()))
                // The execution role's token only when a role is named; the default account's is of no use to a function.
                .withAutomountServiceAccountToken(configuration.getRole() != null)
                .withEnableServiceLinks(false)
                .withTerminationGracePeriodSeconds((long) timeoutSeconds(configuration) + 5)
                .withSecurityContext(new PodSecurityContextBuilder().withRunAsNonRoot(true).withRunAsUser((long) UID)
                        .withRunAsGroup((long) UID).withFsGroup((long) UID)
                        .withSeccompProfile(new SeccompProfileBuilder().withType("RuntimeDefault").build()).build())
                .withInitContainers(init)
                .withContainers(function(pool, settings, image))
                .withVolumes(volumes)
                .endSpec()
                .build();
    }

    private static Container function(PoolSpec pool, PoolSettings settings, boolean image) {
        FunctionConfiguration configuration = pool.configuration();
        int memory = memoryMb(configuration);
        long millicores = (memory * 1000L + MB_PER_VCPU - 1) / MB_PER_VCPU;
        Map<String, Quantity> resources = Map.of("cpu", new Quantity(millicores + "m"), "memory",
                new Quantity(memory + "Mi"), "ephemeral-storage", new Quantity(ephemeralMb(configuration) + "Mi"));
        List<VolumeMount> mounts = new ArrayList<>(List.of(mount("task", TASK, true), mount("opt", OPT, true),
                mount("tmp", "/tmp", false)));
        ContainerBuilder container = new ContainerBuilder().withName("function")
                .withImagePullPolicy(settings.imagePullPolicy())
                .withEnv(functionEnvironment(pool, image))
                .addNewPort().withName("invoke").withContainerPort(INVOKE_PORT).withProtocol("TCP").endPort()
                .withNewReadinessProbe().withNewHttpGet().withPath(READY_PATH).withPort(new IntOrString(INVOKE_PORT))
                .endHttpGet().withPeriodSeconds(1).withFailureThreshold(1).endReadinessProbe()
                .withResources(new ResourceRequirementsBuilder().withRequests(resources).withLimits(resources).build())
                .withSecurityContext(restricted());
        if (image) {
            mounts.add(mount("agent", AGENT_BIN, true));
            ImageConfig imageConfig = configuration.getImageConfig();
            container.withImage(configuration.getCode().imageUri()).withCommand(AGENT_BIN + "/klambda-agent");
            if (imageConfig != null && imageConfig.workingDirectory() != null) {
                container.withWorkingDir(imageConfig.workingDirectory());
            }
        } else {
            container.withImage(runtimeImage(configuration, settings));
        }
        return container.withVolumeMounts(mounts).build();
    }

    /** The image of a zip function's runtime. */
    static String runtimeImage(FunctionConfiguration configuration, PoolSettings settings) {
        String runtime = configuration.getRuntime().id();
        String image = settings.runtimeImages().get(runtime);
        if (image == null) {
            throw new IllegalArgumentException("no runtime image is configured for " + runtime
                    + " (klambda.controller.runtime-images.\"" + runtime + "\")");
        }
        return image;
    }

    private static List<EnvVar> functionEnvironment(PoolSpec pool, boolean image) {
        FunctionConfiguration configuration = pool.configuration();
        Map<String, String> values = new LinkedHashMap<>();
        values.put("KLAMBDA_FUNCTION_NAME", pool.functionName());
        values.put("KLAMBDA_FUNCTION_VERSION", pool.version());
        values.put("KLAMBDA_REGION", pool.region());
        values.put("KLAMBDA_ACCOUNT_ID", pool.accountId());
        values.put("KLAMBDA_RUNTIME", image ? "provided.al2023" : configuration.getRuntime().id());
        if (configuration.getHandler() != null) {
            values.put("KLAMBDA_HANDLER", configuration.getHandler());
        }
        values.put("KLAMBDA_MEMORY_SIZE", Integer.toString(memoryMb(configuration)));
        values.put("KLAMBDA_TIMEOUT", timeoutSeconds(configuration) + "s");
        ImageConfig imageConfig = configuration.getImageConfig();
        if (image) {
            // The agent took the image's entrypoint over, and runs what the image would have run: Lambda's
            // ImageConfig overrides, as JSON arrays, else the entrypoint of Lambda's base images (the
            // controller cannot read the image's own; images on other bases set ImageConfig.EntryPoint).
            values.put("KLAMBDA_IMAGE_ENTRY_POINT", json(imageConfig != null && imageConfig.entryPoint() != null
                    ? imageConfig.entryPoint()
                    : LAMBDA_BASE_IMAGE_ENTRY_POINT));
            if (imageConfig != null && imageConfig.command() != null) {
                values.put("KLAMBDA_IMAGE_COMMAND", json(imageConfig.command()));
            }
        }
        List<EnvVar> environment = new ArrayList<>(values.entrySet().stream().map(e -> env(e.getKey(), e.getValue()))
                .toList());
        Environment user = configuration.getEnvironment();
        if (user != null && user.variables() != null) {
            user.variables().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> environment.add(env("KLAMBDA_ENV_" + e.getKey(), e.getValue())));
        }
        if (user != null && user.secrets() != null) {
            user.secrets().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
                SecretKeyRef ref = e.getValue();
                environment.add(new EnvVarBuilder().withName("KLAMBDA_ENV_" + e.getKey()).withNewValueFrom()
                        .withNewSecretKeyRef().withName(ref.name()).withKey(ref.key()).endSecretKeyRef().endValueFrom()
                        .build());
            });
        }
        return environment;
    }

    /** What the fetch init container gets; empty when there is nothing to fetch (an image without layers). */
    static Map<String, String> fetchEnvironment(PoolSpec pool, PoolSettings settings) {
        Code code = pool.configuration().getCode();
        Map<String, String> values = new LinkedHashMap<>();
        if (code != null && !code.isImage()) {
            if (code.url() != null) {
                values.put("KLAMBDA_FETCH_CODE", code.url());
            } else if (code.configMap() != null) {
                values.put("KLAMBDA_FETCH_CODE", "file://" + CONFIG_MAP_CODE + "/code.zip");
            } else if (code.sha256() != null) {
                values.put("KLAMBDA_FETCH_CODE", storeLocation(code.sha256(), settings));
            }
            if (code.sha256() != null) {
                values.put("KLAMBDA_FETCH_CODE_SHA256", CodeDigest.toHex(code.sha256()));
            }
        }
        if (!pool.layerSha256s().isEmpty()) {
            StringBuilder layers = new StringBuilder();
            for (String sha256 : pool.layerSha256s()) {
                String hex = CodeDigest.toHex(sha256);
                layers.append(storeLocation(hex, settings)).append(' ').append(hex).append('\n');
            }
            values.put("KLAMBDA_FETCH_LAYERS", layers.toString());
        }
        return values;
    }

    private static String storeLocation(String sha256, PoolSettings settings) {
        return settings.codeLocations().poolLocation(settings.codeStoreUrl(), CodeDigest.toHex(sha256));
    }

    /** The service account an execution role names: itself, or the last path segment of an IAM role ARN. */
    static String serviceAccount(String role) {
        if (role == null) {
            return "default";
        }
        return role.startsWith("arn:") ? role.substring(role.lastIndexOf('/') + 1) : role;
    }

    static int memoryMb(FunctionConfiguration configuration) {
        return configuration.getMemorySize() != null ? configuration.getMemorySize() : 128;
    }

    static int timeoutSeconds(FunctionConfiguration configuration) {
        return configuration.getTimeout() != null ? configuration.getTimeout() : 3;
    }

    static int ephemeralMb(FunctionConfiguration configuration) {
        return configuration.getEphemeralStorage() != null && configuration.getEphemeralStorage().size() != null
                ? configuration.getEphemeralStorage().size()
                : 512;
    }

    private static String key(ConfigMapCodeRef ref) {
        return ref.key() != null ? ref.key() : "code.zip";
    }

    /** Non-root, read-only root filesystem, no privilege escalation, no capabilities, the runtime's seccomp profile. */
    static SecurityContext restricted() {
        Capabilities none = new CapabilitiesBuilder().withDrop("ALL").build();
        return new SecurityContextBuilder().withRunAsNonRoot(true).withReadOnlyRootFilesystem(true)
                .withAllowPrivilegeEscalation(false).withPrivileged(false).withCapabilities(none)
                .withSeccompProfile(new SeccompProfileBuilder().withType("RuntimeDefault").build()).build();
    }

    private static Volume emptyDir(String name, String sizeLimit) {
        return new VolumeBuilder().withName(name).withNewEmptyDir()
                .withSizeLimit(sizeLimit == null ? null : new Quantity(sizeLimit)).endEmptyDir().build();
    }

    private static VolumeMount mount(String name, String path, boolean readOnly) {
        return new VolumeMountBuilder().withName(name).withMountPath(path).withReadOnly(readOnly).build();
    }

    private static EnvVar env(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    private static String json(List<String> values) {
        try {
            return new String(JSON.writeValueAsBytes(values), StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a list of strings is always JSON", e);
        }
    }
}
