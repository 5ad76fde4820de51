package dev.klambda.core.code;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Zips of functions and layers, kept once by their SHA-256. {@link DirectoryCodeStore} keeps them
 * on a filesystem (standalone's directory, a PVC in a cluster); an S3-compatible store fits the
 * same two operations.
 */
public interface CodeStore {

    /** Writes a package's bytes. */
    @FunctionalInterface
    interface PackageWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    /** A package in the store: its digest and a local file with its bytes. */
    record Stored(CodeDigest digest, Path zip) {
    }

    /** The stored zip with this SHA-256 (hex or base64), if present; empty for anything that is not a SHA-256. */
    Optional<Stored> find(String sha256);

    /** Stores what {@code writer} writes under its SHA-256; storing the same bytes twice keeps one copy. */
    Stored put(PackageWriter writer) throws IOException;
}
