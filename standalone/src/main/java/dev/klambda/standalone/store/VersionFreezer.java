package dev.klambda.standalone.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.klambda.core.api.LambdaTimestamps;
import dev.klambda.core.code.CodeDigest;
import dev.klambda.core.code.CodePackages;
import dev.klambda.core.code.DirectoryCodeStore;
import dev.klambda.crds.v1alpha1.Messages;
import dev.klambda.crds.v1alpha1.function.Code;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionConfiguration;
import dev.klambda.crds.v1alpha1.function.FunctionStatus;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.crds.v1alpha1.version.VersionSnapshot;
import dev.klambda.crds.v1alpha1.version.VersionSpec;

/**
 * Standalone's stand-in for the controller's version freezing: a Version that names only its
 * function gets the function's $LATEST frozen into it once (code into the code store, configuration
 * pointing at it by SHA-256) and the next number never used for the function. What was frozen is
 * kept under {@code KLAMBDA_HOME/versions}, so a Version keeps its snapshot across restarts and
 * changes of $LATEST. Called from the store's rescan, one thread at a time.
 */
final class VersionFreezer {

    /** What a frozen Version keeps: its number and snapshot. */
    record Frozen(Integer version, VersionSnapshot snapshot) {
    }

    private final Path root;
    private final DirectoryCodeStore codeStore;
    private final ObjectMapper json;
    private final Clock clock;

    VersionFreezer(Path home, DirectoryCodeStore codeStore, ObjectMapper mapper, Clock clock) {
        this.root = home.resolve("versions");
        this.codeStore = codeStore;
        this.json = mapper.copy().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        this.clock = clock;
    }

    /**
     * {@code version} with its snapshot: the one frozen before, or $LATEST's now.
     *
     * @param function the function's loaded resource (with status), or null when it does not exist
     * @param functionManifest where the function's manifest is, for its code path
     * @param numbers the numbers the function's other Versions hold
     * @param problems where to say why a Version cannot be frozen (it then stays unfrozen)
     */
    Version freeze(Version version, Function function, Path functionManifest, List<Integer> numbers,
            List<String> problems) {
        VersionSpec spec = version.getSpec();
        if (spec.snapshot() != null) {
            return version;
        }
        Path record = root.resolve(version.getMetadata().getNamespace()).resolve(version.getMetadata().getName() + ".json");
        Optional<Frozen> frozen = read(record);
        if (frozen.isPresent()) {
            if (spec.version() != null && !spec.version().equals(frozen.get().version())) {
                problems.add("spec.version: Invalid value: " + spec.version() + ": " + Messages.VERSION_NUMBER_SET_ONCE
                        + " (it is " + frozen.get().version() + ")");
                return version;
            }
            return withSnapshot(version, frozen.get());
        }
        if (function == null) {
            problems.add("spec.functionName: function " + spec.functionName()
                    + " does not exist; the version is published once it does");
            return version;
        }
        FunctionStatus status = function.getStatus();
        if (status == null || status.state() != FunctionStatus.State.Active) {
            problems.add("cannot publish: function " + spec.functionName() + " is not Active"
                    + (status == null || status.stateReason() == null ? "" : " (" + status.stateReason() + ")"));
            return version;
        }
        try {
            VersionSnapshot snapshot = snapshot(spec, function, functionManifest, problems);
            if (snapshot == null) {
                return version;
            }
            Frozen made = new Frozen(spec.version() != null ? spec.version() : nextNumber(version, numbers), snapshot);
            write(record, made);
            return withSnapshot(version, made);
        } catch (IOException | UncheckedIOException e) {
            problems.add("cannot publish: " + e.getMessage());
            return version;
        }
    }

    private VersionSnapshot snapshot(VersionSpec spec, Function function, Path functionManifest, List<String> problems)
            throws IOException {
        Code code = function.getSpec().getCode();
        FunctionConfiguration configuration = json.convertValue(function.getSpec(), FunctionConfiguration.class);
        if (code.isImage()) {
            return new VersionSnapshot(null, null, configuration, LambdaTimestamps.iso(clock.instant()));
        }
        DirectoryCodeStore.Stored stored;
        if (code.path() != null) {
            Path source = functionManifest.getParent().resolve(code.path()).normalize();
            stored = codeStore.put(out -> CodePackages.writePackage(source, out));
        } else {
            stored = codeStore.find(code.sha256()).orElseThrow(
                    () -> new IOException("the code store has no zip with SHA-256 " + CodeDigest.toHex(code.sha256())));
        }
        CodeDigest digest = stored.digest();
        if (spec.codeSha256() != null && !CodeDigest.toHex(spec.codeSha256()).equals(digest.hex())) {
            problems.add("spec.codeSha256: CodeSHA256 (" + spec.codeSha256()
                    + ") is different from current CodeSHA256 in $LATEST (" + digest.base64()
                    + "). Please try again with the CodeSHA256 in $LATEST.");
            return null;
        }
        configuration.setCode(new Code(null, digest.hex(), null, null, null));
        return new VersionSnapshot(digest.base64(), digest.size(), configuration, LambdaTimestamps.iso(clock.instant()));
    }

    /** One more than any number the function ever had: numbers are never reused, even after a deletion. */
    private int nextNumber(Version version, List<Integer> numbers) throws IOException {
        Path last = root.resolve(version.getMetadata().getNamespace())
                .resolve(version.getSpec().functionName() + ".last-number");
        int highest = Files.exists(last) ? Integer.parseInt(Files.readString(last).trim()) : 0;
        for (Integer number : numbers) {
            if (number != null) {
                highest = Math.max(highest, number);
            }
        }
        int next = highest + 1;
        writeAtomically(last, Integer.toString(next));
        return next;
    }

    private Optional<Frozen> read(Path record) {
        if (!Files.exists(record)) {
            return Optional.empty();
        }
        try {
            return Optional.of(json.readValue(record.toFile(), Frozen.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the frozen version " + record, e);
        }
    }

    private void write(Path record, Frozen frozen) throws IOException {
        writeAtomically(record, json.writerWithDefaultPrettyPrinter().writeValueAsString(frozen));
    }

    private static void writeAtomically(Path target, String content) throws IOException {
        Files.createDirectories(target.getParent());
        Path temp = Files.createTempFile(target.getParent(), target.getFileName().toString(), ".tmp");
        Files.writeString(temp, content);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static Version withSnapshot(Version version, Frozen frozen) {
        VersionSpec spec = version.getSpec();
        Version copy = new Version();
        copy.setMetadata(version.getMetadata());
        copy.setSpec(new VersionSpec(spec.functionName(), frozen.version(), spec.description(), spec.codeSha256(),
                frozen.snapshot(), spec.provisionedConcurrentExecutions(), spec.eventInvokeConfig()));
        copy.setStatus(version.getStatus());
        return copy;
    }
}
