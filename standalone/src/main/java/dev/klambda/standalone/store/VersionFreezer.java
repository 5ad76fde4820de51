package dev.klambda.standalone.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.runtime.annotations.RegisterForReflection;

import dev.klambda.core.api.LambdaTimestamps;
import dev.klambda.core.code.CodeDigest;
import dev.klambda.core.code.DirectoryCodeStore;
import dev.klambda.crds.v1alpha1.function.Code;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;
import dev.klambda.crds.v1alpha1.function.FunctionStatus;
import dev.klambda.crds.v1alpha1.function.Layer;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.crds.v1alpha1.version.VersionSnapshot;
import dev.klambda.crds.v1alpha1.version.VersionSpec;

/**
 * Standalone's stand-in for the controller's version publishing. A Version that names only its
 * function gets the function's $LATEST frozen into it once: code and layers into the code store,
 * the configuration pointing at them by SHA-256, and the next number the function never had.
 * Every published Version is recorded in {@code KLAMBDA_HOME/versions/<namespace>/<function>/<name>.json}
 * and keeps that number and snapshot for good: across restarts, edits of $LATEST, and the deletion
 * and return of its manifest. Called from the store's rescan, one thread at a time.
 */
final class VersionFreezer {

    private static final Logger LOG = Logger.getLogger(VersionFreezer.class);

    /** What a published Version keeps for good. */
    @RegisterForReflection
    record Frozen(int version, VersionSnapshot snapshot) {
    }

    /** Where to say why a Version stays unpublished. */
    @FunctionalInterface
    interface Problems {
        void report(Version version, String reason);
    }

    /** Why a Version cannot be published now: it stays unpublished, and this is reported. */
    private static final class Refusal extends Exception {
        Refusal(String reason) {
            super(reason, null, false, false);
        }
    }

    private final Path root;
    private final DirectoryCodeStore codeStore;
    private final ObjectMapper json;
    private final Clock clock;
    /** Each function's records by Version name, read from disk on first use and kept up to date after. */
    private final Map<Path, Map<String, Frozen>> records = new HashMap<>();

    VersionFreezer(Path home, DirectoryCodeStore codeStore, ObjectMapper mapper, Clock clock) {
        this.root = home.resolve("versions");
        this.codeStore = codeStore;
        this.json = mapper.copy().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        this.clock = clock;
    }

