package dev.klambda.core.code;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The identity of a code package: its SHA-256 and size in bytes.
 *
 * @param sha256 the raw 32-byte digest
 * @param size the package size in bytes
 */
public record CodeDigest(byte[] sha256, long size) {

    private static final Pattern HEX_SHA256 = Pattern.compile("[a-f0-9]{64}");
    /** Never updated: only cloned. */
    private static final MessageDigest SHA256 = sha256Instance();

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
        return o instanceof CodeDigest other && Arrays.equals(sha256, other.sha256) && size == other.size;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(sha256) * 31 + Long.hashCode(size);
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

    /** {@link #toHex} for input that may be anything: empty unless it is a SHA-256 in hex or base64. */
    public static Optional<String> parseHex(String sha256) {
        try {
            return Optional.of(toHex(sha256)).filter(hex -> HEX_SHA256.matcher(hex).matches());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The digest of {@code bytes}. */
    public static CodeDigest of(byte[] bytes) {
        return new CodeDigest(newSha256().digest(bytes), bytes.length);
    }

    /**
     * A fresh SHA-256 digester. Cloned from one made at start-up: a provider lookup on every signed
     * request (its payload hash) costs more than the cloning.
     */
    public static MessageDigest newSha256() {
        try {
            return (MessageDigest) SHA256.clone();
        } catch (CloneNotSupportedException e) {
            return sha256Instance();
        }
    }

    private static MessageDigest sha256Instance() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** The SHA-256 of {@code text}'s UTF-8 bytes, in hex: a stable key for a name or a list. */
    public static String sha256Hex(String text) {
        return sha256Hex(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The SHA-256 of {@code bytes}, in lower-case hex. */
    public static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(newSha256().digest(bytes));
    }
}
