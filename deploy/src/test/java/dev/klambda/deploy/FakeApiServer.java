package dev.klambda.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Just enough of a Kubernetes API server for the chart's {@code lookup} of Secrets: helm-java's
 * template, unlike {@code helm template}, asks a cluster, found through {@code $KUBECONFIG}
 * (set by the surefire configuration). It answers core/v1 discovery and reads of the Secrets a
 * test put in, and 404 for everything else.
 */
final class FakeApiServer {

    private static final Pattern SECRET = Pattern.compile("/api/v1/namespaces/([^/]+)/secrets/([^/]+)");
    private static final String CORE_V1 = """
            {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "v1", "resources": [
              {"name": "secrets", "singularName": "secret", "namespaced": true, "kind": "Secret", "verbs": ["get", "list"]}]}
            """;
    private static final String NOT_FOUND = """
            {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404, "message": "not found"}
            """;

    private static FakeApiServer started;

    private final KubernetesSerialization serialization = new KubernetesSerialization();
    private final Map<String, Secret> secrets = new ConcurrentHashMap<>();

    private FakeApiServer() {
    }

    /** The server of this JVM, started and written into {@code $KUBECONFIG} on first use. */
    static synchronized FakeApiServer get() {
        if (started == null) {
            String kubeconfig = System.getenv("KUBECONFIG");
            if (kubeconfig == null || kubeconfig.isBlank()) {
                throw new IllegalStateException(
                        "KUBECONFIG is not set: run the chart tests through Maven, whose surefire configuration sets it");
            }
            FakeApiServer server = new FakeApiServer();
            server.start(Path.of(kubeconfig));
            started = server;
        }
        return started;
    }

    /** Serves {@code secret} until {@link #remove(Secret)}. */
    void put(Secret secret) {
        secrets.put(key(secret.getMetadata().getNamespace(), secret.getMetadata().getName()), secret);
    }

    void remove(Secret secret) {
        secrets.remove(key(secret.getMetadata().getNamespace(), secret.getMetadata().getName()));
    }

    private void start(Path kubeconfig) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", this::answer);
            server.start();
            Files.createDirectories(kubeconfig.toAbsolutePath().getParent());
            Files.writeString(kubeconfig, """
                    apiVersion: v1
                    kind: Config
                    clusters:
                      - name: fake
                        cluster:
                          server: http://127.0.0.1:%d
                    contexts:
                      - name: fake
                        context:
                          cluster: fake
                          user: fake
                    current-context: fake
                    users:
                      - name: fake
                        user: {}
                    """.formatted(server.getAddress().getPort()));
            // Never stopped: it lives as long as the test JVM, which surefire ends with System.exit.
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void answer(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        Matcher secret = SECRET.matcher(path);
        if (path.equals("/api/v1")) {
            respond(exchange, 200, CORE_V1);
        } else if (secret.matches() && secrets.containsKey(key(secret.group(1), secret.group(2)))) {
            respond(exchange, 200, serialization.asJson(secrets.get(key(secret.group(1), secret.group(2)))));
        } else {
            respond(exchange, 404, NOT_FOUND);
        }
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }
}
