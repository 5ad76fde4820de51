package dev.klambda.core.code;

import java.util.Base64;
import java.util.HexFormat;

/**
 * The identity of a code package: its SHA-256 and size in bytes.
 *
 * @param sha256 the raw 32-byte digest
 * @param size the package size in bytes
 */
public record CodeDigest(byte[] sha256, long size) {

    public CodeDigest {
        sha256 = sha256.clone();
    }

    /** Hex, as {@code sha256sum} prints it and the code store names files. */
    public String hex() {
        return HexFormat.of().formatHex(sha256);
    }

    /** Base64, as Lambda reports {@code CodeSha256}. */
    public String base64() {
        return Base64.getEncoder().encodeToString(sha256);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CodeDigest other && java.util.Arrays.equals(sha256, other.sha256) && size == other.size;
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(sha256) * 31 + Long.hashCode(size);
    }

    @Override
    public String toString() {
        return "CodeDigest[" + hex() + ", " + size + " bytes]";
    }

    /** Normalises a SHA-256 given as hex or base64 (as manifests may) to lowercase hex. */
    public static String toHex(String sha256) {
        if (sha256.length() == 64) {
            return sha256.toLowerCase();
        }
        return HexFormat.of().formatHex(Base64.getDecoder().decode(sha256));
    }
}
