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
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The code store on a filesystem (standalone's directory, or a PVC in a cluster): zips kept once
 * by their SHA-256, as {@code <hex>.zip}.
 */
public final class DirectoryCodeStore {

    private static final Pattern HEX_SHA256 = Pattern.compile("[a-f0-9]{64}");

    private final Path root;

    public DirectoryCodeStore(Path root) {
        this.root = root;
    }

    /** The stored zip with this SHA-256 (hex or base64), if present. */
    public Optional<Path> find(String sha256) {
        String hex = CodeDigest.toHex(sha256);
        if (!HEX_SHA256.matcher(hex).matches()) {
            return Optional.empty();
        }
        Path file = root.resolve(hex + ".zip");
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    /** Stores {@code content} under its SHA-256 and returns the digest; storing the same bytes twice keeps one copy. */
    public CodeDigest put(InputStream content) throws IOException {
        Files.createDirectories(root);
        Path temp = Files.createTempFile(root, "upload-", ".tmp");
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            long size;
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(temp), sha256)) {
                size = content.transferTo(out);
            }
            CodeDigest digest = new CodeDigest(sha256.digest(), size);
            Path target = root.resolve(digest.hex() + ".zip");
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return digest;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