    /**
     * {@code manifest} as it was published, if it was: with its recorded number and snapshot. An
     * unreadable record counts as none here; {@link #publish} reports it.
     */
    Optional<Version> frozen(Version manifest) {
        try {
            Frozen frozen = records(manifest.getMetadata().getNamespace(), manifest.getSpec().functionName())
                    .get(manifest.getMetadata().getName());
            return Optional.ofNullable(frozen).map(f -> withFrozen(manifest, f));
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /** {@code manifest} applied over its published {@code frozen} self, as kubectl apply does: what it leaves out stays. */
    static Version applied(Version manifest, Version frozen) {
        VersionSpec spec = manifest.getSpec();
        return withFrozen(manifest, new Frozen(spec.version() != null ? spec.version() : frozen.getSpec().version(),
                spec.snapshot() != null ? spec.snapshot() : frozen.getSpec().snapshot()));
    }

    /**
     * The Versions of one function, published: those published before with their recorded number
     * and snapshot, the others published now, or left unpublished with a reported reason.
     *
     * @param function the function's loaded resource (with its status), or null if there is none
     * @param functionManifest the function's manifest file, which its code and layer paths are relative to
     */
    List<Version> publish(String namespace, String functionName, List<Version> versions, Function function,
            Path functionManifest, Problems problems) {
        Map<String, Frozen> recorded;
        try {
            recorded = records(namespace, functionName);
        } catch (IOException | UncheckedIOException e) {
            versions.forEach(v -> problems.report(v, "cannot read the published versions of " + functionName
                    + " under " + functionDirectory(namespace, functionName) + ": " + e.getMessage()));
            return versions;
        }
        List<Version> published = new ArrayList<>(versions.size());
        // Versions published before keep their numbers, then those that name theirs, then the rest count on.
        for (Version version : versions.stream().sorted(Comparator.comparingInt(v -> rank(v, recorded))).toList()) {
            Frozen frozen = recorded.get(version.getMetadata().getName());
            if (frozen == null) {
                frozen = publish(version, versions, recorded, function, functionManifest, problems);
            }
            published.add(frozen == null ? version : withFrozen(version, frozen));
        }
        return published;
    }

    private static int rank(Version version, Map<String, Frozen> recorded) {
        if (recorded.containsKey(version.getMetadata().getName())) {
            return 0;
        }
        return version.getSpec().version() != null ? 1 : 2;
    }

    /** Publishes {@code version} and records it in {@code recorded}; null, with the reason reported, if it cannot be. */
    private Frozen publish(Version version, List<Version> versions, Map<String, Frozen> recorded, Function function,
            Path functionManifest, Problems problems) {
        VersionSpec spec = version.getSpec();
        String namespace = version.getMetadata().getNamespace();
        String name = version.getMetadata().getName();
        try {
            int number = number(version, versions, recorded);
            Frozen frozen = new Frozen(number,
                    spec.snapshot() != null ? spec.snapshot() : snapshot(spec, function, functionManifest));
            record(namespace, spec.functionName(), name, frozen);
            recorded.put(name, frozen);
            if (spec.snapshot() == null) {
                LOG.infof("Version(%s/%s) published: version %d of %s, CodeSha256 %s", namespace, name, number,
                        spec.functionName(), frozen.snapshot().codeSha256());
            }
            return frozen;
        } catch (Refusal e) {
            problems.report(version, e.getMessage());
        } catch (IOException | UncheckedIOException e) {
            problems.report(version, "cannot publish: " + e.getMessage());
        }
        return null;
    }

    /**
     * The number {@code version} is published as: the one it names, unless another Version of the
     * function had it; else one more than any the function had or its Versions name.
     */
    private static int number(Version version, List<Version> versions, Map<String, Frozen> recorded) throws Refusal {
        Integer named = version.getSpec().version();
        if (named == null) {
            return 1 + Stream.concat(recorded.values().stream().map(Frozen::version),
                    versions.stream().map(v -> v.getSpec().version()))
                    .filter(Objects::nonNull).mapToInt(Integer::intValue).max().orElse(0);
        }
        for (Map.Entry<String, Frozen> holder : recorded.entrySet()) {
            if (holder.getValue().version() == named) {
                throw new Refusal("spec.version: Invalid value: " + named + ": version " + named + " of "
                        + version.getSpec().functionName() + " was published as Version("
                        + version.getMetadata().getNamespace() + "/" + holder.getKey() + "); a number is never used twice");
            }
        }
        return named;
    }

    /** $LATEST frozen: code and layers stored and named by SHA-256, as PublishVersion would freeze them. */
    private VersionSnapshot snapshot(VersionSpec spec, Function function, Path functionManifest)
            throws Refusal, IOException {
        if (function == null) {
            throw new Refusal("spec.functionName: function " + spec.functionName()
                    + " does not exist; the version is published once it does");
        }
        FunctionConfiguration configuration = json.convertValue(function.getSpec(), FunctionConfiguration.class);
        String publishedAt = LambdaTimestamps.iso(clock.instant());
        Code code = configuration.getCode();
        if (code.isImage()) {
            // Standalone cannot run images (so the function is Failed here), but their configuration is all there is to freeze.
            if (spec.codeSha256() != null) {
                throw new Refusal("spec.codeSha256: $LATEST of " + spec.functionName()
                        + " is a container image, which has no CodeSHA256 here: pin the image by digest in code.imageUri instead");
            }
            return new VersionSnapshot(null, null, configuration, publishedAt);
        }
        FunctionStatus status = function.getStatus();
        if (status == null || status.state() != FunctionStatus.State.Active) {
            throw new Refusal("cannot publish: function " + spec.functionName() + " is not Active"
                    + (status == null || status.stateReason() == null ? "" : " (" + status.stateReason() + ")")
                    + "; the version is published once it is");
        }
        CodeDigest digest = stored(code.path(), code.sha256(), functionManifest, "code.path").digest();
        if (spec.codeSha256() != null && !CodeDigest.toHex(spec.codeSha256()).equals(digest.hex())) {
            throw new Refusal("spec.codeSha256: CodeSHA256 (" + spec.codeSha256()
                    + ") is different from current CodeSHA256 in $LATEST (" + digest.base64()
                    + "). Please try again with the CodeSHA256 in $LATEST.");
        }
        configuration.setCode(new Code(null, digest.hex(), null, null, null));
        if (configuration.getLayers() != null) {
            List<Layer> layers = new ArrayList<>();
            for (int i = 0; i < configuration.getLayers().size(); i++) {
                Layer layer = configuration.getLayers().get(i);
                layers.add(layer.arn() != null ? layer
                        : new Layer(null, null,
                                stored(layer.path(), layer.sha256(), functionManifest, "layers[" + i + "].path").digest()
                                        .hex()));
            }
            configuration.setLayers(layers);
        }
        return new VersionSnapshot(digest.base64(), digest.size(), configuration, publishedAt);
    }

    /** The package of a code or layer (see {@link DirectoryCodeStore#resolve}); a missing one refuses the publication. */
    private DirectoryCodeStore.Stored stored(String path, String sha256, Path manifest, String field)
            throws Refusal, IOException {
        try {
            return codeStore.resolve(manifest.getParent(), path, sha256);
        } catch (DirectoryCodeStore.MissingPackageException e) {
            throw new Refusal("cannot publish: " + (path == null ? "" : field + ": ") + e.getMessage());
        }
    }

    private Path functionDirectory(String namespace, String functionName) {
        return root.resolve(namespace).resolve(functionName);
    }

    private Map<String, Frozen> records(String namespace, String functionName) throws IOException {
        Path directory = functionDirectory(namespace, functionName);
        Map<String, Frozen> cached = records.get(directory);
        if (cached != null) {
            return cached;
        }
        Map<String, Frozen> read = new HashMap<>();
        if (Files.isDirectory(directory)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.json")) {
                for (Path file : files) {
                    String name = file.getFileName().toString();
                    read.put(name.substring(0, name.length() - ".json".length()),
                            json.readValue(file.toFile(), Frozen.class));
                }
            }
        }
        records.put(directory, read);
        return read;
    }

    private void record(String namespace, String functionName, String versionName, Frozen frozen) throws IOException {
        Path directory = Files.createDirectories(functionDirectory(namespace, functionName));
        Path temp = Files.createTempFile(directory, "." + versionName, ".tmp");
        try {
            // On disk before it takes the record's name: a crash leaves the old state or the new one, never half of it.
            Files.write(temp, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(frozen), StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SYNC);
            Files.move(temp, directory.resolve(versionName + ".json"), StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static Version withFrozen(Version version, Frozen frozen) {
        VersionSpec spec = version.getSpec();
        Version copy = new Version();
        copy.setMetadata(version.getMetadata());
        copy.setSpec(new VersionSpec(spec.functionName(), frozen.version(), spec.description(), spec.codeSha256(),
                frozen.snapshot(), spec.provisionedConcurrentExecutions(), spec.eventInvokeConfig()));
        copy.setStatus(version.getStatus());
        return copy;
    }
}
