package dev.klambda.controller.reconcile;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;

import dev.klambda.core.code.CodeDigest;
import dev.klambda.core.code.DirectoryCodeStore;
import dev.klambda.core.layer.LayerStore;
import dev.klambda.core.layer.LayerVersion;
import dev.klambda.core.layer.LayerVersionArn;
import dev.klambda.crds.v1alpha1.function.Code;
import dev.klambda.crds.v1alpha1.function.ConfigMapCodeRef;
import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;
import dev.klambda.crds.v1alpha1.function.Layer;

/**
 * Whether a configuration's code and layers can be fetched by its pods: a zip named by SHA-256 is
 * in the code store, a ConfigMap holds its zip, a layer ARN names a published layer version. URLs
 * and images are taken on trust here; the pods' fetch (which verifies SHA-256) and image pull
 * report their problems.
 */
@Singleton
public class CodeChecks {

    /** What was found: CodeAvailable's reason and message, Lambda's CodeSha256 and size, the layers' zips. */
    record Result(boolean available, String reason, String message, String codeSha256, Long codeSize,
            List<String> layerSha256s) {

        static Result missing(String reason, String message) {
            return new Result(false, reason, message, null, null, List.of());
        }
    }

    @Inject
    DirectoryCodeStore codeStore;
    @Inject
    LayerStore layerStore;
    @Inject
    Tenants tenants;
    @Inject
    KubernetesClient client;

    Result check(String namespace, FunctionConfiguration configuration) {
        Code code = configuration.getCode();
        String sha256 = null;
        Long size = null;
        String source;
        if (code == null) {
            return Result.missing("CodeMissing", "spec.code names no code");
        } else if (code.path() != null) {
            return Result.missing("Unsupported", "code.path works in standalone klambda only; in a cluster name a zip in"
                    + " the code store by sha256 (CreateFunction and UpdateFunctionCode put it there), a url or a configMap");
        } else if (code.isImage()) {
            source = "image " + code.imageUri();
        } else if (code.configMap() != null) {
            ConfigMapCodeRef ref = code.configMap();
            String key = ref.key() != null ? ref.key() : "code.zip";
            ConfigMap map = client.configMaps().inNamespace(namespace).withName(ref.name()).get();
            String data = map == null || map.getBinaryData() == null ? null : map.getBinaryData().get(key);
            if (data == null) {
                return Result.missing("ConfigMapNotFound", "ConfigMap " + namespace + "/" + ref.name()
                        + (map == null ? " does not exist" : " has no binaryData key " + key));
            }
            CodeDigest digest = CodeDigest.of(java.util.Base64.getDecoder().decode(data));
            if (code.sha256() != null && !CodeDigest.toHex(code.sha256()).equals(digest.hex())) {
                return Result.missing("CodeMismatch", "the zip in ConfigMap " + namespace + "/" + ref.name()
                        + " has SHA-256 " + digest.hex() + ", not " + CodeDigest.toHex(code.sha256()));
            }
            sha256 = digest.base64();
            size = digest.size();
            source = "ConfigMap " + ref.name();
        } else if (code.url() != null) {
            sha256 = code.sha256() == null ? null : CodeDigest.parseHex(code.sha256()).map(CodeChecks::base64).orElse(null);
            source = code.url();
        } else {
            Optional<DirectoryCodeStore.Stored> stored = codeStore.find(code.sha256());
            if (stored.isEmpty()) {
                return Result.missing("CodeNotFound",
                        "the code store has no zip with SHA-256 " + CodeDigest.toHex(code.sha256()));
            }
            sha256 = stored.get().digest().base64();
            size = stored.get().digest().size();
            source = "the code store";
        }
        List<String> layers = new ArrayList<>();
        List<Layer> declared = configuration.getLayers() == null ? List.of() : configuration.getLayers();
        for (int i = 0; i < declared.size(); i++) {
            Layer layer = declared.get(i);
            if (layer.arn() != null) {
                Optional<LayerVersion> published = LayerVersionArn.parse(layer.arn()).flatMap(arn -> tenants
                        .namespaceOf(arn.accountId())
                        .flatMap(ns -> layerStore.get(ns, arn.layerName(), arn.version())));
                if (published.isEmpty()) {
                    return Result.missing("LayerNotFound", "layers[" + i + "]: " + layer.arn() + " does not exist");
                }
                layers.add(CodeDigest.toHex(published.get().sha256()));
            } else if (layer.path() != null) {
                return Result.missing("Unsupported", "layers[" + i + "].path works in standalone klambda only;"
                        + " in a cluster use a layer ARN or sha256");
            } else if (codeStore.find(layer.sha256()).isEmpty()) {
                return Result.missing("LayerNotFound", "layers[" + i + "]: the code store has no zip with SHA-256 "
                        + CodeDigest.toHex(layer.sha256()));
            } else {
                layers.add(CodeDigest.toHex(layer.sha256()));
            }
        }
        return new Result(true, "Found", "code from " + source
                + (layers.isEmpty() ? "" : " and " + layers.size() + " layer(s) from the code store"), sha256, size,
                layers);
    }

    private static String base64(String hex) {
        return java.util.Base64.getEncoder().encodeToString(java.util.HexFormat.of().parseHex(hex));
    }
}
