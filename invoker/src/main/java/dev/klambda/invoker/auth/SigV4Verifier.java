package dev.klambda.invoker.auth;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.klambda.core.code.CodeDigest;
import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.tenant.AccessKey;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.core.tenant.TenantTable;

import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.internal.signer.CredentialScope;
import software.amazon.awssdk.http.auth.aws.internal.signer.DefaultV4RequestSigner;
import software.amazon.awssdk.http.auth.aws.internal.signer.V4Properties;
import software.amazon.awssdk.http.auth.aws.internal.signer.V4RequestSigningResult;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Verifies AWS Signature Version 4 on Lambda API calls against the tenant table's access keys. The
 * request is signed again, exactly as the client signed it (the headers it listed, the body hashed
 * here, its own timestamp), by the AWS SDK's V4 request signer, and the signatures are compared in
 * constant time. Failures are AWS's 403 errors. Thread-safe.
 *
 * <p>
 * The SDK's public {@code AwsV4HttpSigner} always adds and signs {@code x-amz-content-sha256},
 * which botocore (the aws CLI, boto3) never sends for Lambda; the request signer beneath it signs
 * exactly the headers it is given, so that is the one used.
 */
public final class SigV4Verifier {

    /** How far a request's time may be from ours. */
    public static final Duration MAX_SKEW = Duration.ofMinutes(5);

    static final String SERVICE = "lambda";
    private static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final TenantTable tenants;
    private final String region;
    private final Clock clock;

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
        if (header == null) {
            throw new LambdaException(ErrorType.MissingAuthenticationTokenException, "Missing Authentication Token");
        }
        Authorization authorization = parseAuthorization(header);
        Credential credential = parseCredential(authorization.credential(), header);
        if (request.header("X-Amz-Security-Token") != null) {
            // klambda issues no temporary credentials, so no session token can be valid.
            throw unrecognized();
        }
        AccessKey key = tenants.accessKey(credential.keyId()).orElseThrow(SigV4Verifier::unrecognized);
        Tenant tenant = tenants.byAccessKeyId(credential.keyId()).orElseThrow(SigV4Verifier::unrecognized);

        String amzDate = request.header("X-Amz-Date");
        if (amzDate == null) {
            throw incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                    + " Authorization=" + header);
        }
        Instant signedAt = parseAmzDate(amzDate);
        checkScope(credential, amzDate);
        checkTime(signedAt, amzDate);

        String payloadHash = payloadHash(request, authorization.signedHeaders());
        V4RequestSigningResult resigned = resign(request, authorization.signedHeaders(), key, credential, signedAt,
                payloadHash);
        boolean sameHeaders = resigned.getCanonicalRequest().getSignedHeadersString()
                .equals(authorization.signedHeaders().toLowerCase(Locale.ROOT));
        boolean sameSignature = MessageDigest.isEqual(resigned.getSignature().getBytes(StandardCharsets.US_ASCII),
                authorization.signature().getBytes(StandardCharsets.US_ASCII));
        if (!sameHeaders || !sameSignature) {
            throw new LambdaException(ErrorType.InvalidSignatureException,
                    "The request signature we calculated does not match the signature you provided. Check your AWS Secret"
                            + " Access Key and signing method. Consult the service documentation for details.");
        }
        return new Caller(tenant, credential.keyId());
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

    private static Instant parseAmzDate(String amzDate) {
        try {
            return Instant.from(AMZ_DATE.parse(amzDate));
        } catch (DateTimeParseException e) {
            throw incomplete("Date must be in ISO-8601 'basic format'. Got '" + amzDate
                    + "'. See http://en.wikipedia.org/wiki/ISO_8601");
        }
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

    private V4RequestSigningResult resign(SignedRequest request, String signedHeaders, AccessKey key,
            Credential credential, Instant signedAt, String payloadHash) {
        SdkHttpRequest.Builder resigned;
        try {
            String host = request.header("Host");
            resigned = SdkHttpRequest.builder()
                    .method(SdkHttpMethod.fromValue(request.method()))
                    .uri(URI.create("http://" + (host == null ? "localhost" : host) + request.rawPath()
                            + (request.rawQuery() == null ? "" : "?" + request.rawQuery())));
        } catch (IllegalArgumentException e) {
            throw invalid("The request could not be read for signature verification: " + e.getMessage());
        }
        for (String name : signedHeaders.split(";")) {
            List<String> values = request.headers().get(name);
            if (values != null) {
                resigned.putHeader(name, new ArrayList<>(values));
            }
        }
        V4Properties properties = V4Properties.builder()
                .credentials(AwsCredentialsIdentity.create(key.id(), key.secret()))
                .credentialScope(new CredentialScope(credential.region(), credential.service(), signedAt))
                .signingClock(Clock.fixed(signedAt, ZoneOffset.UTC))
                .doubleUrlEncode(true)
                .normalizePath(true)
                .build();
        return new DefaultV4RequestSigner(properties, payloadHash).sign(resigned);
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
