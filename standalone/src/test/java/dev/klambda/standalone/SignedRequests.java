package dev.klambda.standalone;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.restassured.filter.Filter;
import io.restassured.filter.FilterContext;
import io.restassured.response.Response;
import io.restassured.specification.FilterableRequestSpecification;
import io.restassured.specification.FilterableResponseSpecification;

import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Signs RestAssured requests with SigV4 as an AWS SDK would, so that tests can check Lambda's wire
 * format with raw HTTP and still pass klambda's authentication. Signs the host and the
 * {@code X-Amz-*} headers the test set.
 */
public final class SignedRequests implements Filter {

    private final String accessKey;
    private final String secret;

    private SignedRequests(String accessKey, String secret) {
        this.accessKey = accessKey;
        this.secret = secret;
    }

    /** Requests of the default account's key. */
    public static SignedRequests signed() {
        return as("test", "test");
    }

    public static SignedRequests as(String accessKey, String secret) {
        return new SignedRequests(accessKey, secret);
    }

    @Override
    public Response filter(FilterableRequestSpecification request, FilterableResponseSpecification response,
            FilterContext context) {
        SdkHttpRequest.Builder unsigned = SdkHttpRequest.builder()
                .method(SdkHttpMethod.fromValue(request.getMethod()))
                .uri(URI.create(request.getURI()));
        request.getHeaders().forEach(header -> {
            if (header.getName().toLowerCase(Locale.ROOT).startsWith("x-amz-")) {
                unsigned.appendHeader(header.getName(), header.getValue());
            }
        });
        byte[] body = body(request.getBody());
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create(accessKey, secret))
                .request(unsigned.build())
                .payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "lambda"));
        for (Map.Entry<String, List<String>> header : signed.request().headers().entrySet()) {
            if (!header.getKey().equalsIgnoreCase("Host")) {
                request.replaceHeader(header.getKey(), header.getValue().get(0));
            }
        }
        return context.next(request, response);
    }

    private static byte[] body(Object body) {
        if (body == null) {
            return new byte[0];
        }
        if (body instanceof byte[] bytes) {
            return bytes;
        }
        return body.toString().getBytes(StandardCharsets.UTF_8);
    }
}
