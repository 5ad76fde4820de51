package dev.klambda.standalone.invoke;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;

import dev.klambda.standalone.ManifestsResource;

/**
 * Function URLs of the packaged platform, called with curl as any HTTP client would: payload 2.0
 * events and the response rules, CORS, AWS_IAM URLs signed by curl's own SigV4, ALB events, alias
 * URLs and host-name URLs.
 */
@QuarkusIntegrationTest
@WithTestResource(value = ManifestsResource.class, initArgs = @ResourceArg(name = "manifests", value = "invoke-manifests"))
class FunctionUrlsIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    record Reply(int status, List<String> headers, byte[] body) {

        String header(String name) {
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            return headers.stream().filter(h -> h.toLowerCase(Locale.ROOT).startsWith(prefix))
                    .map(h -> h.substring(prefix.length()).trim()).findFirst().orElse(null);
        }

        List<String> all(String name) {
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            return headers.stream().filter(h -> h.toLowerCase(Locale.ROOT).startsWith(prefix))
                    .map(h -> h.substring(prefix.length()).trim()).toList();
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    Reply curl(String path, String... options) throws Exception {
        Path headers = dir.resolve("headers-" + System.nanoTime());
        Path body = dir.resolve("body-" + System.nanoTime());
        List<String> command = new ArrayList<>(List.of("curl", "-s", "-D", headers.toString(), "-o", body.toString()));
        command.addAll(List.of(options));
        command.add("http://127.0.0.1:" + RestAssured.port + path);
        Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(curl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(curl.exitValue()).as(new String(curl.getInputStream().readAllBytes())).isZero();
        List<String> lines = Files.readAllLines(headers);
        int status = Integer.parseInt(lines.get(0).split(" ")[1]);
        return new Reply(status, lines.subList(1, lines.size()), Files.readAllBytes(body));
    }

    @Test
    void turnsARequestIntoAPayloadTwoEventAndTheAnswerIntoTheResponse() throws Exception {
        Reply reply = curl("/url/web/orders/7?expand=items&expand=notes&q=a%20b", "-X", "POST", "-H",
                "Content-Type: application/json", "-H", "Cookie: c1=v1; c2=v2", "-H", "X-Multi: 1", "-H", "X-Multi: 2",
                "--data-binary", "{\"qty\":2}");

        assertThat(reply.status()).isEqualTo(201);
        assertThat(reply.all("Set-Cookie")).containsExactly("a=1", "b=2; Path=/");
        assertThat(reply.header("x-amzn-RequestId")).matches("[0-9a-f-]{36}");
        JsonNode event = reply.json();
        assertThat(event.get("version").asText()).isEqualTo("2.0");
        assertThat(event.get("rawPath").asText()).isEqualTo("/orders/7");
        assertThat(event.get("rawQueryString").asText()).isEqualTo("expand=items&expand=notes&q=a%20b");
        assertThat(event.at("/queryStringParameters/expand").asText()).isEqualTo("items,notes");
        assertThat(event.at("/queryStringParameters/q").asText()).isEqualTo("a b");
        assertThat(event.get("cookies")).extracting(JsonNode::asText).containsExactly("c1=v1", "c2=v2");
        assertThat(event.at("/headers/x-multi").asText()).isEqualTo("1,2");
        assertThat(event.at("/requestContext/http/method").asText()).isEqualTo("POST");
        assertThat(event.at("/requestContext/http/sourceIp").asText()).isEqualTo("127.0.0.1");
        assertThat(event.at("/requestContext/requestId").asText()).isEqualTo(reply.header("x-amzn-RequestId"));
        assertThat(event.at("/requestContext/accountId").asText()).isEqualTo("anonymous");
        assertThat(event.get("body").asText()).isEqualTo("{\"qty\":2}");
        assertThat(event.get("isBase64Encoded").asBoolean()).isFalse();
    }

    @Test
    void appliesLambdasResponseRules() throws Exception {
        Reply plain = curl("/url/web/plain");
        assertThat(plain.status()).isEqualTo(200);
        assertThat(plain.header("Content-Type")).isEqualTo("application/json");
        assertThat(plain.json().get("hello").asText()).isEqualTo("world");

        assertThat(curl("/url/web/string").text()).isEqualTo("\"Hello\"");

        Reply binary = curl("/url/web/binary");
        assertThat(binary.header("Content-Type")).isEqualTo("image/png");
        assertThat(binary.body()).isEqualTo(new byte[] { (byte) 0x89, 'P', 'N', 'G' });

        Reply failed = curl("/url/web/fail");
        assertThat(failed.status()).isEqualTo(502);
        assertThat(failed.text()).isEqualTo("{\"Message\":\"Internal Server Error\"}");

        Reply form = curl("/url/web/form", "--data", "a=1&b=2");
        assertThat(form.json().get("isBase64Encoded").asBoolean()).isTrue();
        assertThat(new String(Base64.getDecoder().decode(form.json().get("body").asText()), StandardCharsets.UTF_8))
                .isEqualTo("a=1&b=2");
    }

    @Test
    void answersCorsAsTheUrlIsConfigured() throws Exception {
        Reply preflight = curl("/url/web/anything", "-X", "OPTIONS", "-H", "Origin: https://www.example.com", "-H",
                "Access-Control-Request-Method: POST");
        assertThat(preflight.status()).isEqualTo(200);
        assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo("https://www.example.com");
        assertThat(preflight.header("Access-Control-Allow-Methods")).isEqualTo("GET,POST");
        assertThat(preflight.header("Access-Control-Max-Age")).isEqualTo("60");
        assertThat(preflight.body()).as("Lambda answers the preflight; the function is not invoked").isEmpty();

        Reply allowed = curl("/url/web/x", "-H", "Origin: https://www.example.com");
        assertThat(allowed.header("Access-Control-Allow-Origin")).as("the URL's CORS replaces the function's")
                .isEqualTo("https://www.example.com");
        assertThat(allowed.header("Access-Control-Expose-Headers")).isEqualTo("x-total");

        Reply other = curl("/url/web/x", "-H", "Origin: https://evil.example");
        assertThat(other.header("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void letsOnlySignedCallersThroughAnAwsIamUrl() throws Exception {
        assertThat(curl("/url/web-iam/x").status()).isEqualTo(403);
        assertThat(curl("/url/web-iam/x", "--aws-sigv4", "aws:amz:us-east-1:lambda", "--user", "test:wrong").status())
                .isEqualTo(403);

        Reply signed = curl("/url/web-iam/x?y=1", "--aws-sigv4", "aws:amz:us-east-1:lambda", "--user", "test:test",
                "-H", "Content-Type: application/json", "--data-binary", "{\"signed\":true}");
        assertThat(signed.status()).isEqualTo(201);
        JsonNode event = signed.json();
        assertThat(event.at("/requestContext/accountId").asText()).isEqualTo("000000000000");
        assertThat(event.at("/requestContext/authorizer/iam/accessKey").asText()).isEqualTo("test");
        assertThat(event.at("/requestContext/authorizer/iam/userArn").asText()).isEqualTo("arn:aws:iam::000000000000:root");

        assertThat(curl("/url/web-iam/x", "--aws-sigv4", "aws:amz:us-east-1:lambda", "--user", "other-key:other-secret")
                .status()).as("another account without a resource policy statement").isEqualTo(403);
    }

    @Test
    void sendsAlbEventsWhenTheUrlAsksForThem() throws Exception {
        Reply reply = curl("/url/web-alb/lambda?query=1&query=2", "-H", "Accept: a", "-H", "Accept: b");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.all("X-Seen")).containsExactly("a", "b");
        JsonNode event = reply.json();
        assertThat(event.at("/requestContext/elb/targetGroupArn").asText()).startsWith("arn:aws:elasticloadbalancing:");
        assertThat(event.get("httpMethod").asText()).isEqualTo("GET");
        assertThat(event.get("path").asText()).isEqualTo("/lambda");
        assertThat(event.at("/multiValueQueryStringParameters/query")).extracting(JsonNode::asText).containsExactly("1", "2");
        assertThat(event.at("/multiValueHeaders/accept")).extracting(JsonNode::asText).containsExactly("a", "b");
        assertThat(event.has("headers")).isFalse();
    }

    @Test
    void servesAliasUrlsAndUrlsOnTheirOwnHostNames() throws Exception {
        Reply alias = curl("/url/web/beta/deep/path");
        assertThat(alias.status()).isEqualTo(201);
        assertThat(alias.json().get("rawPath").asText()).isEqualTo("/deep/path");

        Reply notAnAlias = curl("/url/web/gamma/path");
        assertThat(notAnAlias.json().get("rawPath").asText()).as("a segment that is no alias with a URL is path")
                .isEqualTo("/gamma/path");

        Reply host = curl("/some/path?z=9", "-H", "Host: web.lambda-url.test");
        assertThat(host.status()).isEqualTo(201);
        assertThat(host.json().get("rawPath").asText()).isEqualTo("/some/path");
        assertThat(host.json().at("/requestContext/domainName").asText()).isEqualTo("web.lambda-url.test");
        assertThat(host.json().at("/requestContext/domainPrefix").asText()).isEqualTo("web");

        Reply aliasHost = curl("/", "-H", "Host: web--beta.lambda-url.test");
        assertThat(aliasHost.status()).isEqualTo(201);
    }

    @Test
    void answersUrlsThatDoNotExistWith404() throws Exception {
        assertThat(curl("/url/nope/x").status()).isEqualTo(404);
        assertThat(curl("/url/echo/x").status()).as("a function without a URL config").isEqualTo(404);
        assertThat(curl("/x", "-H", "Host: nope.lambda-url.test").status()).isEqualTo(404);
    }
}
