package dev.klambda.invoker.auth;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.klambda.core.code.CodeDigest;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.tenant.AccessKey;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.core.tenant.TenantTable;

import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.internal.signer.V4CanonicalRequest;

/**
 * Verifies AWS Signature Version 4 on Lambda API calls against the tenant table's access keys. The
 * request is signed again, exactly as the client signed it (the headers it listed, the body hashed
 * here, its own timestamp), and the signatures are compared in constant time. Failures are AWS's
 * 403 errors. Thread-safe.
 *
 * <p>
 * The canonical request, where all of SigV4's encoding rules live, is built by the AWS SDK's own
 * {@code V4CanonicalRequest} (the SDK's public {@code AwsV4HttpSigner} cannot be used whole: it
 * always adds and signs {@code x-amz-content-sha256}, which botocore never sends for Lambda). The
 * string to sign and the HMAC chain are SigV4's few lines; the derived signing key is kept per key,
 * day, region and service, as the SDK's signer does not, because deriving it is four HMACs.
 */
public final class SigV4Verifier {

    /** How far a request's time may be from ours. */
    public static final Duration MAX_SKEW = Duration.ofMinutes(5);

    static final String SERVICE = "lambda";
    private static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private static final int MAX_SIGNING_KEYS = 1024;
    /** Looking a Mac up costs more than using it; each thread keeps one. */
    private static final ThreadLocal<Mac> HMAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM has HmacSHA256", e);
        }
    });

    private final TenantTable tenants;
    private final String region;
    private final Clock clock;
    private final Map<String, byte[]> signingKeys = new ConcurrentHashMap<>();

    public SigV4Verifier(TenantTable tenants, String region, Clock clock) {
        this.tenants = tenants;
        this.region = region;
        this.clock = clock;
    }

    /** The parts of an {@code Authorization: AWS4-HMAC-SHA256 ...} header. */
    private record Authorization(String credential, String signedHeaders, String signature) {
    }

    /** {@code <key id>/<yyyymmdd>/<region>/<service>/aws4_request}. */
    private record Credential(String keyId, String date, String region, String service, String terminator) {
    }

    /**
     * @return the authenticated caller
     * @throws LambdaException 403 MissingAuthenticationTokenException, IncompleteSignatureException,
     *         UnrecognizedClientException or InvalidSignatureException
     */
    public Caller verify(SignedRequest request) {
        String header = request.header("Authorization");
        if (header != null) {
            return verifyHeader(request, header);
        }
        if (request.rawQuery() != null && request.rawQuery().contains("X-Amz-Signature=")) {
            return verifyPresigned(request);
        }
        throw new LambdaException(ErrorType.MissingAuthenticationTokenException, "Missing Authentication Token");
    }

    /** A request signed in its {@code Authorization} header, as SDKs and the aws CLI sign calls. */
    private Caller verifyHeader(SignedRequest request, String header) {
        Authorization authorization = parseAuthorization(header);
        Credential credential = parseCredential(authorization.credential(), header);
        if (request.header("X-Amz-Security-Token") != null) {
            // klambda issues no temporary credentials, so no session token can be valid.
            throw unrecognized();
        }
        String amzDate = request.header("X-Amz-Date");
        if (amzDate == null) {
            throw incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                    + " Authorization=" + header);
        }
        Instant signedAt = parseAmzDate(amzDate);
        checkScope(credential, amzDate);
        checkTime(signedAt, amzDate);
        return check(request, request.rawQuery(), authorization.signedHeaders(),
                List.of(payloadHash(request, authorization.signedHeaders())), credential, amzDate,
                authorization.signature());
    }

    /** A presigned request: the signature and its parameters in the query string, valid for X-Amz-Expires seconds. */
    private Caller verifyPresigned(SignedRequest request) {
        Map<String, String> query = new HashMap<>();
        StringBuilder signedQuery = new StringBuilder();
        for (String pair : request.rawQuery().split("&")) {
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            query.put(name, value);
            if (!name.equals("X-Amz-Signature")) {
                signedQuery.append(signedQuery.isEmpty() ? "" : "&").append(pair);
            }
        }
        String missing = Stream.of("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                "X-Amz-SignedHeaders", "X-Amz-Signature").filter(p -> !query.containsKey(p))
                .map(p -> "AWS query-string parameters must include '" + p + "'.").collect(Collectors.joining(" "));
        if (!missing.isEmpty()) {
            throw incomplete(missing + " Re-examine the query-string parameters.");
        }
        if (!query.get("X-Amz-Algorithm").equals(ALGORITHM)) {
            throw incomplete("Unsupported AWS 'algorithm': '" + query.get("X-Amz-Algorithm") + "'");
        }
        if (query.containsKey("X-Amz-Security-Token")) {
            throw unrecognized();
        }
        Credential credential = parseCredential(query.get("X-Amz-Credential"),
                "X-Amz-Credential=" + query.get("X-Amz-Credential"));
        String amzDate = query.get("X-Amz-Date");
        Instant signedAt = parseAmzDate(amzDate);
        checkScope(credential, amzDate);
        long expires;
        try {
            expires = Long.parseLong(query.get("X-Amz-Expires"));
        } catch (NumberFormatException e) {
            expires = -1;
        }
        if (expires < 1 || expires > 604_800) {
            throw incomplete("X-Amz-Expires must be a number of seconds between 1 and 604800 (seven days).");
        }
        Instant now = clock.instant();
        if (signedAt.isAfter(now.plus(MAX_SKEW))) {
            throw invalid("Signature not yet current: " + amzDate + " is still later than "
                    + AMZ_DATE.format(now.plus(MAX_SKEW)) + " (" + AMZ_DATE.format(now) + " + 5 min.)");
        }
        if (now.isAfter(signedAt.plusSeconds(expires))) {
            throw invalid("Signature expired: " + amzDate + " is now earlier than " + AMZ_DATE.format(now.minusSeconds(expires))
                    + " (" + AMZ_DATE.format(now) + " - " + expires + " sec.)");
        }
        // Presigners leave the body out of the signature (UNSIGNED-PAYLOAD); a signed body is accepted too.
        return check(request, signedQuery.toString(), query.get("X-Amz-SignedHeaders"),
                List.of(UNSIGNED_PAYLOAD, CodeDigest.sha256Hex(request.body())), credential, amzDate,
                query.get("X-Amz-Signature"));
    }

    /** The caller, if signing the request again as it says it was signed gives its signature. */
    private Caller check(SignedRequest request, String signedQuery, String signedHeaders, List<String> payloadHashes,
            Credential credential, String amzDate, String claimedSignature) {
        AccessKey key = tenants.accessKey(credential.keyId()).orElseThrow(SigV4Verifier::unrecognized);
        Tenant tenant = tenants.byAccessKeyId(credential.keyId()).orElseThrow(SigV4Verifier::unrecognized);
        String scope = credential.date() + "/" + credential.region() + "/" + credential.service() + "/aws4_request";
        byte[] claimed = claimedSignature.getBytes(StandardCharsets.US_ASCII);
        for (String payloadHash : payloadHashes) {
            V4CanonicalRequest canonical = canonicalRequest(request, signedQuery, signedHeaders, payloadHash);
            String stringToSign = ALGORITHM + "\n" + amzDate + "\n" + scope + "\n"
                    + CodeDigest.sha256Hex(canonical.getCanonicalRequestString());
            byte[] signature = hmac(signingKey(key, credential), stringToSign);
            boolean sameHeaders = canonical.getSignedHeadersString().equals(signedHeaders.toLowerCase(Locale.ROOT));
            if (sameHeaders && MessageDigest.isEqual(HexFormat.of().formatHex(signature).getBytes(StandardCharsets.US_ASCII),
                    claimed)) {
                return new Caller(tenant, credential.keyId());
            }
        }
        throw new LambdaException(ErrorType.InvalidSignatureException,
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret"
                        + " Access Key and signing method. Consult the service documentation for details.");
    }

    private static Authorization parseAuthorization(String header) {
        if (!header.startsWith(ALGORITHM + " ")) {
            int space = header.indexOf(' ');
            String algorithm = space < 0 ? header : header.substring(0, space);
            throw incomplete("Unsupported AWS 'algorithm': '" + algorithm + "'");
        }
        String credential = null;
        String signedHeaders = null;
        String signature = null;
        for (String part : header.substring(ALGORITHM.length() + 1).split(",")) {
            String trimmed = part.trim();
            int equals = trimmed.indexOf('=');
            if (equals < 0) {
                continue;
            }
            String value = trimmed.substring(equals + 1);
            switch (trimmed.substring(0, equals)) {
                case "Credential" -> credential = value;
                case "SignedHeaders" -> signedHeaders = value;
                case "Signature" -> signature = value;
                default -> {
                    // AWS ignores what it does not know
                }
            }
        }
        StringBuilder missing = new StringBuilder();
        if (credential == null) {
            missing.append("Authorization header requires 'Credential' parameter. ");
        }
        if (signature == null) {
            missing.append("Authorization header requires 'Signature' parameter. ");
        }
        if (signedHeaders == null) {
            missing.append("Authorization header requires 'SignedHeaders' parameter. ");
        }
        if (!missing.isEmpty()) {
            throw incomplete(missing + "Authorization=" + header);
        }
        return new Authorization(credential, signedHeaders, signature);
    }

    private static Credential parseCredential(String credential, String header) {
        String[] parts = credential.split("/", -1);
        if (parts.length != 5) {
            throw incomplete("Credential should have 5 parts (an access key id, a date, a region, a service and"
                    + " aws4_request) separated by '/': '" + credential + "'. Authorization=" + header);
        }
        return new Credential(parts[0], parts[1], parts[2], parts[3], parts[4]);
    }

    /** {@code yyyyMMdd'T'HHmmss'Z'}, read by hand: java.time's parser costs more than the rest of the check. */
    private static Instant parseAmzDate(String amzDate) {
        try {
            if (amzDate.length() != 16 || amzDate.charAt(8) != 'T' || amzDate.charAt(15) != 'Z') {
                throw new DateTimeParseException("not yyyyMMdd'T'HHmmss'Z'", amzDate, 0);
            }
            return LocalDateTime.of(digits(amzDate, 0, 4), digits(amzDate, 4, 6), digits(amzDate, 6, 8),
                    digits(amzDate, 9, 11), digits(amzDate, 11, 13), digits(amzDate, 13, 15)).toInstant(ZoneOffset.UTC);
        } catch (DateTimeException e) {
            throw incomplete("Date must be in ISO-8601 'basic format'. Got '" + amzDate
                    + "'. See http://en.wikipedia.org/wiki/ISO_8601");
        }
    }

    private static int digits(String text, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            int digit = text.charAt(i) - '0';
            if (digit < 0 || digit > 9) {
                throw new DateTimeParseException("not a digit", text, i);
            }
            value = value * 10 + digit;
        }
        return value;
    }

    private void checkScope(Credential credential, String amzDate) {
        if (!amzDate.startsWith(credential.date())) {
            throw invalid("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"
                    + credential.date() + "' != '" + amzDate.substring(0, 8) + "', from '" + amzDate + "'.");
        }
        if (!credential.region().equals(region)) {
            throw invalid("Credential should be scoped to a valid region, not '" + credential.region() + "'. ");
        }
        if (!credential.service().equals(SERVICE)) {
            throw invalid("Credential should be scoped to correct service: '" + SERVICE + "'. ");
        }
        if (!credential.terminator().equals("aws4_request")) {
            throw invalid("Credential should be scoped with a valid terminator: 'aws4_request', not '"
                    + credential.terminator() + "'. ");
        }
    }

    private void checkTime(Instant signedAt, String amzDate) {
        Instant now = clock.instant();
        if (signedAt.isBefore(now.minus(MAX_SKEW))) {
            throw invalid("Signature expired: " + amzDate + " is now earlier than " + AMZ_DATE.format(now.minus(MAX_SKEW))
                    + " (" + AMZ_DATE.format(now) + " - 5 min.)");
        }
        if (signedAt.isAfter(now.plus(MAX_SKEW))) {
            throw invalid("Signature not yet current: " + amzDate + " is still later than "
                    + AMZ_DATE.format(now.plus(MAX_SKEW)) + " (" + AMZ_DATE.format(now) + " + 5 min.)");
        }
    }

    /** The hash the client signed: the body's, or what it declared in a signed x-amz-content-sha256 if that holds. */
    private static String payloadHash(SignedRequest request, String signedHeaders) {
        String bodyHash = CodeDigest.sha256Hex(request.body());
        String declared = request.header("X-Amz-Content-Sha256");
        if (declared == null || !signs(signedHeaders, "x-amz-content-sha256")) {
            return bodyHash;
        }
        if (!declared.equals(UNSIGNED_PAYLOAD) && !declared.equalsIgnoreCase(bodyHash)) {
            throw invalid("The provided 'x-amz-content-sha256' header does not match what was computed.");
        }
        return declared;
    }

    /** The canonical request of what the client signed: its signed headers only, with the SDK's encoding rules. */
    private static V4CanonicalRequest canonicalRequest(SignedRequest request, String rawQuery, String signedHeaders,
            String payloadHash) {
        SdkHttpRequest.Builder resigned;
        try {
            String host = request.header("Host");
            resigned = SdkHttpRequest.builder()
                    // valueOf, not fromValue: that one streams over every method on each call
                    .method(SdkHttpMethod.valueOf(request.method()))
                    .uri(URI.create("http://" + (host == null ? "localhost" : host) + request.rawPath()
                            + (rawQuery == null || rawQuery.isEmpty() ? "" : "?" + rawQuery)));
        } catch (IllegalArgumentException e) {
            throw invalid("The request could not be read for signature verification: " + e.getMessage());
        }
        for (String name : signedHeaders.split(";")) {
            List<String> values = request.headers().get(name);
            if (values != null) {
                resigned.putHeader(name, new ArrayList<>(values));
            }
        }
        return new V4CanonicalRequest(resigned.build(), payloadHash, new V4CanonicalRequest.Options(true, true));
    }

    /** {@code HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")}, remembered. */
    private byte[] signingKey(AccessKey key, Credential credential) {
        String id = key.id() + "/" + credential.date() + "/" + credential.region() + "/" + credential.service() + "/"
                + key.secret().hashCode();
        byte[] known = signingKeys.get(id);
        if (known != null) {
            return known;
        }
        byte[] derived = hmac(("AWS4" + key.secret()).getBytes(StandardCharsets.UTF_8), credential.date());
        derived = hmac(derived, credential.region());
        derived = hmac(derived, credential.service());
        derived = hmac(derived, "aws4_request");
        if (signingKeys.size() >= MAX_SIGNING_KEYS) {
            // Keys change daily; forgetting them all now and then is simpler than an LRU and costs four HMACs.
            signingKeys.clear();
        }
        signingKeys.put(id, derived);
        return derived;
    }

    private static byte[] hmac(byte[] key, String data) {
        Mac mac = HMAC.get();
        try {
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("an HMAC key of any length is valid", e);
        }
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean signs(String signedHeaders, String name) {
        for (String signed : signedHeaders.split(";")) {
            if (signed.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    private static LambdaException unrecognized() {
        return new LambdaException(ErrorType.UnrecognizedClientException,
                "The security token included in the request is invalid.");
    }

    private static LambdaException incomplete(String message) {
        return new LambdaException(ErrorType.IncompleteSignatureException, message);
    }

    private static LambdaException invalid(String message) {
        return new LambdaException(ErrorType.InvalidSignatureException, message);
    }
}
