package dev.klambda.core.code;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.commons.io.output.CountingOutputStream;

/**
 * The code store on a filesystem (standalone's directory, or a PVC in a cluster): zips kept once
 * by their SHA-256, as {@code <hex>.zip}.
 */
public final class DirectoryCodeStore implements CodeStore {

    private final Path root;

    public DirectoryCodeStore(Path root) {
        this.root = root;
    }

    /**
     * The stored zip with this SHA-256 (hex or base64), if present; empty for anything that is not
     * a SHA-256. The digest is taken from the zip's name, not computed: unpacking verifies it.
     */
    @Override
    public Optional<Stored> find(String sha256) {
        return CodeDigest.parseHex(sha256).flatMap(hex -> {
            Path zip = root.resolve(hex + ".zip");
            try {
                return Files.isRegularFile(zip)
                        ? Optional.of(new Stored(new CodeDigest(HexFormat.of().parseHex(hex), Files.size(zip)), zip))
                        : Optional.empty();
            } catch (IOException e) {
                return Optional.empty();
            }
        });
    }

    /** A code or layer package cannot be had: no such stored zip or path, or not the SHA-256 it must have. */
    public static final class MissingPackageException extends IOException {
        MissingPackageException(String message) {
            super(message);
        }
    }

    /**
     * The package of a code or layer: {@code path} resolved against {@code base} and put in the store
     * (a directory is zipped), which must then have {@code sha256} when that is given too; or,
     * without a path, the stored zip {@code sha256}.
     *
     * @throws MissingPackageException when the stored zip or the path is missing, or the package has another SHA-256
     */
    public Stored resolve(Path base, String path, String sha256) throws IOException {
        if (path == null) {
            return find(sha256).orElseThrow(() -> new MissingPackageException(
                    "the code store has no zip with SHA-256 " + CodeDigest.toHex(sha256)));
        }
        Path source = base.resolve(path).normalize();
        if (!Files.exists(source)) {
            throw new MissingPackageException(path + " does not exist (looked for " + source + ")");
        }
        Stored stored = put(out -> CodePackages.writePackage(source, out));
        if (sha256 != null && !CodeDigest.toHex(sha256).equals(stored.digest().hex())) {
            throw new MissingPackageException("the code at " + path + " has SHA-256 " + stored.digest().hex()
                    + ", not the " + CodeDigest.toHex(sha256) + " that its sha256 requires");
        }
        return stored;
    }

    /**
     * Deletes the zips whose SHA-256 (hex) is not in {@code referenced} and that were stored more
     * than {@code grace} ago, so that an upload about to be referenced is never taken.
     *
     * @return the SHA-256s deleted
     */
    public List<String> collect(Set<String> referenced, Duration grace) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        Instant cutoff = Instant.now().minus(grace);
        List<String> deleted = new ArrayList<>();
        try (Stream<Path> files = Files.list(root)) {
            for (Path zip : files.filter(p -> p.getFileName().toString().matches("[0-9a-f]{64}\\.zip")).toList()) {
                String hex = zip.getFileName().toString().substring(0, 64);
                if (!referenced.contains(hex) && Files.getLastModifiedTime(zip).toInstant().isBefore(cutoff)) {
                    Files.deleteIfExists(zip);
                    deleted.add(hex);
                }
            }
        }
        return deleted;
    }

    /** Stores {@code content} under its SHA-256 and returns the digest; storing the same bytes twice keeps one copy. */
    public CodeDigest put(InputStream content) throws IOException {
        return put(content::transferTo).digest();
    }

    /**
     * Stores what {@code writer} writes under its SHA-256, hashing while writing, e.g. a directory
     * zipped by {@link CodePackages#writePackage}; storing the same bytes twice keeps one copy.
     */
    @Override
    public Stored put(PackageWriter writer) throws IOException {
        Files.createDirectories(root);
        Path temp = Files.createTempFile(root, "upload-", ".tmp");
        try {
            MessageDigest sha256 = CodeDigest.newSha256();
            CountingOutputStream counter = new CountingOutputStream(Files.newOutputStream(temp));
            try (OutputStream out = new DigestOutputStream(counter, sha256)) {
                writer.writeTo(out);
            }
            CodeDigest digest = new CodeDigest(sha256.digest(), counter.getByteCount());
            Path target = root.resolve(digest.hex() + ".zip");
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return new Stored(digest, target);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
