package dev.klambda.invoker.cluster.store;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * One kind's informer cache over every namespace, indexed for the tenants' namespaces the ways
 * Lambda looks that kind up: a group index (the functions of a namespace, the versions of a
 * function, ...) and a lookup index (a function by its Lambda name, a version by its number, ...).
 * Writers wait here, on a future the informer's event handler completes, until the cache shows
 * what they wrote.
 *
 * <p>
 * fabric8 reads its indexes without a lock while the informer updates them (an update takes an
 * object out of its index entry before putting the new one in), so a lookup racing an update
 * could miss an object that exists. Reads therefore go through views: immutable lists per index
 * key, built under the cache's own lock and kept until an update of the cache touches that key.
 * The index functions drop those views; fabric8 calls them inside the locked update, so no view
 * outlives a change, and a reader either sees the state before an update or after it.
 */
final class KindCache<T extends HasMetadata> {

    private static final Logger LOG = Logger.getLogger(KindCache.class);
    private static final String GROUP = "klambda.dev/group";
    private static final String LOOKUP = "klambda.dev/lookup";

    /**
     * How one kind is indexed: its group and lookup keys (null for an object that has none, e.g.
     * without a spec), and how a group's members are ordered (and, for functions, deduplicated).
     */
    record Indexing<T>(Function<T, String> group, Function<T, String> lookup, UnaryOperator<List<T>> order) {
    }

    /** A writer waiting until the object under {@code key} (absent: null) satisfies {@code condition}. */
    private record Waiter<T>(String key, Predicate<T> condition, CompletableFuture<T> future) {
    }

    private final Class<T> type;
    private final Set<String> namespaces;
    private final Indexing<T> indexing;
    private final SharedIndexInformer<T> informer;
    /** The monitor fabric8's cache updates under (CacheImpl's put and remove are synchronized on it). */
    private final Object lock;
    private final Map<String, List<T>> groups = new ConcurrentHashMap<>();
    private final Map<String, List<T>> lookups = new ConcurrentHashMap<>();
    private final Set<Waiter<T>> waiters = ConcurrentHashMap.newKeySet();

    KindCache(KubernetesClient client, Class<T> type, Set<String> namespaces, Indexing<T> indexing) {
        this.type = type;
        this.namespaces = Set.copyOf(namespaces);
        this.indexing = indexing;
        this.informer = client.resources(type).inAnyNamespace().runnableInformer(0);
        this.lock = informer.getIndexer();
        informer.removeNamespaceIndex();
        informer.addIndexers(Map.of(
                GROUP, object -> invalidating(groups, keys(object, indexing.group())),
                LOOKUP, object -> invalidating(lookups, keys(object, indexing.lookup()))));
        informer.addEventHandler(new ResourceEventHandler<T>() {
            @Override
            public void onAdd(T object) {
                changed(object);
            }

            @Override
            public void onUpdate(T before, T after) {
                changed(after);
            }

            @Override
            public void onDelete(T object, boolean finalStateUnknown) {
                changed(object);
            }
        });
        // The default gives up when the first list fails; an invoker started before the API server
        // answers (or before the chart's CRDs exist) would then never become ready. A payload that
        // does not bind to our classes fails the same way every time: that stops it.
        informer.exceptionHandler((started, failure) -> !ExceptionHandler.isDeserializationException(failure));
    }

    Class<T> type() {
        return type;
    }

    /** Starts listing and watching; completes once the cache holds everything the API server has. */
    CompletionStage<Void> start() {
        return informer.start();
    }

    void stop() {
        informer.stop();
    }

    boolean synced() {
        return informer.isRunning() && informer.hasSynced();
    }

    int size() {
        return informer.getStore().list().size();
    }

    /** One group, sorted, e.g. the versions of one function; empty when it has none. */
    List<T> group(String key) {
        return view(groups, GROUP, key, indexing.order());
    }

    /** The objects under one lookup key, e.g. the function with one Lambda name (normally one). */
    List<T> lookup(String key) {
        return view(lookups, LOOKUP, key, UnaryOperator.identity());
    }

    /** The object {@code namespace/name}, in any namespace; null when the cache has none. */
    T get(String namespace, String name) {
        return informer.getStore().getByKey(Cache.namespaceKeyFunc(namespace, name));
    }

    /**
     * Completes with the cached {@code namespace/name} (null when absent) once it satisfies
     * {@code condition}, checked now and at every change of it the informer reports. Cancel the
     * future to stop waiting.
     */
    CompletableFuture<T> when(String namespace, String name, Predicate<T> condition) {
        Waiter<T> waiter = new Waiter<>(Cache.namespaceKeyFunc(namespace, name), condition, new CompletableFuture<>());
        waiters.add(waiter);
        waiter.future().whenComplete((object, failure) -> waiters.remove(waiter));
        // The change may have reached the cache before the waiter was added.
        check(waiter);
        return waiter.future();
    }

    private List<T> view(Map<String, List<T>> views, String index, String key, UnaryOperator<List<T>> order) {
        List<T> view = views.get(key);
        if (view != null) {
            return view;
        }
        synchronized (lock) {
            List<T> members = informer.getIndexer().byIndex(index, key);
            if (members.isEmpty()) {
                // Not kept: callers may ask for any name, and most do not exist.
                return List.of();
            }
            view = List.copyOf(order.apply(members));
            views.put(key, view);
            return view;
        }
    }

    /** The index keys of {@code object} under {@code index}: none outside the tenants' namespaces. */
    private List<String> keys(T object, Function<T, String> index) {
        if (object == null || index == null || !namespaces.contains(object.getMetadata().getNamespace())) {
            return List.of();
        }
        String key = index.apply(object);
        return key == null ? List.of() : List.of(key);
    }

    /** Called by fabric8 for the old and the new object of every update, under {@link #lock}. */
    private static <T> List<String> invalidating(Map<String, List<T>> views, List<String> keys) {
        keys.forEach(views::remove);
        return keys;
    }

    private void changed(T object) {
        String key = Cache.metaNamespaceKeyFunc(object);
        for (Waiter<T> waiter : waiters) {
            if (waiter.key().equals(key)) {
                check(waiter);
            }
        }
    }

    private void check(Waiter<T> waiter) {
        T current;
        // Under the lock, an object is either not in the cache yet or in it with its indexes and views
        // up to date: a writer woken here reads its write back.
        synchronized (lock) {
            current = informer.getStore().getByKey(waiter.key());
        }
        try {
            if (waiter.condition().test(current)) {
                waiter.future().complete(current);
            }
        } catch (RuntimeException e) {
            LOG.warnf(e, "%s(%s): checking whether a write is visible failed", type.getSimpleName(), waiter.key());
            waiter.future().completeExceptionally(e);
        }
    }

    @Override
    public String toString() {
        return type.getSimpleName() + " cache";
    }
}
