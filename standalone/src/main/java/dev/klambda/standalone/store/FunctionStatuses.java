package dev.klambda.standalone.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.klambda.core.api.LambdaTimestamps;
import dev.klambda.core.code.CodeDigest;
import dev.klambda.core.code.CodePackages;
import dev.klambda.core.code.DirectoryCodeStore;
import dev.klambda.crds.v1alpha1.common.Condition;
import dev.klambda.crds.v1alpha1.function.Code;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.function.FunctionStatus;
import dev.klambda.crds.v1alpha1.function.FunctionStatus.LastUpdateStatus;
import dev.klambda.crds.v1alpha1.function.FunctionStatus.State;

/**
 * Works out a standalone function's status from its code: the package's CodeSha256 and size for a
 * {@code code.path} or a code store zip, or why the code is unusable. Digests are cached by a
 * fingerprint of the files (paths, sizes, modification times), so an unchanged tree is not zipped
 * again on every rescan.
 */
final class FunctionStatuses {

    private record Fingerprinted(String fingerprint, CodeDigest digest, Instant newest) {
    }

    private final DirectoryCodeStore codeStore;
    private final ObjectMapper mapper;
    private final Map<Path, Fingerprinted> cache = new ConcurrentHashMap<>();

    FunctionStatuses(DirectoryCodeStore codeStore, ObjectMapper mapper) {
        this.codeStore = codeStore;
        this.mapper = mapper;
    }

    FunctionStatus statusOf(Function function, Path manifest, Instant manifestModified) {
        Code code = function.getSpec().getCode();
        if (code.imageUri() != null) {
            return failed(function, "InvalidImage",
                    "standalone mode has no container runtime: run code.imageUri functions in a cluster, or use code.path");
        }
        if (code.url() != null || code.configMap() != null) {
            return failed(function, "InvalidConfiguration",
                    "standalone mode runs code from code.path or the code store (code.sha256); code.url and code.configMap need cluster mode");
        }
        if (code.path() == null) {
            // The store names each zip by its SHA-256 (and checks it again before unpacking): no need to hash it here.
            Optional<DirectoryCodeStore.Stored> stored = codeStore.find(code.sha256());
            if (stored.isEmpty()) {
                return failed(function, "InvalidConfiguration",
                        "the code store has no zip with SHA-256 " + CodeDigest.toHex(code.sha256()));
            }
            try {
                Instant storedAt = Files.getLastModifiedTime(stored.get().zip()).toInstant();
                return active(function, stored.get().digest(),
                        storedAt.isAfter(manifestModified) ? storedAt : manifestModified);
            } catch (IOException e) {
                return failed(function, "InvalidZipFileException", "the code store's zip cannot be read");
            }
        }
        Path path = manifest.getParent().resolve(code.path()).normalize();
        if (!Files.exists(path)) {
            return failed(function, "InvalidConfiguration",
                    "code.path " + code.path() + " does not exist (looked for " + path + ")");
        }
        Optional<Fingerprinted> digest = digestOf(path);
        if (digest.isEmpty()) {
            return failed(function, "InvalidZipFileException", "code.path " + code.path() + " cannot be read");
        }
        CodeDigest actual = digest.get().digest();
        if (code.sha256() != null && !CodeDigest.toHex(code.sha256()).equals(actual.hex())) {
            return failed(function, "InvalidConfiguration", "the code at " + code.path() + " has SHA-256 "
                    + actual.hex() + ", not the " + CodeDigest.toHex(code.sha256()) + " that code.sha256 requires");
        }
        Instant newest = digest.get().newest();
        return active(function, actual, newest.isAfter(manifestModified) ? newest : manifestModified);
    }

    private FunctionStatus active(Function function, CodeDigest digest, Instant modified) {
        Condition ready = new Condition("Ready", Condition.ConditionStatus.True, "Active", null,
                modified.toString(), null);
        return new FunctionStatus(null, List.of(ready), State.Active, null, null, LastUpdateStatus.Successful, null,
                null, digest.base64(), digest.size(), LambdaTimestamps.iso(modified), revision(function, digest.hex()),
                null);
    }

    private FunctionStatus failed(Function function, String reasonCode, String reason) {
        Condition ready = new Condition("Ready", Condition.ConditionStatus.False, reasonCode.replace(".", ""), reason,
                null, null);
        return new FunctionStatus(null, List.of(ready), State.Failed, reason, reasonCode, LastUpdateStatus.Failed,
                reason, reasonCode, null, null, null, revision(function, reason), null);
    }

    /** A RevisionId that changes exactly when the function's spec or code changes. */
    private String revision(Function function, String codeIdentity) {
        try {
            String spec = mapper.writeValueAsString(function.getSpec());
            return UUID.nameUUIDFromBytes((spec + codeIdentity).getBytes(StandardCharsets.UTF_8)).toString();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a Function spec always serialises", e);
        }
    }

    private Optional<Fingerprinted> digestOf(Path path) {
        try {
            Fingerprint fingerprint = fingerprint(path);
            Fingerprinted cached = cache.get(path);
            if (cached != null && cached.fingerprint().equals(fingerprint.value())) {
                return Optional.of(cached);
            }
            Fingerprinted fresh = new Fingerprinted(fingerprint.value(), CodePackages.digest(path), fingerprint.newest());
            cache.put(path, fresh);
            return Optional.of(fresh);
        } catch (IOException | UncheckedIOException e) {
            cache.remove(path);
            return Optional.empty();
        }
    }

    private record Fingerprint(String value, Instant newest) {
    }

    private static Fingerprint fingerprint(Path path) throws IOException {
        MessageDigest sha = CodeDigest.newSha256();
        Instant newest = Instant.EPOCH;
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path file : walk.sorted().toList()) {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                Instant modified = attributes.lastModifiedTime().toInstant();
                if (modified.isAfter(newest)) {
                    newest = modified;
                }
                String line = path.relativize(file) + "\0" + attributes.size() + "\0" + modified.toEpochMilli() + "\0"
                        + Files.isExecutable(file) + "\n";
                sha.update(line.getBytes(StandardCharsets.UTF_8));
            }
        }
        return new Fingerprint(HexFormat.of().formatHex(sha.digest()), newest);
    }
}
