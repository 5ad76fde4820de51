package dev.klambda.invoker.auth;

import static dev.klambda.invoker.Fixtures.DEFAULT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.klambda.core.error.ErrorType;
import dev.klambda.core.error.LambdaException;
import dev.klambda.core.tenant.AccessKey;
import dev.klambda.core.tenant.Tenant;
import dev.klambda.core.tenant.TenantTable;

import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

class SigV4VerifierTest {

    static final Tenant EXAMPLE = new Tenant("example", "123456789012",
            List.of(new AccessKey("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")));
    static final TenantTable TENANTS = new TenantTable(List.of(DEFAULT, EXAMPLE));
    static final Instant REFERENCE_TIME = Instant.parse("2024-01-01T00:00:00Z");

    static SigV4Verifier at(Instant now) {
        return new SigV4Verifier(TENANTS, "us-east-1", Clock.fixed(now, ZoneOffset.UTC));
    }

    static Map<String, List<String>> headers(String... namesAndValues) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.computeIfAbsent(namesAndValues[i], k -> new ArrayList<>()).add(namesAndValues[i + 1]);
        }
        return headers;
    }

    /** The worked example of shared/reference/lambda-api.md §5, signed by botocore. */
    static SignedRequest referenceExample() {
        return new SignedRequest("POST",
                "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-fn/invocations",
                "Qualifier=%24LATEST",
                headers("Host", "lambda.us-east-1.amazonaws.com", "X-Amz-Date", "20240101T000000Z", "X-Amz-Invocation-Type",
                        "RequestResponse", "Authorization",
                        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/lambda/aws4_request, "
                                + "SignedHeaders=host;x-amz-date;x-amz-invocation-type, "
                                + "Signature=f5c47dd36a1760a6acb65678cf981ddb3c4e43a280d83de4300d59bcc3766a4e",
                        "User-Agent", "not signed, so free to differ"),
                "{\"k\":\"v\"}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void verifiesTheReferenceExample() {
        Caller caller = at(REFERENCE_TIME.plusSeconds(299)).verify(referenceExample());

        assertThat(caller.tenant()).isEqualTo(EXAMPLE);
        assertThat(caller.accessKeyId()).isEqualTo("AKIDEXAMPLE");
        assertThat(caller.principalArn()).isEqualTo("arn:aws:iam::123456789012:root");
    }

    static Stream<Arguments> tamperings() {
        SignedRequest r = referenceExample();
        return Stream.of(
                Arguments.of("one byte of the body", (UnaryOperator<SignedRequest>) x -> new SignedRequest(x.method(),
                        x.rawPath(), x.rawQuery(), x.headers(), "{\"k\":\"w\"}".getBytes(StandardCharsets.UTF_8))),
                Arguments.of("the path", (UnaryOperator<SignedRequest>) x -> new SignedRequest(x.method(),
                        x.rawPath().replace("my-fn", "my-fo"), x.rawQuery(), x.headers(), x.body())),
                Arguments.of("the path's encoding", (UnaryOperator<SignedRequest>) x -> new SignedRequest(x.method(),
                        x.rawPath().replace("%3A", ":"), x.rawQuery(), x.headers(), x.body())),
                Arguments.of("the query", (UnaryOperator<SignedRequest>) x -> new SignedRequest(x.method(), x.rawPath(),
                        "Qualifier=1", x.headers(), x.body())),
                Arguments.of("the method", (UnaryOperator<SignedRequest>) x -> new SignedRequest("PUT", x.rawPath(),
                        x.rawQuery(), x.headers(), x.body())),
                Arguments.of("a signed header", (UnaryOperator<SignedRequest>) x -> with(x, "X-Amz-Invocation-Type", "DryRun")),
                Arguments.of("the host",
                        (UnaryOperator<SignedRequest>) x -> with(x, "Host", "lambda.us-east-1.amazonaws.com:443")),
                Arguments.of("the signed header list", (UnaryOperator<SignedRequest>) x -> with(x, "Authorization",
                        x.header("Authorization").replace("host;x-amz-date;x-amz-invocation-type", "host;x-amz-date"))),
                Arguments.of("the signature", (UnaryOperator<SignedRequest>) x -> with(x, "Authorization",
                        x.header("Authorization").replace("f5c47dd3", "f5c47dd4"))));
    }

    static SignedRequest with(SignedRequest request, String header, String value) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(request.headers());
        headers.put(header, List.of(value));
        return new SignedRequest(request.method(), request.rawPath(), request.rawQuery(), headers, request.body());
    }

    @ParameterizedTest(name = "changing {0}")
    @MethodSource("tamperings")
    void refusesARequestChangedAfterSigning(String change, UnaryOperator<SignedRequest> tamper) {
        assertThatThrownBy(() -> at(REFERENCE_TIME).verify(tamper.apply(referenceExample())))
                .isInstanceOfSatisfying(LambdaException.class, e -> {
                    assertThat(e.type()).isEqualTo(ErrorType.InvalidSignatureException);
                    assertThat(e.type().status()).isEqualTo(403);
                    assertThat(e.getMessage()).isEqualTo("The request signature we calculated does not match the signature"
                            + " you provided. Check your AWS Secret Access Key and signing method. Consult the service"
                            + " documentation for details.");
                });
    }

    @Test
    void refusesTheRightSignatureWithAnotherSecret() {
        TenantTable otherSecret = new TenantTable(List.of(new Tenant("example", "123456789012",
                List.of(new AccessKey("AKIDEXAMPLE", "another secret")))));
        assertThatThrownBy(() -> new SigV4Verifier(otherSecret, "us-east-1", Clock.fixed(REFERENCE_TIME, ZoneOffset.UTC))
                .verify(referenceExample())).hasMessageStartingWith("The request signature we calculated does not match");
    }

    static List<JsonNode> botocoreVectors() throws IOException {
        try (InputStream in = SigV4VerifierTest.class.getResourceAsStream("/sigv4/botocore-vectors.json")) {
            List<JsonNode> vectors = new ArrayList<>();
            new ObjectMapper().readTree(in).forEach(vectors::add);
            return vectors;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("botocoreVectors")
    void verifiesWhatBotocoreSigned(JsonNode vector) {
        Map<String, List<String>> headers = headers("Host", vector.get("host").asText());
        vector.get("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), List.of(h.getValue().asText())));
        String amzDate = headers.get("X-Amz-Date").get(0);
        Instant signedAt = Instant.from(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                .withZone(ZoneOffset.UTC).parse(amzDate));
        SignedRequest request = new SignedRequest(vector.get("method").asText(), vector.get("rawPath").asText(),
                vector.get("rawQuery").isNull() ? null : vector.get("rawQuery").asText(), headers,
                Base64.getDecoder().decode(vector.get("body").asText()));

        assertThat(at(signedAt.plusSeconds(60)).verify(request).tenant()).isEqualTo(DEFAULT);
        byte[] changed = request.body().length == 0 ? new byte[] { 1 } : request.body().clone();
        changed[0] ^= 1;
        assertThatThrownBy(() -> at(signedAt).verify(new SignedRequest(request.method(), request.rawPath(),
                request.rawQuery(), request.headers(), changed))).isInstanceOf(LambdaException.class);
    }

    /** Signs as the AWS SDK for Java v2's Lambda client does (it adds and signs x-amz-content-sha256). */
    static SignedRequest sdkSigned(String method, String uri, String body, String key, String secret, Instant at) {
        SdkHttpRequest unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method)).uri(URI.create(uri))
                .putHeader("amz-sdk-invocation-id", "x").putHeader("X-Amz-Log-Type", "Tail").build();
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r.identity(AwsCredentialsIdentity.create(key, secret))
                .request(unsigned).payload(ContentStreamProvider.fromUtf8String(body))
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "lambda")
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC))).request();
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(signed.headers());
        URI parsed = URI.create(uri);
        return new SignedRequest(method, parsed.getRawPath(), parsed.getRawQuery(), headers,
                body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void verifiesWhatTheJavaSdkSigned() {
        Instant now = Instant.parse("2026-11-23T10:00:00Z");
        SignedRequest request = sdkSigned("POST",
                "http://127.0.0.1:9000/2015-03-31/functions/hello%3Alive/invocations?Qualifier=live", "[1,2]", "test",
                "test", now);
        assertThat(request.header("Authorization")).contains("x-amz-content-sha256");

        assertThat(at(now).verify(request).tenant()).isEqualTo(DEFAULT);

        SignedRequest lyingHash = with(request, "x-amz-content-sha256", "0".repeat(64));
        assertThatThrownBy(() -> at(now).verify(lyingHash)).isInstanceOfSatisfying(LambdaException.class,
                e -> assertThat(e.getMessage())
                        .isEqualTo("The provided 'x-amz-content-sha256' header does not match what was computed."));
    }

    /** A presigned URL, as the SDK's signer makes it with the signature in the query string. */
    static SignedRequest presigned(String uri, Instant at, java.time.Duration expires) {
        SdkHttpRequest unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.GET).uri(URI.create(uri)).build();
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r.identity(AwsCredentialsIdentity.create("test", "test"))
                .request(unsigned).payload(ContentStreamProvider.fromUtf8String(""))
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "lambda")
                .putProperty(AwsV4HttpSigner.AUTH_LOCATION, AwsV4HttpSigner.AuthLocation.QUERY_STRING)
                .putProperty(AwsV4HttpSigner.EXPIRATION_DURATION, expires)
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC))).request();
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(signed.headers());
        URI parsed = signed.getUri();
        return new SignedRequest("GET", parsed.getRawPath(), parsed.getRawQuery(), headers, new byte[0]);
    }

    @Test
    void verifiesAPresignedUrlUntilItExpires() {
        Instant at = Instant.parse("2026-11-23T10:00:00Z");
        SignedRequest request = presigned("http://127.0.0.1:9000/url/web-iam/report?day=monday", at,
                java.time.Duration.ofMinutes(10));
        assertThat(request.rawQuery()).contains("X-Amz-Signature=").contains("day=monday");

        assertThat(at(at.plusSeconds(599)).verify(request).tenant()).isEqualTo(DEFAULT);
        assertThatThrownBy(() -> at(at.plusSeconds(601)).verify(request))
                .isInstanceOfSatisfying(LambdaException.class, e -> {
                    assertThat(e.type()).isEqualTo(ErrorType.InvalidSignatureException);
                    assertThat(e.getMessage()).startsWith("Signature expired: 20261123T100000Z is now earlier than");
                });
        SignedRequest otherQuery = new SignedRequest("GET", request.rawPath(),
                request.rawQuery().replace("day=monday", "day=sunday"), request.headers(), request.body());
        assertThatThrownBy(() -> at(at).verify(otherQuery)).hasMessageStartingWith("The request signature we calculated");
        SignedRequest noExpiry = new SignedRequest("GET", request.rawPath(),
                request.rawQuery().replaceAll("X-Amz-Expires=\\d+&?", ""), request.headers(), request.body());
        assertThatThrownBy(() -> at(at).verify(noExpiry)).isInstanceOfSatisfying(LambdaException.class,
                e -> assertThat(e.type()).isEqualTo(ErrorType.IncompleteSignatureException));
    }

    @Test
    void refusesRequestsOutsideFiveMinutes() {
        SignedRequest request = referenceExample();
        assertThatThrownBy(() -> at(REFERENCE_TIME.plusSeconds(301)).verify(request))
                .isInstanceOfSatisfying(LambdaException.class, e -> {
                    assertThat(e.type()).isEqualTo(ErrorType.InvalidSignatureException);
                    assertThat(e.getMessage()).isEqualTo("Signature expired: 20240101T000000Z is now earlier than"
                            + " 20240101T000001Z (20240101T000501Z - 5 min.)");
                });
        assertThatThrownBy(() -> at(REFERENCE_TIME.minusSeconds(301)).verify(request))
                .hasMessage("Signature not yet current: 20240101T000000Z is still later than 20231231T235959Z"
                        + " (20231231T235459Z + 5 min.)");
    }

    static Stream<Arguments> refusals() {
        SignedRequest example = referenceExample();
        String authorization = example.header("Authorization");
        return Stream.of(
                Arguments.of("no Authorization header", without(example, "Authorization"),
                        ErrorType.MissingAuthenticationTokenException, "Missing Authentication Token"),
                Arguments.of("an unknown access key",
                        with(example, "Authorization", authorization.replace("AKIDEXAMPLE", "AKIDUNKNOWN")),
                        ErrorType.UnrecognizedClientException, "The security token included in the request is invalid."),
                Arguments.of("a session token", with(example, "X-Amz-Security-Token", "FwoGZXIvYXdzE"),
                        ErrorType.UnrecognizedClientException, "The security token included in the request is invalid."),
                Arguments.of("another algorithm", with(example, "Authorization", "AWS3 " + authorization.substring(17)),
                        ErrorType.IncompleteSignatureException, "Unsupported AWS 'algorithm': 'AWS3'"),
                Arguments.of("no signature", with(example, "Authorization", authorization.substring(0,
                        authorization.indexOf(", Signature"))), ErrorType.IncompleteSignatureException,
                        "Authorization header requires 'Signature' parameter. Authorization="
                                + authorization.substring(0, authorization.indexOf(", Signature"))),
                Arguments.of("no X-Amz-Date", without(example, "X-Amz-Date"), ErrorType.IncompleteSignatureException,
                        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                                + " Authorization=" + authorization),
                Arguments.of("another region", with(example, "Authorization",
                        authorization.replace("/us-east-1/", "/eu-west-1/")), ErrorType.InvalidSignatureException,
                        "Credential should be scoped to a valid region, not 'eu-west-1'. "),
                Arguments.of("another service", with(example, "Authorization", authorization.replace("/lambda/", "/s3/")),
                        ErrorType.InvalidSignatureException, "Credential should be scoped to correct service: 'lambda'. "),
                Arguments.of("another day in the scope", with(example, "Authorization",
                        authorization.replace("/20240101/", "/20240102/")), ErrorType.InvalidSignatureException,
                        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP:"
                                + " '20240102' != '20240101', from '20240101T000000Z'."));
    }

    static SignedRequest without(SignedRequest request, String header) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(request.headers());
        headers.remove(header);
        return new SignedRequest(request.method(), request.rawPath(), request.rawQuery(), headers, request.body());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusesWithAwsErrors(String name, SignedRequest request, ErrorType type, String message) {
        assertThatThrownBy(() -> at(REFERENCE_TIME).verify(request)).isInstanceOfSatisfying(LambdaException.class, e -> {
            assertThat(e.type()).isEqualTo(type);
            assertThat(e.type().status()).isEqualTo(403);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    @Test
    void keepsNoStateBetweenRequests() {
        Map<String, Caller> callers = new HashMap<>();
        SigV4Verifier verifier = at(REFERENCE_TIME);
        for (int i = 0; i < 3; i++) {
            callers.put("example", verifier.verify(referenceExample()));
        }
        assertThat(callers.get("example").tenant()).isEqualTo(EXAMPLE);
    }
}
