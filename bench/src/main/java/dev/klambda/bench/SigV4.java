package dev.klambda.bench;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;

import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/** Signs requests to the platform as an AWS SDK does, with the standalone default tenant's key. */
final class SigV4 {

    private SigV4() {
    }

    /**
     * The headers of a signed POST of {@code body} to {@code uri}: {@code headers} (signed too) and
     * the signature's, without Host, which the client writes itself.
     */
    static Map<String, String> post(URI uri, byte[] body, Map<String, String> headers) {
        SdkHttpRequest.Builder unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(uri);
        headers.forEach(unsigned::putHeader);
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(AwsCredentialsIdentity.create("test", "test"))
                .request(unsigned.build())
                .payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "lambda")).request();
        Map<String, String> all = new HashMap<>();
        signed.headers().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("Host")) {
                all.put(name, values.get(0));
            }
        });
        return all;
    }
}
