package dev.klambda.invoker.cluster.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.StatusDetails;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;

import dev.klambda.core.status.VersionPublication;
import dev.klambda.core.store.ResourceStore;
import dev.klambda.core.store.ResourceWriteException;
import dev.klambda.core.store.ResourceWriteException.Reason;
import dev.klambda.core.store.ResourceWriter;
import dev.klambda.core.validation.FieldError;
import dev.klambda.core.validation.ManifestValidator;
import dev.klambda.core.validation.Validation;
import dev.klambda.crds.v1alpha1.alias.Alias;
import dev.klambda.crds.v1alpha1.eventsourcemapping.EventSourceMapping;
import dev.klambda.crds.v1alpha1.function.Function;
import dev.klambda.crds.v1alpha1.version.Version;
import dev.klambda.invoker.cluster.store.ApiErrors.Write;
import dev.klambda.invoker.cluster.store.KindCache.Indexing;

/**
 * The cluster's resource store: the four kinds of the tenants' namespaces as the Kubernetes API
 * server holds them. Reads come from informer caches, indexed the ways Lambda looks things up;
 * writes are checked with the API server's rules, sent through the API, and return once this
 * replica's cache shows them. Status is the controller's: it is never written here.
 */
public final class KubernetesResourceStore implements ResourceStore, ResourceWriter, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KubernetesResourceStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Of two Functions claiming one Lambda name, the first created keeps it (as standalone keeps the first loaded). */
    private static final Comparator<HasMetadata> FIRST_CREATED = Comparator
            .comparing((HasMetadata r) -> r.getMetadata().getCreationTimestamp(),
                    Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(r -> r.getMetadata().getName());

    private final KubernetesClient client;
    private final ManifestValidator validator;
    private final Duration visibilityTimeout;
    private final Duration publishTimeout;
    private final KindCache<Function> functions;
    private final KindCache<Version> versions;
    private final KindCache<Alias> aliases;
    private final KindCache<EventSourceMapping> mappings;
    private volatile boolean closed;

    /**
     * @param namespaces the tenants' namespaces: the only ones read
     * @param visibilityTimeout how long a write waits for the cache to show it
     * @param publishTimeout how long creating a Version without snapshot waits for it to be published or refused
     */
    public KubernetesResourceStore(KubernetesClient client, Set<String> namespaces, ManifestValidator validator,
            Duration visibilityTimeout, Duration publishTimeout) {
        this.client = client;
        this.validator = validator;
        this.visibilityTimeout = visibilityTimeout;
        this.publishTimeout = publishTimeout;
        this.functions = new KindCache<>(client, Function.class, namespaces, new Indexing<>(
                f -> f.getMetadata().getNamespace(),
                f -> key(f.getMetadata().getNamespace(), f.functionName()),
                KubernetesResourceStore::byLambdaName));
        this.versions = new KindCache<>(client, Version.class, namespaces, new Indexing<>(
                v -> v.getSpec() == null ? null : key(v.getMetadata().getNamespace(), v.getSpec().functionName()),
                v -> v.getSpec() == null || v.getSpec().version() == null ? null
                        : key(v.getMetadata().getNamespace(), v.getSpec().functionName(), v.getSpec().version().toString()),
                list -> list.stream().sorted(Comparator
                        .comparing((Version v) -> v.getSpec().version(), Comparator.nullsLast(Comparator.naturalOrder()))
                        .thenComparing(v -> v.getMetadata().getName())).toList()));
        this.aliases = new KindCache<>(client, Alias.class, namespaces, new Indexing<>(
                a -> a.getSpec() == null ? null : key(a.getMetadata().getNamespace(), a.getSpec().functionName()),
                a -> a.getSpec() == null ? null
                        : key(a.getMetadata().getNamespace(), a.getSpec().functionName(), a.aliasName()),
                list -> list.stream().sorted(Comparator.comparing(Alias::aliasName)
                        .thenComparing(a -> a.getMetadata().getName())).toList()));
        this.mappings = new KindCache<>(client, EventSourceMapping.class, namespaces, new Indexing<>(
                m -> m.getMetadata().getNamespace(),
                null,
                list -> list.stream().sorted(Comparator.comparing(m -> m.getMetadata().getName())).toList()));
    }

    private static String key(String... parts) {
        return String.join("/", parts);
    }

    /** A namespace's functions by Lambda name; of two with one name, the first created. */
    private static List<Function> byLambdaName(List<Function> functions) {
        Map<String, Function> first = new LinkedHashMap<>();
        functions.stream().sorted(Comparator.comparing(Function::functionName).thenComparing(FIRST_CREATED))
                .forEach(f -> first.putIfAbsent(f.functionName(), f));
        return List.copyOf(first.values());
    }

    private List<KindCache<?>> caches() {
        return List.of(functions, versions, aliases, mappings);
    }

    /** Starts the informers; the returned future completes once every cache has synced. */
    public CompletableFuture<Void> start() {
        return CompletableFuture.allOf(caches().stream().map(cache -> cache.start().toCompletableFuture()
                .whenComplete((done, failure) -> {
                    if (failure == null) {
                        LOG.infof("%s synced: %d objects", cache, cache.size());
                    } else if (!closed) {
                        LOG.errorf(failure, "%s stopped before it synced", cache);
                    }
                })).toArray(CompletableFuture[]::new));
    }

    /** Whether every cache holds what the API server had when it started, and is still watching for more. */
    public boolean synced() {
        return caches().stream().allMatch(KindCache::synced);
    }

    /** How many objects each cache holds, by kind, across namespaces. */
    public Map<String, Integer> counts() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        caches().forEach(cache -> counts.put(cache.type().getSimpleName(), cache.size()));
        return counts;
    }

    @Override
    public void close() {
        closed = true;
        caches().forEach(KindCache::stop);
    }

    // ResourceStore

    @Override
    public List<Function> functions(String namespace) {
        return functions.group(namespace);
    }

    @Override
    public Optional<Function> function(String namespace, String functionName) {
        return functions.lookup(key(namespace, functionName)).stream().min(FIRST_CREATED);
    }

    @Override
    public List<Version> versions(String namespace, String functionName) {
        return versions.group(key(namespace, functionName));
    }

    @Override
    public List<Alias> aliases(String namespace, String functionName) {
        return aliases.group(key(namespace, functionName));
    }

    @Override
    public List<EventSourceMapping> eventSourceMappings(String namespace) {
        return mappings.group(namespace);
    }

    @Override
    public Optional<Version> version(String namespace, String functionName, int number) {
        return versions.lookup(key(namespace, functionName, Integer.toString(number))).stream()
                .filter(v -> v.getSpec().snapshot() != null).min(FIRST_CREATED);
    }

    @Override
    public Optional<Alias> alias(String namespace, String functionName, String aliasName) {
        return aliases.lookup(key(namespace, functionName, aliasName)).stream().min(FIRST_CREATED);
    }

    // ResourceWriter

    @Override
    public <T extends HasMetadata> T create(T resource) {
        KindCache<T> cache = cache(resource);
        String namespace = namespace(resource);
        String name = resource.getMetadata().getName();
        String key = describe(resource.getKind(), namespace, name);
        T checked = checked(resource, namespace, null);
        if (cache.get(namespace, name) != null) {
            throw new ResourceWriteException(Reason.EXISTS, key + " already exists");
        }
        if (checked instanceof Function function && function(namespace, function.functionName()).isPresent()) {
            throw new ResourceWriteException(Reason.EXISTS, "function " + function.functionName() + " already exists");
        }
        T created;
        try {
            created = client.resource(checked).create();
        } catch (KubernetesClientException e) {
            throw ApiErrors.of(e, key, Write.CREATE);
        }
        T visible = visible(cache, created, key);
        if (visible instanceof Version version && version.getSpec().snapshot() == null) {
            @SuppressWarnings("unchecked")
            T published = (T) publication(versions, version, key);
            return published;
        }
        return visible;
    }

    @Override
    public <T extends HasMetadata> T replace(T resource) {
        KindCache<T> cache = cache(resource);
        String namespace = namespace(resource);
        String name = resource.getMetadata().getName();
        String key = describe(resource.getKind(), namespace, name);
        T current = cache.get(namespace, name);
        unchangedSinceRead(resource, current, key);
        T checked = checked(resource, namespace, current);
        for (int attempt = 0;; attempt++) {
            try {
                // With a resourceVersion this is a conditional PUT; without one, fabric8 reads the current one first.
                return visible(cache, client.resource(checked).update(), key);
            } catch (KubernetesClientException e) {
                // Without a resourceVersion of the caller's to keep, a conflict only means someone wrote
                // between that read and the PUT: the caller asked for "last write wins", so try again.
                if (e.getCode() == 409 && resource.getMetadata().getResourceVersion() == null && attempt < 3) {
                    continue;
                }
                throw ApiErrors.of(e, key, Write.REPLACE);
            }
        }
    }

    @Override
    public void delete(HasMetadata resource) {
        KindCache<? extends HasMetadata> cache = cache(resource);
        String namespace = namespace(resource);
        String name = resource.getMetadata().getName();
        String key = describe(resource.getKind(), namespace, name);
        HasMetadata current = cache.get(namespace, name);
        unchangedSinceRead(resource, current, key);
        String expected = resource.getMetadata().getResourceVersion();
        Resource<? extends HasMetadata> target = client.resources(cache.type()).inNamespace(namespace).withName(name);
        List<StatusDetails> deleted;
        try {
            // The resourceVersion goes along as a precondition, so a change after the check above still counts.
            deleted = expected == null ? target.delete() : target.lockResourceVersion(expected).delete();
        } catch (KubernetesClientException e) {
            throw ApiErrors.of(e, key, Write.DELETE);
        }
        if (deleted.isEmpty()) {
            throw new ResourceWriteException(Reason.GONE, key + " does not exist");
        }
        String uid = current != null ? current.getMetadata().getUid()
                : deleted.get(0).getUid() != null ? deleted.get(0).getUid() : resource.getMetadata().getUid();
        // Gone, replaced by a new object of that name, or waiting for its finalizers: deleted as far as readers go.
        boolean seen = await(cache.when(namespace, name, now -> now == null
                || (uid != null && !uid.equals(now.getMetadata().getUid())) || now.isMarkedForDeletion()),
                visibilityTimeout);
        if (!seen) {
            LOG.warnf("%s was deleted, but this replica's cache still shows it after %s", key, shown(visibilityTimeout));
        }
    }

    /**
     * CHANGED at once when the cache already holds a later version than the caller's. The API
     * server checks again, for changes the cache has not seen yet; the fabric8 mock server does not
     * check a delete's precondition, so without this tests could not see it.
     */
    private static void unchangedSinceRead(HasMetadata resource, HasMetadata current, String key) {
        String expected = resource.getMetadata().getResourceVersion();
        if (expected != null && current != null
                && ResourceVersions.later(current.getMetadata().getResourceVersion(), expected)) {
            throw new ResourceWriteException(Reason.CHANGED, key + " changed since it was read");
        }
    }

    /**
     * {@code resource} as the API server would store it, if its rules take it: defaulted by the
     * generated schema, checked by its rules and, for a replacement, against {@code current}; with
     * the caller's metadata and no status.
     */
    @SuppressWarnings("unchecked")
    private <T extends HasMetadata> T checked(T resource, String namespace, T current) {
        ObjectNode tree = JSON.valueToTree(resource);
        ObjectNode document = JSON.createObjectNode();
        document.set("apiVersion", tree.get("apiVersion"));
        document.set("kind", tree.get("kind"));
        ObjectNode metadata = document.putObject("metadata");
        JsonNode given = tree.path("metadata");
        metadata.set("name", given.get("name"));
        metadata.put("namespace", namespace);
        for (String field : List.of("labels", "annotations")) {
            if (given.hasNonNull(field)) {
                metadata.set(field, given.get(field));
            }
        }
        if (tree.hasNonNull("spec")) {
            document.set("spec", tree.get("spec"));
        }
        Validation validation = validator.validate(document);
        List<FieldError> errors = new ArrayList<>(validation.errors());
        if (validation.resource() != null && current != null) {
            errors.addAll(validator.validateUpdate(current, validation.resource()));
        }
        if (!errors.isEmpty()) {
            List<String> problems = errors.stream().map(FieldError::toString).distinct().toList();
            throw new ResourceWriteException(Reason.INVALID, describe(resource.getKind(), namespace,
                    resource.getMetadata().getName()) + " is invalid: " + String.join("; ", problems), problems);
        }
        T checked = (T) validation.resource();
        checked.setMetadata(new ObjectMetaBuilder(resource.getMetadata()).withNamespace(namespace).build());
        return checked;
    }

    /**
     * The object as the cache holds it once it shows {@code written} (or something newer of it); if
     * it does not within the visibility timeout, {@code written} as the API server answered.
     */
    private <T extends HasMetadata> T visible(KindCache<T> cache, T written, String key) {
        String uid = written.getMetadata().getUid();
        String resourceVersion = written.getMetadata().getResourceVersion();
        CompletableFuture<T> shown = cache.when(written.getMetadata().getNamespace(), written.getMetadata().getName(),
                now -> now != null && Objects.equals(uid, now.getMetadata().getUid())
                        && ResourceVersions.atLeast(now.getMetadata().getResourceVersion(), resourceVersion));
        if (await(shown, visibilityTimeout)) {
            return shown.join();
        }
        LOG.warnf("%s was written, but this replica's cache did not show it within %s", key, shown(visibilityTimeout));
        return written;
    }

    /**
     * A Version created without its snapshot once the controller published it or refused it for
     * good, or as it is when the publish timeout runs out (perhaps refused for a while, e.g. while
     * its function is not Active yet), or as created if it went meanwhile.
     */
    private Version publication(KindCache<Version> cache, Version created, String key) {
        String namespace = created.getMetadata().getNamespace();
        String name = created.getMetadata().getName();
        String uid = created.getMetadata().getUid();
        CompletableFuture<Version> answered = cache.when(namespace, name,
                now -> now == null || !Objects.equals(uid, now.getMetadata().getUid()) || VersionPublication.settled(now));
        Version now = await(answered, publishTimeout) ? answered.join() : cache.get(namespace, name);
        if (now == null || !Objects.equals(uid, now.getMetadata().getUid())) {
            return created;
        }
        if (!VersionPublication.settled(now)) {
            LOG.infof("%s was not published within %s%s", key, shown(publishTimeout), VersionPublication.refusal(now)
                    .map(c -> " (" + c.reason() + ": " + c.message() + ")").orElse(": is the controller running?"));
        }
        return now;
    }

    /** Waits for {@code future} without spinning; false (and the wait given up) after {@code timeout}. */
    private static boolean await(CompletableFuture<?> future, Duration timeout) {
        try {
            future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            future.cancel(false);
            return false;
        } catch (InterruptedException e) {
            future.cancel(false);
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for the cache failed", e.getCause());
        }
    }

    private static String shown(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }

    private String namespace(HasMetadata resource) {
        String namespace = resource.getMetadata().getNamespace();
        return namespace != null ? namespace : client.getNamespace();
    }

    @SuppressWarnings("unchecked")
    private <T extends HasMetadata> KindCache<T> cache(T resource) {
        KindCache<?> cache = switch (resource) {
            case Function f -> functions;
            case Version v -> versions;
            case Alias a -> aliases;
            case EventSourceMapping m -> mappings;
            default -> throw new IllegalArgumentException("not a klambda kind: " + resource.getKind());
        };
        return (KindCache<T>) cache;
    }

    /** A resource as log lines and errors name it: {@code Version(default/hello-3)}. */
    private static String describe(String kind, String namespace, String name) {
        return kind + "(" + namespace + "/" + name + ")";
    }
}
