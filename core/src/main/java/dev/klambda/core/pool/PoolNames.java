package dev.klambda.core.pool;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How the warm pool of one version of a function is named in a cluster: the controller names its
 * Deployment and labels its pods this way, and invokers find the pods by these labels. A Lambda
 * function name may hold capitals and underscores and be 64 characters long, which neither object
 * names nor label values allow, so such names are shortened and made unique with a hash.
 */
public final class PoolNames {

    /** Label of every pool pod: the pool's Deployment name. */
    public static final String POOL = "klambda.dev/pool";
    /** Label of every pool pod: the function, as {@link #functionLabel} writes it. */
    public static final String FUNCTION = "klambda.dev/function";
    /** Label of every pool pod: {@code latest} or the version number. */
    public static final String VERSION = "klambda.dev/version";
    /**
     * Annotation of $LATEST's pods: the function's {@code status.revisionId} whose code and
     * configuration they run, so that after an update invokers send only to pods of the new revision.
     */
    public static final String REVISION = "klambda.dev/revision";
    /** Label of everything the controller makes. */
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGER = "klambda";
    /** The version label value of $LATEST's pool ({@code $} is not allowed in labels). */
    public static final String LATEST = "latest";

    private static final Pattern LABEL_VALUE = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    private PoolNames() {
    }

    /** The version label value of {@code version} ({@code $LATEST} or a number). */
    public static String versionLabel(String version) {
        return "$LATEST".equals(version) ? LATEST : version;
    }

    /** The function label value: the Lambda name itself when it is a valid label value, else a hash of it. */
    public static String functionLabel(String functionName) {
        return LABEL_VALUE.matcher(functionName).matches() ? functionName : "h-" + hash(functionName, 20);
    }

    /**
     * The Deployment name of a version's pool, e.g. {@code hello-latest} or {@code hello-v3}: the
     * function name when it is already a lower-case DNS label, else a lower-case form of it with a
     * hash of the exact name, so that {@code Hello} and {@code hello} never share a pool. At most 63
     * characters, so that it also fits where a DNS label is needed.
     */
    public static String pool(String functionName, String version) {
        String suffix = "-" + ("$LATEST".equals(version) ? LATEST : "v" + version);
        String base = functionName;
        if (!DNS_LABEL.matcher(functionName).matches() || functionName.length() + suffix.length() > 63) {
            String lower = functionName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-")
                    .replaceAll("^-+|-+$", "");
            String hash = hash(functionName, 8);
            int room = 63 - suffix.length() - hash.length() - 1;
            base = (lower.isEmpty() ? "" : lower.substring(0, Math.min(lower.length(), room)).replaceAll("-+$", "") + "-")
                    + hash;
        }
        return base + suffix;
    }

    /** The labels of a pool's pods; the selector of its Deployment is the {@link #POOL} label alone. */
    public static Map<String, String> labels(String functionName, String version) {
        return Map.of(POOL, pool(functionName, version), FUNCTION, functionLabel(functionName), VERSION,
                versionLabel(version), MANAGED_BY, MANAGER);
    }

    private static String hash(String value, int length) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, length);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
