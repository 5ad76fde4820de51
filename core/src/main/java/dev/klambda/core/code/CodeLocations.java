package dev.klambda.core.code;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * GetFunction's {@code Code.Location}: a URL of the invoker that serves one zip of the code store
 * until it expires, signed with a key of this invoker (like S3's presigned URLs, the URL is the
 * credential). Invokers that share a key (cluster mode) honour each other's URLs. Function pods
 * fetch their code from {@linkplain #poolLocation pool locations}, which do not expire: a pod may
 * restart long after its Deployment was written, and the zip behind a SHA-256 never changes.
 */
public final class CodeLocations {

    /** How long a location works, as on AWS. */
    static final Duration VALIDITY = Duration.ofMinutes(10);
    public static final String PATH = "/.klambda/code/";

    private final byte[] key;
    private final Clock clock;

    /** @param key the signing key; null or empty for a random one of this process */
    public CodeLocations(byte[] key, Clock clock) {
        if (key == null || key.length == 0) {
            key = new byte[32];
            new SecureRandom().nextBytes(key);
        }
        this.key = key.clone();
        this.clock = clock;
    }

    /** The location of the zip with SHA-256 {@code hex}, under {@code base} (the invoker's address as the caller sees it). */
    public String location(String base, String hex) {
        long expires = clock.instant().plus(VALIDITY).getEpochSecond();
        String trimmed = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        return trimmed + PATH + hex + ".zip?Expires=" + expires + "&Signature=" + signature(hex, expires);
    }

    /**
     * The location function pods fetch the zip with SHA-256 {@code hex} from, under {@code base}
     * (the invoker's address inside the cluster). It never expires ({@code Expires=0}).
     */
    public String poolLocation(String base, String hex) {
        String trimmed = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        return trimmed + PATH + hex + ".zip?Expires=0&Signature=" + signature(hex, 0);
    }

    /** Whether a request for {@code hex} carries a valid signature that has not expired (0: a pool location). */
    public boolean valid(String hex, String expires, String signature) {
        if (expires == null || signature == null || !expires.matches("\\d{1,12}")) {
            return false;
        }
        long until = Long.parseLong(expires);
        if (until != 0 && until < clock.instant().getEpochSecond()) {
            return false;
        }
        return MessageDigest.isEqual(signature(hex, until).getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII));
    }

    private String signature(String hex, long expires) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal((hex + "\n" + expires).getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
